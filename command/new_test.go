package command

import (
	"context"
	"slices"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

// 建单: the ticket is filed at the vendor, the chat gets its card and follows it, and the
// bot records it as its own; a mistake, a stranger or a vendor's refusal files nothing.
func TestNewCommand(t *testing.T) {
	followsOnly := func(want ...string) func(*testing.T, *harness, *fakeVendor) {
		return func(t *testing.T, h *harness, _ *fakeVendor) {
			if got := follows(t, h); !slices.Equal(got, want) {
				t.Errorf("the chat follows %q, want %q", got, want)
			}
		}
	}
	runCases(t, []cmdCase{{
		name:  "success",
		text:  "建单 ksyun 数据库连接超时\n生产库从 09:40 起连接超时",
		want:  []string{"send: ", "数据库连接超时", "ksyun:1204"},
		calls: []string{"create 数据库连接超时"},
		check: func(t *testing.T, h *harness, _ *fakeVendor) {
			followsOnly("ksyun:1204")(t, h, nil)
			st, err := h.bot.tickets.State(context.Background(), "ksyun", "1204")
			if err != nil || st.CreatorUserID != "feishu:ou_zhang" {
				t.Errorf("stored %+v, %v; want the creator feishu:ou_zhang", st, err)
			}
		},
	}, {
		name: "what the vendor was sent",
		text: "建单 数据库连接超时\n生产库从 09:40 起连接超时\n类型: 咨询",
		vendor: func(v *fakeVendor) {
			v.CreateFn = func(r providers.CreateRequest) (providers.Ticket, error) {
				if r.Content != "生产库从 09:40 起连接超时" || r.Type != "question" || r.Actor.Name != "张三" {
					t.Errorf("create request %+v", r)
				}
				return providers.Ticket{Provider: "ksyun", ID: "88", Title: r.Title, Status: providers.StatusOpen}, nil
			}
		},
		want:  []string{"ksyun:88"},
		calls: []string{"create 数据库连接超时"},
		check: followsOnly("ksyun:88"),
	}, {
		name:  "a priority the vendor has no level for is said on the card",
		text:  "建单 ksyun 数据库连接超时\n优先级: 高",
		want:  []string{"金山云的工单没有优先级，「高」未提交"},
		calls: []string{"create 数据库连接超时"},
	}, {
		name:     "no title, where cards hold no forms: the guided create's card (draft_test.go)",
		platform: "wecom",
		text:     "建单",
		want:     []string{`"card_type":"multiple_interaction"`, "新建工单"},
		calls:    []string{},
	}, {
		name:     "no title, in English",
		platform: "wecom",
		text:     "new",
		want:     []string{`"card_type":"multiple_interaction"`, "New ticket"},
		calls:    []string{},
	}, {
		name:  "a vendor-like first word is asked about",
		text:  "建单 aliyn 数据库连接超时",
		want:  []string{"aliyn"},
		calls: []string{},
	}, {
		name:  "permission: not a member",
		cfg:   membersOnly,
		text:  "建单 ksyun 数据库连接超时",
		want:  []string{saidMembersOnly},
		calls: []string{},
		check: followsOnly(),
	}, {
		name:   "vendor error",
		vendor: func(v *fakeVendor) { v.CreateFn = failCreate(errVendor) },
		text:   "建单 ksyun 数据库连接超时",
		want:   []string{saidVendorError},
		calls:  []string{"create 数据库连接超时"},
		check:  followsOnly(),
	}, {
		name:   "unsupported",
		vendor: func(v *fakeVendor) { v.CreateFn = failCreate(errUnsupported) },
		text:   "建单 ksyun 数据库连接超时",
		want:   []string{saidUnsupported},
		calls:  []string{"create 数据库连接超时"},
		check:  followsOnly(),
	}, {
		// The fake cannot be asked afterwards whether the ticket was made: no blind retry.
		name: "vendor down, and it cannot tell whether it was created",
		vendor: func(v *fakeVendor) {
			v.CreateFn = failCreate(&providers.VendorError{Provider: "ksyun", Code: "503", Temporary: true})
		},
		text:  "建单 ksyun 数据库连接超时",
		want:  []string{"金山云暂时无法访问（503），无法确认工单是否已创建"},
		calls: []string{"create 数据库连接超时"},
		check: func(t *testing.T, h *harness, _ *fakeVendor) {
			if got := pendingJobs(t, h); len(got) != 0 {
				t.Errorf("jobs waiting for a retry: %q, want none", got)
			}
		},
	}, {
		name:  "a secret in a group is not sent",
		text:  "建单 ksyun 数据库连接超时\n机密: 密码是 hunter2",
		want:  []string{"机密信息只能在与机器人的单聊中发送"},
		not:   []string{"hunter2"},
		calls: []string{},
	}})
}

func failCreate(err error) func(providers.CreateRequest) (providers.Ticket, error) {
	return func(providers.CreateRequest) (providers.Ticket, error) { return providers.Ticket{}, err }
}
