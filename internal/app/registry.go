package app

import (
	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/feishu"
	"github.com/ticketbot/ticketbot/bot/wecom"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/ksyun"
	"github.com/ticketbot/ticketbot/providers/weiban"
)

// vendorRegistry is the vendors this build knows, in the order answers list them: one line per
// vendor. Everything else learns them from here (their names, labels, aliases, how their
// notes' authors are named, the type of their [providers.<name>] section and how to build
// them); the core and the rest of this package name none of them.
var vendorRegistry = providers.MustRegistry(
	ksyun.Descriptor,
	aliyun.Descriptor,
	weiban.Descriptor,
)

// platformRegistry is the chat platforms this build knows: one line per platform. The watcher's
// pacing, the [[users]] ids keys, the type of each [<name>] section and how to build and run
// each platform come from here.
var platformRegistry = []bot.PlatformDescriptor{
	feishu.Descriptor,
	wecom.Descriptor,
}
