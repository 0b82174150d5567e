package wecom

import (
	"context"
	"errors"
	"testing"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
)

// Probe subscribes and closes in long-connection mode, uploads with each robot's key in
// callback mode, and says a callback without robots cannot be checked from here; it posts
// nothing into any chat.
func TestProbe(t *testing.T) {
	cases := []struct {
		name        string
		cfg         func(fake *wecomtest.Server) Config
		call        string
		code        int  // WeCom's errcode; 0: none
		unsupported bool // cannot be checked online
		uploads     int
	}{
		{name: "long connection", call: "aibot_subscribe", cfg: func(f *wecomtest.Server) Config {
			return Config{Mode: ModeWebsocket, BotID: testBotID, Secret: testSecret, WSURL: f.WSURL(), APIBaseURL: f.URL()}
		}},
		{name: "long connection, wrong secret", call: "aibot_subscribe", code: 600004, cfg: func(f *wecomtest.Server) Config {
			return Config{Mode: ModeWebsocket, BotID: testBotID, Secret: "wrong", WSURL: f.WSURL(), APIBaseURL: f.URL()}
		}},
		{name: "callback with a robot", call: "webhook/upload_media", uploads: 1, cfg: webhookConfig},
		{name: "callback, wrong robot key", call: "webhook/upload_media", code: 93000, cfg: func(f *wecomtest.Server) Config {
			c := webhookConfig(f)
			c.Robots = map[string]bot.Secret{testChat: "not-a-key"}
			return c
		}},
		{name: "callback without robots", call: "callback", unsupported: true, cfg: func(*wecomtest.Server) Config {
			return webhookConfig(nil)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := wecomtest.New(wecomtest.Config{BotID: testBotID, Secret: testSecret, WebhookKey: testWebhookKey, WebhookChat: testChat})
			defer fake.Close()
			w, err := New(tc.cfg(fake), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			call, err := bot.Probe(context.Background(), w)
			if call != tc.call {
				t.Errorf("call = %q, want %q", call, tc.call)
			}
			code := 0
			if se, ok := errors.AsType[*SubscribeError](err); ok {
				code = se.Code
			}
			if ae, ok := errors.AsType[*APIError](err); ok {
				code = ae.Code
			}
			switch {
			case tc.unsupported != errors.Is(err, bot.ErrUnsupported):
				t.Fatalf("err = %v, want unsupported %v", err, tc.unsupported)
			case !tc.unsupported && code != tc.code:
				t.Fatalf("err = %v, want errcode %d", err, tc.code)
			case tc.code == 0 && !tc.unsupported && err != nil:
				t.Fatalf("err = %v", err)
			}
			if n := fake.Uploads(); n != tc.uploads {
				t.Errorf("%d uploads, want %d", n, tc.uploads)
			}
			if s := fake.Sent(); len(s) > 0 {
				t.Errorf("sent %v: a probe posts nothing", s)
			}
		})
	}
}
