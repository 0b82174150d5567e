package weiban

import "github.com/ticketbot/ticketbot/providers"

// Descriptor is what the core knows of Weiban 微伴助手.
var Descriptor = providers.Descriptor{Name: "weiban", Label: "微伴助手", LabelEN: "Weiban",
	Aliases: []string{"微伴", "微伴助手"}, LegacyUserKey: "weiban_staff_id"}
