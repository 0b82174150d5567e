package ksyun_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
)

// TestVendorErrorHints: Kingsoft's documented failures get the package's sentence, any other
// errno the first sentence of errmsg; the message, kept for the log, is scrubbed of the AppId,
// the secret and the Sign header even when the vendor echoes them.
func TestVendorErrorHints(t *testing.T) {
	tests := []struct {
		name   string
		fail   func(f *ksyuntest.Server)
		code   string
		zh, en string
	}{
		// 23000 is documented for close_ticket only (TestHintsByCall): from another call it is
		// said in Kingsoft's words.
		{"23000 outside close_ticket", func(f *ksyuntest.Server) { f.FailNext(1, 23000, "工单状态不允许驳回") }, "23000", "工单状态不允许驳回", "工单状态不允许驳回"},
		{"HTTP 401", func(f *ksyuntest.Server) { f.FailHTTP(1, http.StatusUnauthorized) }, "HTTP 401",
			"鉴权失败：请管理员检查 app_id / app_secret 及签名配置（sign_algo、sign_template）。",
			"authentication failed: have an admin check app_id / app_secret and the signing settings (sign_algo, sign_template)."},
		{"an unknown errno", func(f *ksyuntest.Server) {
			f.FailNext(1, 40001, "sign error: AppId appA secret "+testSecret+"。细节")
		}, "40001",
			"sign error: AppId <redacted> secret <redacted>。", "sign error: AppId <redacted> secret <redacted>。"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, f := newFakeProvider(t)
			tt.fail(f)
			_, err := p.Get(context.Background(), "1204")
			var ve *providers.VendorError
			if !errors.As(err, &ve) || ve.Code != tt.code {
				t.Fatalf("err = %v, want code %s", err, tt.code)
			}
			if zh, en := ve.Sentence(false), ve.Sentence(true); zh != tt.zh || en != tt.en {
				t.Errorf("Sentence = %q / %q, want %q / %q", zh, en, tt.zh, tt.en)
			}
			if strings.Contains(err.Error(), "appA") || strings.Contains(err.Error(), testSecret) {
				t.Errorf("error %q leaks the AppId or the secret", err)
			}
		})
	}
}
