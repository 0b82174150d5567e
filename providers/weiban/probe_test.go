package weiban_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

// Probe asks for a fresh token each time, and a wrong secret is Weiban's own refusal.
func TestProbe(t *testing.T) {
	cases := []struct {
		name, secret, code string
	}{
		{name: "right secret"},
		{name: "wrong secret", secret: "wrong", code: strconv.Itoa(weibantest.ErrCredentials)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := weibantest.New("corp-1", "secret-1")
			defer f.Close()
			cfg := f.Config()
			if tc.secret != "" {
				cfg.Secret = providers.Secret(tc.secret)
			}
			p, err := weiban.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			for range 2 { // a probe is never answered from the cache
				call, err := providers.Probe(context.Background(), p)
				if call != "access_token" {
					t.Errorf("call = %q, want access_token", call)
				}
				ve, _ := errors.AsType[*providers.VendorError](err)
				switch {
				case tc.code == "" && err != nil:
					t.Fatalf("err = %v", err)
				case tc.code != "" && (ve == nil || ve.Code != tc.code):
					t.Fatalf("err = %v, want vendor code %s", err, tc.code)
				}
			}
			if n := len(f.Calls()); n != 2 {
				t.Errorf("%d calls, want 2 token requests", n)
			}
		})
	}
}
