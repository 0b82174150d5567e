package command

import (
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

// Confidential content (机密: lines), one to one only: it goes to a vendor that keeps it
// apart, is never repeated in an answer, and is never kept for a retry.
func TestConfidentialContent(t *testing.T) {
	down := &providers.VendorError{Provider: "ksyun", Code: "503", Temporary: true}
	runCases(t, []cmdCase{{
		name:     "a confidential reply",
		chatType: "p2p",
		secrets:  true,
		text:     "回复 ksyun:1204 机密: 密码是 hunter2",
		want:     []string{"已把机密信息提交到工单 ksyun:1204（内容不会显示在群里）。"},
		not:      []string{"hunter2"},
		calls:    []string{"reply-secret 1204"},
	}, {
		name:     "a confidential reply with plain text",
		chatType: "p2p",
		secrets:  true,
		text:     "回复 ksyun:1204 请查看\n机密: 密码是 hunter2",
		want:     []string{"已把机密信息提交到工单 ksyun:1204"},
		not:      []string{"hunter2"},
		calls:    []string{"reply-secret 1204", "reply 1204: 请查看", "get 1204"},
	}, {
		name:     "a vendor that takes none",
		chatType: "p2p",
		text:     "回复 ksyun:1204 机密: 密码是 hunter2",
		want:     []string{"金山云不支持机密信息；本条消息没有发送到工单。"},
		calls:    []string{},
	}, {
		name:     "a vendor that is down: not kept",
		chatType: "p2p",
		secrets:  true,
		vendor:   func(v *fakeVendor) { v.ReplySecretFn = func(string) error { return down } },
		text:     "回复 ksyun:1204 机密: 密码是 hunter2",
		want:     []string{"金山云暂时无法访问（503）。机密信息不会保存在机器人里"},
		check: func(t *testing.T, h *harness, _ *fakeVendor) {
			if got := pendingJobs(t, h); len(got) != 0 {
				t.Errorf("jobs kept: %q", got)
			}
		},
	}, {
		name:     "a vendor that refuses it",
		chatType: "p2p",
		secrets:  true,
		vendor:   func(v *fakeVendor) { v.ReplySecretFn = func(string) error { return errVendor } },
		text:     "回复 ksyun:1204 机密: 密码是 hunter2",
		want:     []string{saidVendorError},
	}, {
		name:     "a confidential create",
		chatType: "p2p",
		secrets:  true,
		text:     "建单 ksyun 数据库连接超时\n机密: 密码是 hunter2",
		want:     []string{"send: ", "数据库连接超时"},
		not:      []string{"hunter2"},
		calls:    []string{"create-secret 数据库连接超时"},
		check: func(t *testing.T, h *harness, _ *fakeVendor) {
			if got := follows(t, h); len(got) != 1 || got[0] != "ksyun:1204" {
				t.Errorf("the chat follows %q, want the new ticket", got)
			}
		},
	}, {
		name:     "a create whose confidential part did not get through",
		chatType: "p2p",
		secrets:  true,
		vendor: func(v *fakeVendor) {
			v.CreateSecretFn = func(r providers.CreateRequest) (providers.Ticket, error) {
				return v.ticket("1204"), errVendor
			}
		},
		text: "建单 ksyun 数据库连接超时\n机密: 密码是 hunter2",
		want: []string{"工单已创建，但机密信息未能提交"},
	}, {
		name:     "a confidential create at a vendor that is down",
		chatType: "p2p",
		secrets:  true,
		vendor: func(v *fakeVendor) {
			v.CreateSecretFn = func(providers.CreateRequest) (providers.Ticket, error) { return providers.Ticket{}, down }
		},
		text: "建单 ksyun 数据库连接超时\n机密: 密码是 hunter2",
		want: []string{"机密信息不会保存在机器人里"},
	}, {
		name:     "a confidential create at a vendor that takes none",
		chatType: "p2p",
		text:     "建单 ksyun 数据库连接超时\n机密: 密码是 hunter2",
		want:     []string{"金山云不支持机密信息"},
		calls:    []string{},
	}})
}
