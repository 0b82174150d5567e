package ksyun_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/ksyun"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
)

// Probe lists one ticket; when the server refuses the configured Sign rule it finds the one
// the server takes and says what to write, and a wrong secret, which no rule fixes, is the
// vendor's refusal as it came.
func TestProbe(t *testing.T) {
	cases := []struct {
		name    string
		server  ksyuntest.SignRule
		secret  string // the configured secret; empty: the fake's
		fix     string // in the ProbeError; empty: none
		wantErr bool
	}{
		{name: "default rule"},
		{name: "server takes sha256 upper ms",
			server:  ksyuntest.SignRule{Algo: "sha256", Template: "{app_secret}{timestamp}", Case: "upper", Unit: "ms"},
			fix:     `sign_algo = "sha256", sign_template = "{app_secret}{timestamp}", sign_case = "upper", timestamp_unit = "ms"`,
			wantErr: true},
		{name: "server takes hmac",
			server:  ksyuntest.SignRule{Algo: "hmac-sha256", Template: "{app_id}{timestamp}", Unit: "s"},
			fix:     `sign_algo = "hmac-sha256"`,
			wantErr: true},
		{name: "wrong secret", secret: "not-the-secret", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := ksyuntest.New("app-1", "secret-1")
			defer f.Close()
			f.ExpectSign(tc.server)
			cfg := f.Config()
			if tc.secret != "" {
				cfg.AppSecret = providers.Secret(tc.secret)
			}
			p, err := ksyun.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			call, err := providers.Probe(context.Background(), p)
			if call != "list_tickets" {
				t.Errorf("call = %q, want list_tickets", call)
			}
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			var pe *providers.ProbeError
			if gotFix := errors.As(err, &pe); gotFix != (tc.fix != "") || (gotFix && !strings.Contains(pe.Fix, tc.fix)) {
				t.Fatalf("err = %v, want a fix with %q", err, tc.fix)
			}
			if ve, ok := errors.AsType[*providers.VendorError](err); tc.wantErr && (!ok || ve.Code != "40001") {
				t.Errorf("err = %v, want the vendor's code 40001", err)
			}
			if tc.wantErr && tc.fix == "" && len(f.Calls()) < 10 {
				t.Errorf("%d calls: the other rules were not tried", len(f.Calls()))
			}
			for _, c := range f.Calls() {
				if c.Body["page_size"] == nil || c.Body["page_size"].(interface{ String() string }).String() != "1" {
					t.Fatalf("call body %v: want page_size 1", c.Body)
				}
			}
		})
	}
}

// A refusal of something other than the signature (an unknown organisation, say) is the
// probe's answer as it came: no other Sign rule is tried, so an account is not hammered with
// wrongly signed calls that cannot help.
func TestProbeTriesRulesOnlyForASignatureRefusal(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fail  func(f *ksyuntest.Server)
		calls int // at most
	}{
		{"another refusal", func(f *ksyuntest.Server) { f.FailNext(1, 23001, "客户组织不存在") }, 1},
		{"forbidden", func(f *ksyuntest.Server) { f.FailHTTP(1, 403) }, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := ksyuntest.New("app-1", "secret-1")
			defer f.Close()
			tc.fail(f)
			p, err := ksyun.New(f.Config())
			if err != nil {
				t.Fatal(err)
			}
			_, err = providers.Probe(context.Background(), p)
			if err == nil {
				t.Fatal("the refusal was not reported")
			}
			if n := len(f.Calls()); n > tc.calls {
				t.Errorf("%d calls for a refusal that is not of the signature, want at most %d", n, tc.calls)
			}
			if tc.calls > 1 && len(f.Calls()) < 2 {
				t.Errorf("an HTTP 403 may be the signature: the other rules were not tried (%d calls)", len(f.Calls()))
			}
		})
	}
}
