package aliyun_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/aliyun/aliyuntest"
)

// Probe lists one page in either API version, and a wrong secret comes back as Aliyun's own
// SignatureDoesNotMatch.
func TestProbe(t *testing.T) {
	cases := []struct {
		name, version, secret, call, code string
	}{
		{name: "2016", version: aliyun.Version2016, call: "QuestionList"},
		{name: "2021", version: aliyun.Version2021, call: "ListTickets"},
		{name: "2016 wrong secret", version: aliyun.Version2016, secret: "wrong", call: "QuestionList", code: aliyuntest.ErrSignature},
		{name: "2021 wrong secret", version: aliyun.Version2021, secret: "wrong", call: "ListTickets", code: aliyuntest.ErrSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := aliyuntest.New("key-id", "key-secret")
			defer f.Close()
			cfg := f.Config()
			cfg.APIVersion = tc.version
			cfg.Defaults()
			if tc.secret != "" {
				cfg.AccessKeySecret = providers.Secret(tc.secret)
			}
			p, err := aliyun.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			call, err := providers.Probe(context.Background(), p)
			if call != tc.call {
				t.Errorf("call = %q, want %q", call, tc.call)
			}
			ve, _ := errors.AsType[*providers.VendorError](err)
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tc.code != "" && (ve == nil || ve.Code != tc.code):
				t.Fatalf("err = %v, want vendor code %s", err, tc.code)
			}
		})
	}
}
