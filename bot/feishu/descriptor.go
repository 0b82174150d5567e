package feishu

import (
	"time"

	"github.com/ticketbot/ticketbot/bot"
)

// WebhookPath is where the app serves Handler in webhook mode.
const WebhookPath = "/feishu/webhook"

// Descriptor is what the core knows of Feishu, and how the app reads its section and builds
// it: 5 messages per second per group (kept at 4 for headroom) and 50 per second per app
// (kept at 40).
var Descriptor = bot.PlatformDescriptor{Name: Platform, Label: "Feishu", LabelZh: "飞书", ChatInterval: 250 * time.Millisecond,
	AppInterval: 25 * time.Millisecond, LegacyUserKey: "feishu_open_id", CardAnswerLimit: CardAnswerLimit,
	Config: func() bot.PlatformSection { return new(Config) }, New: build}

// build is the app's constructor: webhook mode serves Handler, websocket mode runs the long
// connection.
func build(s bot.PlatformSection, env bot.PlatformEnv) (bot.PlatformRun, error) {
	cfg := *s.(*Config)
	f, err := New(cfg, env.Sink, env.Log, WithMaxBody(env.MaxBody), WithMetrics(env.Metrics))
	if err != nil {
		return bot.PlatformRun{}, err
	}
	r := bot.PlatformRun{Platform: f}
	if cfg.Mode == ModeWebsocket {
		r.Connect, r.Connected = f.Run, f.Connected
	} else {
		r.WebhookPath, r.Webhook = WebhookPath, f.Handler()
	}
	return r, nil
}
