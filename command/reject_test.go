package command

import (
	"context"
	"fmt"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

// rejecter is a vendor that can reject (驳回).
func rejecter(v *fakeVendor) { v.caps.Reject = true }

// 驳回: the vendor's assignment refused with a reason, by the ticket's creator or a chat admin;
// the button opens the reason's input on the card, and its submit (after the dialog) rejects.
func TestRejectCommand(t *testing.T) {
	admin := Config{Chats: []Chat{{Platform: "feishu", ChatID: "oc_group", Admins: []string{"ou_zhang"}}}}
	mine := func(t *testing.T, h *harness, v *fakeVendor) { remember(t, h, v.ticket("1204"), "feishu:ou_zhang") }
	rejectedStored := func(want bool) func(*testing.T, *harness, *fakeVendor) {
		return func(t *testing.T, h *harness, _ *fakeVendor) {
			tk, _ := h.bot.tickets.Last(context.Background(), "ksyun", "1204")
			if tk.HasFlag(providers.FlagRejected) != want {
				t.Errorf("stored %+v, want rejected %v", tk, want)
			}
		}
	}
	runCases(t, []cmdCase{{
		name:   "success, by a chat admin",
		cfg:    admin,
		vendor: rejecter,
		text:   "驳回 ksyun:1204 非本产品线问题",
		want:   []string{"reply: 已驳回工单 ksyun:1204"},
		calls:  []string{"get 1204", "reject 1204: 非本产品线问题", "get 1204"},
		check:  rejectedStored(true),
	}, {
		name:   "a reason of several lines, by its creator, in English",
		vendor: rejecter,
		setup:  mine,
		text:   "reject ksyun:1204\n不是数据库的问题\n请转网络组",
		want:   []string{"Rejected ticket ksyun:1204"},
		calls:  []string{"get 1204", "reject 1204: 不是数据库的问题\n请转网络组", "get 1204"},
	}, {
		name:   "the 驳回 button opens the reason's input; nothing is sent",
		vendor: rejecter,
		setup:  mine,
		click:  "reject ksyun:1204",
		want:   []string{"toast info: 请在卡片中写下驳回理由", `"reject_text"`, "确认驳回工单 ksyun:1204？", `"reject ksyun:1204 #v0"`},
		calls:  []string{},
	}, {
		name:   "the input's submit rejects, once",
		vendor: rejecter,
		setup:  mine,
		click:  "reject ksyun:1204 #v0",
		form:   map[string]string{"reject_text": "非本产品线问题"},
		want:   []string{"toast success: 已驳回工单 ksyun:1204", "张三 驳回了工单"},
		calls:  []string{"get 1204", "reject 1204: 非本产品线问题", "get 1204"},
	}, {
		name:   "a stale card's submit does nothing",
		vendor: rejecter,
		setup:  mine,
		click:  "reject ksyun:1204 #v7",
		form:   map[string]string{"reject_text": "非本产品线问题"},
		want:   []string{"卡片已过期：工单 ksyun:1204 已有新的变化"},
		calls:  []string{},
	}, {
		name:  "usage: no reason",
		text:  "驳回 ksyun:1204",
		want:  []string{"缺少驳回理由。用法：驳回 工单号 理由"},
		calls: []string{},
	}, {
		name:   "permission: not a member",
		cfg:    membersOnly,
		vendor: rejecter,
		text:   "驳回 ksyun:1204 理由",
		want:   []string{saidMembersOnly},
		calls:  []string{},
	}, {
		name:   "permission: neither its creator nor an admin",
		vendor: rejecter,
		text:   "驳回 ksyun:1204 理由",
		want:   []string{"只有工单创建人或群管理员可以驳回工单 ksyun:1204。"},
		calls:  []string{"get 1204"},
		check:  rejectedStored(false),
	}, {
		name:   "permission: told on the button, before the reason is typed",
		vendor: rejecter,
		click:  "reject ksyun:1204",
		want:   []string{"toast error: 只有工单创建人或群管理员可以驳回工单 ksyun:1204。"},
		not:    []string{"reject_text"},
	}, {
		name:   "a closed ticket",
		cfg:    admin,
		vendor: func(v *fakeVendor) { rejecter(v); v.closed["1204"] = true },
		text:   "驳回 ksyun:1204 理由",
		want:   []string{"工单 ksyun:1204 已经是「已关闭」。"},
		calls:  []string{"get 1204"},
	}, {
		name: "vendor error, in the vendor's own code",
		cfg:  admin,
		vendor: func(v *fakeVendor) {
			rejecter(v)
			v.RejectFn = func(string, providers.RejectRequest) error { return errVendor }
		},
		text:  "驳回 ksyun:1204 理由",
		want:  []string{saidVendorError},
		check: rejectedStored(false),
	}, {
		name: "the vendor's state allows no reject",
		cfg:  admin,
		vendor: func(v *fakeVendor) {
			rejecter(v)
			v.RejectFn = func(string, providers.RejectRequest) error {
				return fmt.Errorf("ksyun: reject ticket 1204: %w: no line", providers.ErrWrongState)
			}
		},
		text: "驳回 ksyun:1204 理由",
		want: []string{"金山云上工单 ksyun:1204 现在的状态不允许这个操作，没有做任何改动。"},
	}, {
		name: "unsupported: the vendor's reason, and nothing asked of it",
		cfg:  admin,
		vendor: func(v *fakeVendor) {
			v.why = map[string]*providers.UnsupportedError{providers.OpReject: {Op: "reject", Reason: "没有驳回"}}
		},
		text:  "驳回 ksyun:1204 理由",
		want:  []string{"不支持这个操作：没有驳回。"},
		calls: []string{},
	}, {
		name: "vendor down: kept for a retry",
		cfg:  admin,
		vendor: func(v *fakeVendor) {
			rejecter(v)
			v.RejectFn = func(string, providers.RejectRequest) error {
				return &providers.VendorError{Provider: "ksyun", Code: "503", Temporary: true}
			}
		},
		text: "驳回 ksyun:1204 理由",
		want: []string{"金山云暂时无法访问（503）。驳回请求已保存"},
		check: func(t *testing.T, h *harness, _ *fakeVendor) {
			if got := pendingJobs(t, h); len(got) != 1 || got[0] != "reject ksyun:1204" {
				t.Errorf("jobs waiting for a retry: %q, want the reject", got)
			}
		},
	}})
}
