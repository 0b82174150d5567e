package wecom

import (
	"time"

	"github.com/ticketbot/ticketbot/bot"
)

// Descriptor is what the core knows of WeCom, and how the app reads its section and builds
// it: 1000 messages per hour per group (which also keeps 30 a minute), and a group may have
// its own webhook robot (消息推送). Its long connection is one per bot: a second one kicks the
// first, so only one replica holds it.
var Descriptor = bot.PlatformDescriptor{Name: Platform, Label: "WeCom", LabelZh: "企业微信", ChatInterval: 3600 * time.Millisecond, Robots: true,
	OneConnection: true, LegacyUserKey: "wecom_userid", Config: func() bot.PlatformSection { return new(Config) }, New: build}

// build is the app's constructor: webhook mode serves Handler at CallbackPath, websocket
// mode runs the long connection; either way the notices still queued are sent at shutdown.
func build(s bot.PlatformSection, env bot.PlatformEnv) (bot.PlatformRun, error) {
	cfg := *s.(*Config)
	w, err := New(cfg, env.Sink, env.Log, WithMaxBody(env.MaxBody), WithMetrics(env.Metrics))
	if err != nil {
		return bot.PlatformRun{}, err
	}
	r := bot.PlatformRun{Platform: w, Drain: w.Shutdown}
	if cfg.Mode == ModeWebsocket {
		r.Connect, r.Connected = w.Run, w.Connected
	} else {
		r.WebhookPath, r.Webhook = CallbackPath, w.Handler()
	}
	return r, nil
}
