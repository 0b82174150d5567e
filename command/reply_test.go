package command

import (
	"context"
	"slices"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

// 回复: the text reaches the ticket as a comment through the work engine and the chat is
// told; the 回复 button opens the reply box without a vendor write.
func TestReplyCommand(t *testing.T) {
	runCases(t, []cmdCase{{
		name:  "success",
		text:  "回复 ksyun:1204 已重启，请再看看",
		want:  []string{"reply: 已回复到工单 ksyun:1204"},
		calls: []string{"reply 1204: 已重启，请再看看", "get 1204"},
		check: func(t *testing.T, h *harness, _ *fakeVendor) {
			if _, ok := h.bot.tickets.Last(context.Background(), "ksyun", "1204"); !ok {
				t.Error("the ticket read after the reply was not stored")
			}
		},
	}, {
		name: "the vendor gets the person's name",
		vendor: func(v *fakeVendor) {
			v.ReplyFn = func(_ string, r providers.Reply) error {
				if r.Actor.Name != "张三" {
					t.Errorf("reply actor %+v", r.Actor)
				}
				return nil
			}
		},
		text:  "reply ksyun:1204 restarted",
		want:  []string{"Replied to ksyun:1204"},
		calls: []string{"reply 1204: restarted", "get 1204"},
	}, {
		name:  "usage: no text",
		text:  "回复 ksyun:1204",
		want:  []string{"缺少回复内容。用法：回复 工单号 内容（也可以在工单卡片的话题里直接回复）"},
		calls: []string{},
	}, {
		name:     "usage: no text, on WeCom",
		platform: "wecom",
		text:     "回复 ksyun:1204",
		want:     []string{"用法：回复 工单号 内容（也可以引用工单卡片直接回复）"},
		calls:    []string{},
	}, {
		name:  "permission: not a member",
		cfg:   membersOnly,
		text:  "回复 ksyun:1204 已重启",
		want:  []string{saidMembersOnly},
		calls: []string{},
	}, {
		name:   "vendor error",
		vendor: func(v *fakeVendor) { v.ReplyFn = func(string, providers.Reply) error { return errVendor } },
		text:   "回复 ksyun:1204 已重启",
		want:   []string{saidVendorError},
		not:    []string{"已回复"},
		calls:  []string{"reply 1204: 已重启"},
	}, {
		name:   "unsupported",
		vendor: func(v *fakeVendor) { v.ReplyFn = func(string, providers.Reply) error { return errUnsupported } },
		text:   "回复 ksyun:1204 已重启",
		want:   []string{saidUnsupported},
		calls:  []string{"reply 1204: 已重启"},
	}, {
		name: "vendor down: kept for a retry",
		vendor: func(v *fakeVendor) {
			v.ReplyFn = func(string, providers.Reply) error {
				return &providers.VendorError{Provider: "ksyun", Code: "503", Temporary: true}
			}
		},
		text:  "回复 ksyun:1204 已重启",
		want:  []string{"金山云暂时无法访问（503）。回复已保存"},
		calls: []string{"reply 1204: 已重启"},
		check: func(t *testing.T, h *harness, _ *fakeVendor) {
			if got := pendingJobs(t, h); !slices.Equal(got, []string{"reply ksyun:1204"}) {
				t.Errorf("jobs waiting for a retry: %q, want the reply", got)
			}
		},
	}, {
		name:  "a vendor the chat does not have",
		text:  "回复 aliyun:77 已重启",
		want:  []string{"aliyun"},
		calls: []string{},
	}, {
		name:  "the 回复 button opens the reply box",
		click: "reply ksyun:1204",
		want:  []string{"toast info: 请在卡片中输入回复", "reply_text"},
		calls: []string{"get 1204"},
	}, {
		name:  "the reply box's 提交",
		click: "reply ksyun:1204 #v0",
		form:  map[string]string{"reply_text": "已重启"},
		want:  []string{"toast success: 已回复到工单 ksyun:1204"},
		calls: []string{"reply 1204: 已重启", "get 1204"},
	}, {
		name: "text in a ticket card's thread is a reply",
		setup: func(t *testing.T, h *harness, _ *fakeVendor) {
			saveCard(t, h, "om_card", "1204")
		},
		text:   "已重启，请再看看",
		parent: "om_card",
		want:   []string{"已回复到工单 ksyun:1204"},
		calls:  []string{"reply 1204: 已重启，请再看看", "get 1204"},
	}})
}
