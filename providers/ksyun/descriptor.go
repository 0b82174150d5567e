package ksyun

import "github.com/ticketbot/ticketbot/providers"

// Descriptor is what the core knows of Kingsoft Cloud.
var Descriptor = providers.Descriptor{Name: "ksyun", Label: "金山云", LabelEN: "Kingsoft Cloud",
	Aliases: []string{"kingsoft", "金山云", "金山"}, LegacyUserKey: "ksyun_creator_id"}
