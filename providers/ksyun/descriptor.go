package ksyun

import "github.com/ticketbot/ticketbot/providers"

// Descriptor is what the core knows of Kingsoft Cloud, and how the app reads its section and
// builds it.
var Descriptor = providers.Descriptor{Name: "ksyun", Label: "金山云", LabelEN: "Kingsoft Cloud",
	Aliases: []string{"kingsoft", "金山云", "金山"}, LegacyUserKey: "ksyun_creator_id",
	// The ticket system's pages (ASSUME: the detail page carries the id as id; not published).
	Links:  []providers.TicketLink{{Host: "ksyun.com", Param: "id"}, {Host: "ksyun.com", PathAfter: "ticket"}},
	Config: func() providers.Section { return new(Config) },
	New: func(cfg providers.Section, env providers.Env) (providers.Provider, error) {
		return New(*cfg.(*Config), WithObserver(env.Observe))
	}}
