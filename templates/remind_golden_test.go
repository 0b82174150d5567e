package templates

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

// remindFixtures are the reminders as the command layer words them: a ticket waiting on us
// with its owner to @ (a card with the reply and refresh buttons); an escalated one waiting
// for our confirmation, named by a person's name, with the admins called in and a vendor's
// auto-close countdown; and the post in an escalation chat.
func remindFixtures(en bool) map[string]ReminderCard {
	say := func(zh, e string) string {
		if en {
			return e
		}
		return zh
	}
	ks, ali := say("金山云", "Kingsoft Cloud"), say("阿里云", "Aliyun")
	waiting := openTicket()
	waiting.Status, waiting.RawStatus, waiting.RawLabel = providers.StatusWaitingOnUs, "wait_feedback", ""
	confirm := providers.Ticket{Provider: "aliyun", ID: "0005PYGCW", Title: "ECS 无法登录 \"quote\" <at id=all></at> **x**",
		Status: providers.StatusPendingConfirm, RawStatus: "wait_confirm", RawLabel: "待确认", CreatedAt: created}
	owner := &Person{ID: "ou_84aad35d084aa403a838cf73ee18467", Mention: true}
	admins := []Person{{ID: "ou_admin1", Mention: true}, {ID: "wang<wu>", Name: ""}}
	refresh := func(ref string) Button { return Button{Text: say("刷新", "Refresh"), Command: "show " + ref} }
	return map[string]ReminderCard{
		"remind": {Title: say("⏰ 工单提醒", "⏰ Reminder"), Color: "orange", Ticket: waiting, ProviderLabel: ks,
			Headline: say("已等待我方 2小时15分", "Waiting on us for 2h 15m"), Ask: say("请补充信息", "please send what the vendor asks for"), To: owner,
			Hint:    say("在工单卡片的话题里回复，或输入「回复 ksyun:1204 内容」。", "Answer in the ticket card's thread, or type \"reply ksyun:1204 your text\"."),
			Buttons: []Button{{Text: say("回复", "Reply"), Type: "primary", Command: "reply ksyun:1204"}, refresh("ksyun:1204")}},
		"remind_escalated": {Title: say("⏰ 工单提醒 · 已升级", "⏰ Reminder · escalated"), Color: "red", Ticket: confirm, ProviderLabel: ali,
			Headline: say("已等待我方 1天2小时", "Waiting on us for 1d 2h"), Ask: say("请确认是否已解决", "please confirm whether it is solved"),
			To:         &Person{ID: "lisi", Name: say("李四", "Li Si")},
			Escalation: say("已等待超过 10小时（工作时间），请管理员跟进：", "Waiting longer than 10h of working time; admins, please follow up:"), Admins: admins,
			AutoClose: say("约 5 天后将被阿里云自动关闭。", "Aliyun auto-closes it in about 5 days."),
			Hint:      say("已解决请输入「关闭 aliyun:0005PYGCW」，未解决请回复说明。", "If it is solved, type \"close aliyun:0005PYGCW\"; if not, reply and say why."),
			Buttons:   []Button{{Text: say("认领", "Claim"), Command: "claim aliyun:0005PYGCW"}, refresh("aliyun:0005PYGCW")}},
		"remind_escalation": {Title: say("🚨 工单升级", "🚨 Escalated ticket"), Color: "red", Ticket: waiting, ProviderLabel: ks,
			Headline:   say("在群 oc_ops 已等待我方 11小时，超过 10小时（工作时间）仍未处理", "Waiting on us in chat oc_ops for 11h, longer than 10h of working time"),
			Escalation: say("请跟进：", "Please follow up:"), Admins: admins[:1], Buttons: []Button{refresh("ksyun:1204")}},
	}
}

// TestGoldenReminders draws every reminder on both platforms in both languages: a card on
// one, markdown (which can @ someone) on the other. A mention people could type never gets
// through, and the English ones say nothing in Chinese that is not the ticket's own.
func TestGoldenReminders(t *testing.T) {
	r, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	if !r.Has("feishu", "remind") || r.Has("wecom", "remind") || !r.Has("wecom", "remind.md") {
		t.Fatal("want the reminder as a card on one platform and as markdown on the other")
	}
	for _, en := range []bool{false, true} {
		dir := ""
		if en {
			dir = "en"
		}
		for name, data := range remindFixtures(en) {
			path := filepath.Join("testdata", "feishu", dir, name)
			t.Run(path, func(t *testing.T) {
				got, err := r.In(en).Render("feishu", "remind", data)
				if err != nil {
					t.Fatal(err)
				}
				goldenJSON(t, path+".golden.json", got)
				checkFeishuCard(t, got)
				if strings.Contains(string(got), "<at id=all") || strings.Contains(string(got), "<wu>") {
					t.Errorf("the card carries markup people wrote:\n%s", got)
				}
				if en {
					noChinese(t, string(got), data)
				}
			})
			path = filepath.Join("testdata", "wecom", dir, name)
			t.Run(path+".md", func(t *testing.T) {
				got, err := r.In(en).RenderMarkdown("wecom", "remind", data)
				if err != nil {
					t.Fatal(err)
				}
				golden(t, path+".golden.md", []byte(got+"\n"))
				if strings.Contains(got, "<at id=all") || strings.Contains(got, "<@all") || strings.Contains(got, "<wu>") {
					t.Errorf("markdown carries markup people wrote: %s", got)
				}
				if len(got) > 4096 {
					t.Errorf("markdown is %d bytes; WeCom takes 4096", len(got))
				}
				if en {
					noChinese(t, got, data)
				}
			})
		}
	}
}
