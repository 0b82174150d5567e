package command

import (
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

// transferrer is a vendor that can hand a ticket to another handler (流转).
func transferrer(v *fakeVendor) { v.caps.Transfer = true }

// 流转: the ticket handed to another handler (their vendor id, or a [[users]] name), by its
// creator or a chat admin; the button opens an input for the handler on the card.
func TestTransferCommand(t *testing.T) {
	admin := Config{Chats: []Chat{{Platform: "feishu", ChatID: "oc_group", Admins: []string{"ou_zhang"}}}}
	mine := func(t *testing.T, h *harness, v *fakeVendor) { remember(t, h, v.ticket("1204"), "feishu:ou_zhang") }
	runCases(t, []cmdCase{{
		name:   "success, by a chat admin",
		cfg:    admin,
		vendor: transferrer,
		text:   "流转 ksyun:1204 lina 请李娜跟进",
		want:   []string{"reply: 已将工单 ksyun:1204 流转给 lina"},
		calls:  []string{"get 1204", "transfer 1204 to lina: 请李娜跟进", "get 1204"},
	}, {
		name:   "a [[users]] name is their id at the vendor; the default remark",
		cfg:    Config{Chats: admin.Chats, Users: []User{{Name: "李娜", IDs: map[string]string{"feishu": "ou_li", "ksyun": "lina"}}}},
		vendor: transferrer,
		text:   "transfer ksyun:1204 李娜",
		want:   []string{"Handed ticket ksyun:1204 to lina"},
		calls:  []string{"get 1204", "transfer 1204 to lina: 由 张三 在群聊中流转（ticketbot）", "get 1204"},
	}, {
		name:     "someone @-mentioned, by their bound identity",
		cfg:      admin,
		people:   true,
		vendor:   transferrer,
		setup:    bindFirst("ou_li", "40001"),
		text:     "流转 ksyun:1204 @李四 请跟进",
		mentions: mentionLi,
		want:     []string{"已将工单 ksyun:1204 流转给 40001"},
		calls:    []string{"get 1204", "transfer 1204 to 40001: 请跟进", "get 1204"},
	}, {
		name:     "someone @-mentioned with no identity there",
		cfg:      admin,
		people:   true,
		vendor:   transferrer,
		text:     "流转 ksyun:1204 @李四",
		mentions: mentionLi,
		want:     []string{"@李四 还没有金山云身份：请 TA 发送「绑定 ksyun 长工号」，或直接写接手人的长工号。"},
		calls:    []string{},
	}, {
		name:   "someone @-mentioned where the platform does not say who",
		cfg:    admin,
		vendor: transferrer,
		text:   "流转 ksyun:1204 @李四",
		want:   []string{"不知道 @李四 是谁：请写接手人的 ID。"},
		calls:  []string{},
	}, {
		name:   "the 流转 button opens the handler's input; nothing is sent",
		vendor: transferrer,
		setup:  mine,
		click:  "transfer ksyun:1204",
		want:   []string{"toast info: 请在卡片中写下接手人", `"transfer_text"`, "确认流转工单 ksyun:1204？", `"transfer ksyun:1204 #v0"`},
		calls:  []string{},
	}, {
		name:   "the input's submit transfers: the handler, then the remark",
		vendor: transferrer,
		setup:  mine,
		click:  "transfer ksyun:1204 #v0",
		form:   map[string]string{"transfer_text": "lina 请跟进"},
		want:   []string{"toast success: 已将工单 ksyun:1204 流转给 lina", "张三 流转了工单"},
		calls:  []string{"get 1204", "transfer 1204 to lina: 请跟进", "get 1204"},
	}, {
		name:   "a stale card's submit does nothing",
		vendor: transferrer,
		setup:  mine,
		click:  "transfer ksyun:1204 #v7",
		form:   map[string]string{"transfer_text": "lina"},
		want:   []string{"卡片已过期：工单 ksyun:1204 已有新的变化"},
		calls:  []string{},
	}, {
		name:  "usage: no handler",
		text:  "流转 ksyun:1204",
		want:  []string{"缺少接手人。用法：流转 工单号 接手人 [说明]"},
		calls: []string{},
	}, {
		name:   "permission: not a member",
		cfg:    membersOnly,
		vendor: transferrer,
		text:   "流转 ksyun:1204 lina",
		want:   []string{saidMembersOnly},
		calls:  []string{},
	}, {
		name:   "permission: neither its creator nor an admin",
		vendor: transferrer,
		text:   "流转 ksyun:1204 lina",
		want:   []string{"只有工单创建人或群管理员可以流转工单 ksyun:1204。"},
		calls:  []string{"get 1204"},
	}, {
		name:   "a closed ticket",
		cfg:    admin,
		vendor: func(v *fakeVendor) { transferrer(v); v.closed["1204"] = true },
		text:   "流转 ksyun:1204 lina",
		want:   []string{"工单 ksyun:1204 已经是「已关闭」。"},
		calls:  []string{"get 1204"},
	}, {
		name: "vendor error, in the vendor's own code",
		cfg:  admin,
		vendor: func(v *fakeVendor) {
			transferrer(v)
			v.TransferFn = func(string, providers.TransferRequest) error { return errVendor }
		},
		text: "流转 ksyun:1204 nobody",
		want: []string{saidVendorError},
		not:  []string{"已将工单"},
	}, {
		name: "a remark longer than the vendor takes",
		cfg:  admin,
		vendor: func(v *fakeVendor) {
			transferrer(v)
			v.TransferFn = func(string, providers.TransferRequest) error { return &providers.TooLongError{Max: 597, Got: 700} }
		},
		text: "流转 ksyun:1204 lina 很长的说明",
		want: []string{"说明太长：金山云最多接受 597 个字，这次有 700 个字。请缩短后再试。"},
	}, {
		name: "unsupported: the vendor's reason, and nothing asked of it",
		cfg:  admin,
		vendor: func(v *fakeVendor) {
			v.why = map[string]*providers.UnsupportedError{providers.OpTransfer: {Op: "transfer", Reason: "没有转交"}}
		},
		text:  "流转 ksyun:1204 lina",
		want:  []string{"不支持这个操作：没有转交。"},
		calls: []string{},
	}, {
		name: "unsupported: told on the button too",
		vendor: func(v *fakeVendor) {
			v.why = map[string]*providers.UnsupportedError{providers.OpTransfer: {Op: "transfer", Reason: "没有转交"}}
		},
		click: "transfer ksyun:1204",
		want:  []string{"toast error: 不支持这个操作：没有转交。"},
		calls: []string{},
	}, {
		name: "vendor down: kept for a retry",
		cfg:  admin,
		vendor: func(v *fakeVendor) {
			transferrer(v)
			v.TransferFn = func(string, providers.TransferRequest) error {
				return &providers.VendorError{Provider: "ksyun", Code: "503", Temporary: true}
			}
		},
		text: "流转 ksyun:1204 lina",
		want: []string{"金山云暂时无法访问（503）。流转请求已保存"},
		check: func(t *testing.T, h *harness, _ *fakeVendor) {
			if got := pendingJobs(t, h); len(got) != 1 || got[0] != "transfer ksyun:1204" {
				t.Errorf("jobs waiting for a retry: %q, want the transfer", got)
			}
		},
	}})
}
