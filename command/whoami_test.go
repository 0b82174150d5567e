package command

import "testing"

// 我是谁: the person's and the chat's ids as the configuration wants them, what the person may
// do here, and whom they act as at each vendor (configured, bound, the default, or the
// vendor's one account); nothing asked of a vendor, nothing audited.
func TestWhoamiCommand(t *testing.T) {
	mapped := Config{Users: []User{{Name: "张三丰", IDs: map[string]string{"feishu": "ou_zhang", "ksyun": "38361"}}}}
	admin := Config{Chats: []Chat{{Platform: "feishu", ChatID: "oc_group", Admins: []string{"ou_zhang"}}}}
	member := Config{Chats: []Chat{{Platform: "feishu", ChatID: "oc_group", Members: []string{"ou_zhang"}}}}
	runCases(t, []cmdCase{{
		name:   "anyone, unbound",
		people: true,
		text:   "我是谁",
		want: []string{`张三，你的用户 ID 是 ou_zhang，本群 chat_id = "oc_group"`, "在本群：可以建单、回复，关闭、重开、驳回或流转自己建的工单",
			"供应商身份：金山云 未绑定，以配置的默认身份操作（发送「绑定 ksyun 长工号」绑定）。"},
		calls: []string{},
		check: noAuditRow,
	}, {
		name:   "mapped in [[users]]",
		people: true,
		cfg:    mapped,
		setup:  bindFirst("ou_zhang", "40001"),
		text:   "我是谁",
		want:   []string{"张三丰，你的用户 ID 是 ou_zhang", "供应商身份：金山云 长工号 38361（配置 [[users]]）。"},
	}, {
		name:   "bound",
		people: true,
		setup:  bindFirst("ou_zhang", "40001"),
		text:   "我是谁",
		want:   []string{"供应商身份：金山云 长工号 40001（已绑定）。"},
	}, {
		name:  "a vendor that acts as one account",
		text:  "我是谁",
		want:  []string{"供应商身份：金山云 以配置的账号操作（无个人身份）。"},
		calls: []string{},
	}, {
		name: "a chat admin",
		cfg:  admin,
		text: "我是谁",
		want: []string{"在本群：管理员，可以关闭、重开、驳回或流转本群的任何工单"},
	}, {
		name: "a member where members are set",
		cfg:  member,
		text: "我是谁",
		want: []string{"在本群：成员，可以建单、回复，关闭、重开、驳回或流转自己建的工单"},
	}, {
		name: "not a member where members are set",
		cfg:  membersOnly,
		text: "我是谁",
		want: []string{"在本群：只能查看、列出和关注工单"},
		not:  []string{saidMembersOnly},
	}, {
		name:     "in English, on WeCom",
		people:   true,
		platform: "wecom",
		text:     "whoami",
		want:     []string{`your user id is ou_zhang; this chat's chat_id = "oc_group"`, "At the vendors: Kingsoft Cloud not bound, you act as the configured default (send \"bind ksyun <employee number>\" to bind)."},
	}, {
		name: "usage: words that do not belong",
		text: "我是谁 张三",
		want: []string{"多余的内容「张三」"},
	}})
}
