package weiban

import "github.com/ticketbot/ticketbot/providers"

// Descriptor is what the core knows of Weiban 微伴助手, and how the app reads its section and
// builds it.
var Descriptor = providers.Descriptor{Name: "weiban", Label: "微伴助手", LabelEN: "Weiban",
	Aliases: []string{"微伴", "微伴助手"}, LegacyUserKey: "weiban_staff_id",
	// The console's work-order pages (ASSUME: the detail page carries order_no; not published).
	Links:  []providers.TicketLink{{Host: "weibanzhushou.com", Param: "order_no"}},
	Config: func() providers.Section { return new(Config) },
	New: func(cfg providers.Section, env providers.Env) (providers.Provider, error) {
		return New(*cfg.(*Config), WithLogger(env.Log), WithObserver(env.Observe))
	}}
