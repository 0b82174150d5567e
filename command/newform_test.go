package command

import (
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

// formSubmit is the create form's fields as Feishu sends them on submit.
func formSubmit(vendor, title, content, priority, typ string) map[string]string {
	return map[string]string{"vendor": vendor, "title": title, "content": content, "priority": priority, "type": typ}
}

// 建单 with no title, where cards hold forms, answers with the create form; its submit creates
// through the same path as the typed command, once per form however often it is submitted;
// what cannot be taken draws the form again with what was filled in.
func TestCreateForm(t *testing.T) {
	var got []providers.CreateRequest
	full := formSubmit("ksyun", "数据库连接超时", "生产库 mysql-prod-01 连接超时", "high", "question")
	runCases(t, []cmdCase{{
		name:  "建单 alone opens the form",
		text:  "建单",
		want:  []string{`"tag":"form"`, `"name":"vendor"`, `"value":"ksyun"`, "金山云", `"name":"title"`, "新建工单", `"cmd":"newform `},
		calls: []string{},
	}, {
		name: "the vendor typed is chosen",
		text: "建单 ksyun",
		want: []string{`"initial_option":"ksyun"`},
	}, {
		name:   "a submit creates as the typed command does",
		click:  "newform k1",
		form:   full,
		vendor: created(&got),
		want:   []string{"toast success", "数据库连接超时", `"cmd":"close ksyun:1204`},
		calls:  []string{"create 数据库连接超时"},
		check: func(t *testing.T, h *harness, v *fakeVendor) {
			if len(got) != 1 || got[0].Content != "生产库 mysql-prod-01 连接超时" || got[0].Priority != "high" || got[0].Type != "question" {
				t.Fatalf("filed %+v", got)
			}
			// The same form again (a double click): nothing more is created.
			res := h.click("feishu", "om_card", "newform k1", full)
			if n := len(got); n != 1 {
				t.Errorf("a second submit of the form created again (%d creates); toast %+v", n, res.Toast)
			}
			// Another form creates another ticket.
			h.click("feishu", "om_card2", "newform k2", full)
			if n := len(got); n != 2 {
				t.Errorf("another form: %d creates, want 2", n)
			}
		},
	}, {
		name:  "a vendor no longer configured keeps what was typed",
		click: "newform k3",
		form:  formSubmit("aliyun", "ECS 无法登录", "报错 Permission denied", "", ""),
		want:  []string{"toast error: 阿里云已不再配置在本部署中", `"default_value":"ECS 无法登录"`, `"default_value":"报错 Permission denied"`, `"cmd":"newform k3 `},
		calls: []string{},
	}, {
		name:  "no vendor chosen",
		click: "newform k4",
		form:  formSubmit("", "ECS 无法登录", "", "", ""),
		want:  []string{"toast error: 请选择供应商", `"default_value":"ECS 无法登录"`},
		calls: []string{},
	}, {
		name:  "a title left out",
		click: "newform k5",
		form:  formSubmit("ksyun", "  ", "只有详情", "", ""),
		want:  []string{"toast error", "缺少工单标题", `"default_value":"只有详情"`},
		calls: []string{},
	}, {
		name:  "a submit by someone who may not create",
		cfg:   membersOnly,
		click: "newform k6",
		form:  full,
		want:  []string{saidMembersOnly},
		calls: []string{},
	}, {
		name:  "the help card's 建单 button opens the form",
		click: "new",
		want:  []string{"toast info: 请填写建单表单", `"name":"title"`},
		calls: []string{},
	}, {
		name: "the help card has the button",
		text: "帮助",
		want: []string{`"cmd":"new"`},
	}, {
		name: "the list card has the button",
		text: "列表",
		want: []string{`"cmd":"new"`},
	}, {
		name:     "no 建单 button on the list where cards hold no form",
		platform: "wecom",
		text:     "列表",
		not:      []string{`"cmd":"new"`},
	}, {
		name:     "no form where cards hold none",
		platform: "wecom",
		text:     "帮助",
		not:      []string{`"cmd":"new"`},
	}})
}

// The form speaks the person's language.
func TestCreateFormInEnglish(t *testing.T) {
	h := newHarness(t, Config{})
	h.say("语言 en")
	shown := ""
	for _, p := range h.say("建单") {
		shown += p.Text()
	}
	for _, want := range []string{"New ticket", "Title (required)", "Kingsoft Cloud", "Create ticket", "Urgent", "Question"} {
		if !strings.Contains(shown, want) {
			t.Errorf("the English form lacks %q:\n%s", want, shown)
		}
	}
	if runs := chinese(shown); len(runs) > 0 {
		t.Errorf("the English form says %q", runs)
	}
}
