package wecom

import (
	"time"

	"github.com/ticketbot/ticketbot/bot"
)

// Descriptor is what the core knows of WeCom: 1000 messages per hour per group (which also
// keeps 30 a minute), and a group may have its own webhook robot (消息推送).
var Descriptor = bot.PlatformDescriptor{Name: Platform, Label: "WeCom", LabelZh: "企业微信", ChatInterval: 3600 * time.Millisecond, Robots: true,
	LegacyUserKey: "wecom_userid"}
