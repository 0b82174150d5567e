package feishu

import (
	"time"

	"github.com/ticketbot/ticketbot/bot"
)

// Descriptor is what the core knows of Feishu: 5 messages per second per group (kept at 4
// for headroom) and 50 per second per app (kept at 40).
var Descriptor = bot.PlatformDescriptor{Name: Platform, Label: "Feishu", LabelZh: "飞书", ChatInterval: 250 * time.Millisecond,
	AppInterval: 25 * time.Millisecond, LegacyUserKey: "feishu_open_id"}
