package feishu

import (
	"context"
	"errors"
	"testing"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
)

// Probe gets a token and reads the bot's info; a wrong secret stops it at the token with
// Feishu's own code, and a refused info read is named as such.
func TestProbe(t *testing.T) {
	cases := []struct {
		name, secret string
		failInfo     bool
		call         string
		code         int
	}{
		{name: "ok", call: "bot/v3/info"},
		{name: "wrong secret", secret: "wrong", call: "tenant_access_token", code: feishutest.CodeBadSecret},
		{name: "info refused", failInfo: true, call: "bot/v3/info", code: 99991672},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, fake := newClient(t, func(c *Config) {
				if tc.secret != "" {
					c.AppSecret = bot.Secret(tc.secret)
				}
			})
			if tc.failInfo {
				fake.FailNext(1, 400, tc.code, "Access denied")
			}
			call, err := bot.Probe(context.Background(), f)
			if call != tc.call {
				t.Errorf("call = %q, want %q", call, tc.call)
			}
			ae, _ := errors.AsType[*APIError](err)
			switch {
			case tc.code == 0 && err != nil:
				t.Fatalf("err = %v", err)
			case tc.code != 0 && (ae == nil || ae.Code != tc.code):
				t.Fatalf("err = %v, want code %d", err, tc.code)
			}
			if tc.code == 0 && fake.Requests()[len(fake.Requests())-1].Path != "/open-apis/bot/v3/info" {
				t.Errorf("last request %+v, want the bot info", fake.Requests()[len(fake.Requests())-1])
			}
		})
	}
}
