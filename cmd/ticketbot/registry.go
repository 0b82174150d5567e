package main

import (
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/ksyun"
	"github.com/ticketbot/ticketbot/providers/weiban"
)

// vendors are the vendors this build knows, in the order answers list them: one line per
// vendor. Everything else learns them from here (their names, labels, aliases, how their
// notes' authors are named); the core names none of them.
var vendors = providers.MustRegistry(
	ksyun.Descriptor,
	aliyun.Descriptor,
	weiban.Descriptor,
)
