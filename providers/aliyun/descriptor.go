package aliyun

import "github.com/ticketbot/ticketbot/providers"

// Descriptor is what the core knows of Aliyun, and how the app reads its section and builds
// it. Its staff are 小二 and its customers 用户 in its own console, so notes are named that
// way.
var Descriptor = providers.Descriptor{Name: "aliyun", Label: "阿里云", LabelEN: "Aliyun",
	Aliases: []string{"alibaba", "alibabacloud", "阿里云"}, StaffSide: "小二", OwnSide: "用户",
	// The console's ticket pages (ASSUME: the 工单 console's detail page carries the id as
	// ticketId or id; not published).
	Links: []providers.TicketLink{{Host: "console.aliyun.com", Param: "ticketId"}, {Host: "console.aliyun.com", Param: "TicketId"},
		{Host: "console.aliyun.com", Param: "id"}},
	Config: func() providers.Section { return new(Config) },
	New: func(cfg providers.Section, env providers.Env) (providers.Provider, error) {
		return New(*cfg.(*Config), WithLogger(env.Log), WithObserver(env.Observe))
	}}
