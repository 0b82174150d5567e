package command

import (
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

// The reply box's 取消 (card): the card as it was, quietly, from what the bot knows; the
// vendor is asked only about a ticket the bot has never seen.
func TestCardCommand(t *testing.T) {
	known := func(t *testing.T, h *harness, v *fakeVendor) {
		tk := v.ticket("1204")
		tk.Title = "已知的标题"
		remember(t, h, tk, "")
	}
	runCases(t, []cmdCase{{
		name:  "success",
		setup: known,
		click: "card ksyun:1204",
		want:  []string{"toast : \n", "已知的标题"},
		calls: []string{},
	}, {
		name:  "a ticket never seen is read",
		click: "card ksyun:1204",
		want:  []string{"数据库连接超时"},
		calls: []string{"get 1204"},
	}, {
		name:  "usage: no ticket",
		click: "card",
		want:  []string{"toast error: 缺少工单号。用法：卡片 工单号"},
		calls: []string{},
	}, {
		name:  "typed, it is no command",
		text:  "card ksyun:1204",
		want:  []string{"There is no command \"card\". Commands: new / reply"},
		calls: []string{},
	}, {
		name:   "vendor error",
		vendor: func(v *fakeVendor) { v.GetFn = failGet(errVendor) },
		click:  "card ksyun:1204",
		want:   []string{"toast error: " + saidVendorError},
	}, {
		name:   "unsupported",
		vendor: func(v *fakeVendor) { v.GetFn = failGet(errUnsupported) },
		click:  "card ksyun:1204",
		want:   []string{"toast error: " + saidUnsupported},
	}, {
		name:   "not found",
		vendor: func(v *fakeVendor) { v.GetFn = failGet(providers.ErrNotFound) },
		click:  "card ksyun:1204",
		want:   []string{"toast error: 金山云找不到工单 ksyun:1204。"},
	}})
}
