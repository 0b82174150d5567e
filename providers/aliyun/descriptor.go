package aliyun

import "github.com/ticketbot/ticketbot/providers"

// Descriptor is what the core knows of Aliyun. Its staff are 小二 and its customers 用户 in
// its own console, so notes are named that way.
var Descriptor = providers.Descriptor{Name: "aliyun", Label: "阿里云", LabelEN: "Aliyun",
	Aliases: []string{"alibaba", "alibabacloud", "阿里云"}, StaffSide: "小二", OwnSide: "用户"}
