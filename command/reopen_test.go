package command

import (
	"context"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

// closedVendor is a vendor that can reopen, whose ticket 1204 is closed.
func closedVendor(v *fakeVendor) {
	v.caps.Reopen = true
	v.closed["1204"] = true
}

// stored checks the ticket's stored status: the bot's own transition is the watched state.
func stored(want providers.Status) func(*testing.T, *harness, *fakeVendor) {
	return func(t *testing.T, h *harness, _ *fakeVendor) {
		t.Helper()
		tk, ok := h.bot.tickets.Last(context.Background(), "ksyun", "1204")
		if !ok || tk.Status != want {
			t.Errorf("stored %+v (%v), want status %s", tk, ok, want)
		}
	}
}

// 重开: a closed ticket back to the vendor, by its creator or a chat admin, through the work
// engine, where the vendor can; a vendor that cannot says why before anything is asked of it.
func TestReopenCommand(t *testing.T) {
	admin := Config{Chats: []Chat{{Platform: "feishu", ChatID: "oc_group", Admins: []string{"ou_zhang"}}}}
	mine := func(t *testing.T, h *harness, v *fakeVendor) { remember(t, h, v.ticket("1204"), "feishu:ou_zhang") }
	runCases(t, []cmdCase{{
		name:   "success, by a chat admin",
		cfg:    admin,
		vendor: closedVendor,
		text:   "重开 ksyun:1204 问题又出现了",
		want:   []string{"reply: 已重新打开工单 ksyun:1204"},
		calls:  []string{"get 1204", "reopen 1204: 问题又出现了", "get 1204"},
		check:  stored(providers.StatusOpen),
	}, {
		name:   "success, by its creator, with the default remark, in English",
		vendor: closedVendor,
		setup:  mine,
		text:   "reopen ksyun:1204",
		want:   []string{"Reopened ticket ksyun:1204"},
		calls:  []string{"get 1204", "reopen 1204: 由 张三 在群聊中重新打开（ticketbot）", "get 1204"},
	}, {
		name:   "the 重新打开 button of a card drawn at the ticket's version",
		vendor: closedVendor,
		setup:  mine,
		click:  "reopen ksyun:1204 #v0",
		want:   []string{"toast success: 已重新打开工单 ksyun:1204", "张三 重新打开了工单"},
		calls:  []string{"get 1204", "reopen 1204: 由 张三 在群聊中重新打开（ticketbot）", "get 1204"},
	}, {
		name:   "a stale card's 重新打开 does nothing",
		vendor: closedVendor,
		setup:  mine,
		click:  "reopen ksyun:1204 #v7",
		want:   []string{"卡片已过期：工单 ksyun:1204 已有新的变化"},
		calls:  []string{},
	}, {
		name:  "usage: no ticket",
		text:  "重开",
		want:  []string{"缺少工单号。用法：重开 工单号 [说明]"},
		calls: []string{},
	}, {
		name:   "permission: not a member",
		cfg:    membersOnly,
		vendor: closedVendor,
		text:   "重开 ksyun:1204",
		want:   []string{saidMembersOnly},
		calls:  []string{},
	}, {
		name:   "permission: neither its creator nor an admin",
		vendor: closedVendor,
		text:   "重开 ksyun:1204",
		want:   []string{"只有工单创建人或群管理员可以重新打开工单 ksyun:1204。"},
		calls:  []string{"get 1204"},
		check:  stored(providers.StatusClosed),
	}, {
		name:   "a ticket that is not closed",
		cfg:    admin,
		vendor: func(v *fakeVendor) { v.caps.Reopen = true },
		text:   "重开 ksyun:1204",
		want:   []string{"工单 ksyun:1204 没有关闭（现在是「待处理」），无需重新打开。"},
		calls:  []string{"get 1204"},
	}, {
		name: "vendor error, in the vendor's own code",
		cfg:  admin,
		vendor: func(v *fakeVendor) {
			closedVendor(v)
			v.ReopenFn = func(string, providers.ReopenRequest) error { return errVendor }
		},
		text:  "重开 ksyun:1204",
		want:  []string{saidVendorError},
		not:   []string{"已重新打开"},
		check: stored(providers.StatusClosed),
	}, {
		name: "unsupported: the vendor's reason, and nothing asked of it",
		cfg:  admin,
		vendor: func(v *fakeVendor) {
			v.closed["1204"] = true
			v.why = map[string]*providers.UnsupportedError{providers.OpReopen: {Op: "reopen", Reason: "金山云工单 API 没有重新打开工单的接口", ReasonEN: "no reopen"}}
		},
		text:  "重开 ksyun:1204",
		want:  []string{"不支持这个操作：金山云工单 API 没有重新打开工单的接口。"},
		calls: []string{},
	}, {
		name: "unsupported, in English",
		cfg:  admin,
		vendor: func(v *fakeVendor) {
			v.why = map[string]*providers.UnsupportedError{providers.OpReopen: {Op: "reopen", Reason: "没有", ReasonEN: "Kingsoft cannot reopen"}}
		},
		text:  "reopen ksyun:1204",
		want:  []string{"Not supported: Kingsoft cannot reopen."},
		calls: []string{},
	}, {
		name:  "unsupported, no reason given",
		cfg:   admin,
		text:  "重开 ksyun:1204",
		want:  []string{saidUnsupported},
		calls: []string{},
	}, {
		name: "vendor down: kept for a retry",
		cfg:  admin,
		vendor: func(v *fakeVendor) {
			closedVendor(v)
			v.ReopenFn = func(string, providers.ReopenRequest) error {
				return &providers.VendorError{Provider: "ksyun", Code: "503", Temporary: true}
			}
		},
		text: "重开 ksyun:1204",
		want: []string{"金山云暂时无法访问（503）。重新打开请求已保存"},
		check: func(t *testing.T, h *harness, _ *fakeVendor) {
			if got := pendingJobs(t, h); len(got) != 1 || got[0] != "reopen ksyun:1204" {
				t.Errorf("jobs waiting for a retry: %q, want the reopen", got)
			}
		},
	}})
}
