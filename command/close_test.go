package command

import (
	"context"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

// 关闭: by the ticket's creator or a chat admin, through the work engine; the bot's own close
// becomes the stored state. Anyone else, a stale card or a vendor's refusal closes nothing.
func TestCloseCommand(t *testing.T) {
	admin := Config{Chats: []Chat{{Platform: "feishu", ChatID: "oc_group", Admins: []string{"ou_zhang"}}}}
	closedStored := func(want providers.Status) func(*testing.T, *harness, *fakeVendor) {
		return func(t *testing.T, h *harness, _ *fakeVendor) {
			tk, ok := h.bot.tickets.Last(context.Background(), "ksyun", "1204")
			if !ok || tk.Status != want {
				t.Errorf("stored %+v (%v), want status %s", tk, ok, want)
			}
		}
	}
	mine := func(t *testing.T, h *harness, v *fakeVendor) { remember(t, h, v.ticket("1204"), "feishu:ou_zhang") }
	runCases(t, []cmdCase{{
		name:  "success, by a chat admin",
		cfg:   admin,
		text:  "关闭 ksyun:1204 已解决",
		want:  []string{"reply: 已关闭工单 ksyun:1204"},
		calls: []string{"get 1204", "close 1204: 已解决", "get 1204"},
		check: closedStored(providers.StatusClosed),
	}, {
		name:  "success, by its creator, with the default remark",
		setup: mine,
		text:  "关闭 ksyun:1204",
		want:  []string{"已关闭工单 ksyun:1204"},
		calls: []string{"get 1204", "close 1204: 由 张三 在群聊中关闭（ticketbot）", "get 1204"},
		check: closedStored(providers.StatusClosed),
	}, {
		name:  "the 关闭 button of a card drawn at the ticket's version",
		setup: mine,
		click: "close ksyun:1204 #v0",
		want:  []string{"toast success: 已关闭工单 ksyun:1204"},
		calls: []string{"get 1204", "close 1204: 由 张三 在群聊中关闭（ticketbot）", "get 1204"},
	}, {
		name:  "a stale card's 关闭 does nothing",
		setup: mine,
		click: "close ksyun:1204 #v7",
		want:  []string{"卡片已过期：工单 ksyun:1204 已有新的变化"},
		calls: []string{},
		check: closedStored(providers.StatusOpen),
	}, {
		name:  "usage: no ticket",
		text:  "关闭",
		want:  []string{"缺少工单号。用法：关闭 工单号 [备注]"},
		calls: []string{},
	}, {
		name:  "permission: not a member",
		cfg:   membersOnly,
		text:  "关闭 ksyun:1204",
		want:  []string{saidMembersOnly},
		calls: []string{},
	}, {
		name:  "permission: neither its creator nor an admin",
		text:  "关闭 ksyun:1204",
		want:  []string{"只有工单创建人或群管理员可以关闭工单 ksyun:1204。"},
		calls: []string{"get 1204"},
		check: closedStored(providers.StatusOpen),
	}, {
		name: "its creator by vendor identity",
		cfg:  Config{Users: []User{{Name: "张三", IDs: map[string]string{"feishu": "ou_zhang", "ksyun": "38361"}}}},
		vendor: func(v *fakeVendor) {
			v.GetFn = func(id string) (providers.Ticket, error) {
				tk := v.ticket(id)
				tk.CreatorID = "38361"
				return tk, nil
			}
		},
		text: "关闭 ksyun:1204",
		want: []string{"已关闭工单 ksyun:1204"},
	}, {
		name:   "vendor error",
		cfg:    admin,
		vendor: func(v *fakeVendor) { v.CloseFn = func(string, providers.CloseRequest) error { return errVendor } },
		text:   "关闭 ksyun:1204",
		want:   []string{saidVendorError},
		not:    []string{"已关闭工单"},
		calls:  []string{"get 1204", "close 1204: 由 张三 在群聊中关闭（ticketbot）"},
		check:  closedStored(providers.StatusOpen),
	}, {
		name:   "unsupported",
		cfg:    admin,
		vendor: func(v *fakeVendor) { v.CloseFn = func(string, providers.CloseRequest) error { return errUnsupported } },
		text:   "关闭 ksyun:1204",
		want:   []string{saidUnsupported},
		calls:  []string{"get 1204", "close 1204: 由 张三 在群聊中关闭（ticketbot）"},
	}, {
		name: "unsupported, with the vendor's reason",
		cfg:  admin,
		vendor: func(v *fakeVendor) {
			v.CloseFn = func(string, providers.CloseRequest) error {
				return &providers.UnsupportedError{Op: "close", Reason: "请在控制台关闭"}
			}
		},
		text: "关闭 ksyun:1204",
		want: []string{"不支持这个操作：请在控制台关闭。"},
	}, {
		name: "already closed",
		cfg:  admin,
		vendor: func(v *fakeVendor) {
			v.GetFn = func(id string) (providers.Ticket, error) {
				tk := v.ticket(id)
				tk.Status = providers.StatusClosed
				return tk, nil
			}
		},
		text:  "关闭 ksyun:1204",
		want:  []string{"工单 ksyun:1204 已经是「已关闭」。"},
		calls: []string{"get 1204"},
	}, {
		name: "vendor down: kept for a retry",
		cfg:  admin,
		vendor: func(v *fakeVendor) {
			v.CloseFn = func(string, providers.CloseRequest) error {
				return &providers.VendorError{Provider: "ksyun", Code: "503", Temporary: true}
			}
		},
		text: "关闭 ksyun:1204",
		want: []string{"金山云暂时无法访问（503）。关闭请求已保存"},
		check: func(t *testing.T, h *harness, _ *fakeVendor) {
			if got := pendingJobs(t, h); len(got) != 1 || got[0] != "close ksyun:1204" {
				t.Errorf("jobs waiting for a retry: %q, want the close", got)
			}
		},
	}})
}
