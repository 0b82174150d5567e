package weiban_test

import (
	"context"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

// TestNoRequestIDs pins down an absence: Weiban's answers name no request, so nothing is
// recorded in the request log, whether the call succeeded or failed.
func TestNoRequestIDs(t *testing.T) {
	p, f, _ := newFakeProvider(t)
	for _, fail := range []bool{false, true} {
		if fail {
			f.FailNext(1, 22305, "员工无权限操作该工单")
		}
		ctx, log := providers.WithRequestLog(context.Background())
		_, err := p.Get(ctx, weibantest.DocOrderNo)
		if (err != nil) != fail {
			t.Fatalf("Get err = %v, want error %v", err, fail)
		}
		if got := log.IDs(); len(got) != 0 {
			t.Errorf("logged %q, but Weiban answers carry no request id", got)
		}
	}
}
