package command

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/ksyun"
	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/store"
)

// The reminder as the watcher has it drawn: in the chat's language, for whoever looks after
// the ticket there (its owner, else who opened it or made the chat follow it), with the
// card's buttons to answer; escalated, with the admins; in an escalation chat, naming the
// chat it waits in. On a platform whose cards cannot @ someone, markdown that can.
func TestReminderPresenter(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 12, 15, 0, 0, bot.DefaultLocation())
	waiting := providers.Ticket{Provider: "ksyun", ID: "1204", Title: "数据库连接超时", Status: providers.StatusWaitingOnUs}
	confirm := waiting
	confirm.Status = providers.StatusPendingConfirm
	view := func(t providers.Ticket) bot.ReminderView {
		return bot.ReminderView{Ticket: t, Since: now.Add(-2*time.Hour - 15*time.Minute), Entered: now.Add(-3 * time.Hour), N: 1,
			Mention: "ou_zhang", EscalateAfter: 10 * time.Hour}
	}
	escalated := view(waiting)
	escalated.Escalated, escalated.Admins = true, []string{"ou_admin", "bad<id>"}
	alone := view(waiting)
	alone.Escalated = true
	escalation := view(waiting)
	escalation.Escalated, escalation.Admins, escalation.FromPlatform, escalation.FromChat, escalation.Mention = true, []string{"ou_boss"}, "feishu", "oc_ops", ""
	for _, tc := range []struct {
		name     string
		platform string
		en       bool
		owner    string
		v        bot.ReminderView
		want     []string
		not      []string
		buttons  []string
	}{{
		name: "for who made the chat follow it", platform: "feishu", v: view(waiting),
		want:    []string{`"⏰ 工单提醒"`, "**ksyun:1204** 数据库连接超时\\n已等待我方 2小时15分 · <at id=ou_zhang></at> 请补充信息", "在工单卡片的话题里回复"},
		not:     []string{"管理员", "自动关闭"},
		buttons: []string{"回复 reply ksyun:1204", "认领 claim ksyun:1204", "刷新 show ksyun:1204"},
	}, {
		name: "for its owner", platform: "feishu", owner: "ou_li", v: view(waiting),
		want:    []string{"<at id=ou_li></at> 请补充信息"},
		not:     []string{"ou_zhang"},
		buttons: []string{"回复 reply ksyun:1204", "刷新 show ksyun:1204"},
	}, {
		name: "waiting for our confirmation", platform: "feishu", v: view(confirm),
		want: []string{"请确认是否已解决", "已解决请输入「关闭 ksyun:1204」"},
	}, {
		name: "in English", platform: "feishu", en: true, v: view(waiting),
		want: []string{`"⏰ Reminder"`, "Waiting on us for 2h 15m · <at id=ou_zhang></at> please send what the vendor asks for"},
	}, {
		name: "escalated", platform: "feishu", v: escalated,
		want: []string{`"⏰ 工单提醒 · 已升级"`, `"template":"red"`, "已等待超过 10小时（工作时间），请管理员跟进：</font> <at id=ou_admin></at> @bad&#60;id&#62;"},
		not:  []string{"<id>"},
	}, {
		name: "escalated in a chat without admins", platform: "feishu", v: alone,
		want: []string{"已等待超过 10小时（工作时间）。"},
		not:  []string{"请管理员跟进"},
	}, {
		name: "in the escalation chat", platform: "feishu", v: escalation,
		want:    []string{`"🚨 工单升级"`, "在群 oc_ops 已等待我方 2小时15分，超过 10小时（工作时间）仍未处理", "请跟进：</font> <at id=ou_boss></at>"},
		not:     []string{"ou_zhang", "请补充信息"},
		buttons: []string{"刷新 show ksyun:1204"},
	}, {
		name: "as markdown where cards cannot @", platform: "wecom", v: escalated,
		want: []string{"**⏰ 工单提醒 · 已升级**\n<@ou_zhang> **ksyun:1204** 数据库连接超时", "请管理员跟进：</font> <@ou_admin> @bad＜id＞",
			"引用这条消息回复，或输入「回复 ksyun:1204 内容」。"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Config{})
			h.bot.Now = func() time.Time { return now }
			chat := "oc_group"
			if tc.en {
				if err := h.store.SetLanguage(ctx, store.LanguageChoice{Platform: tc.platform, Scope: store.ScopeChat, ID: chat, Language: "en"}); err != nil {
					t.Fatal(err)
				}
			}
			if tc.owner != "" {
				if _, err := h.store.SetOwner(ctx, store.Owner{Platform: tc.platform, ChatID: chat, Provider: "ksyun", TicketID: "1204", UserID: tc.owner, At: now}); err != nil {
					t.Fatal(err)
				}
			}
			out, err := h.bot.Reminder(ctx, tc.platform, chat, tc.v)
			if err != nil {
				t.Fatal(err)
			}
			body := string(out.Body)
			if tc.platform == "wecom" && out.Kind != bot.KindMarkdown || tc.platform == "feishu" && out.Kind != bot.KindCard {
				t.Errorf("drawn as %v on %s", out.Kind, tc.platform)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("lacks %q:\n%s", w, body)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(body, n) {
					t.Errorf("says %q:\n%s", n, body)
				}
			}
			if tc.buttons != nil {
				var got []string
				for _, b := range cardButtons(t, out.Body) {
					got = append(got, b[0]+" "+b[1])
				}
				if strings.Join(got, "|") != strings.Join(tc.buttons, "|") {
					t.Errorf("buttons %q, want %q", got, tc.buttons)
				}
			}
		})
	}
}

// Where a vendor documents how long it leaves a ticket waiting on the customer before it
// closes it, the reminder says about how long is left, counted from when the ticket entered
// its state; where it does not, or once that time has passed, nothing is said.
func TestReminderSaysWhenTheVendorAutoCloses(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, bot.DefaultLocation())
	documented := ksyun.Descriptor
	documented.AutoClose = map[providers.Status]time.Duration{providers.StatusWaitingOnUs: 7 * 24 * time.Hour}
	for _, tc := range []struct {
		name    string
		status  providers.Status
		entered time.Duration // before now
		want    string
	}{
		{"days left", providers.StatusWaitingOnUs, 2*24*time.Hour + time.Hour, "约 5 天后将被金山云自动关闭。"},
		{"less than a day", providers.StatusWaitingOnUs, 6*24*time.Hour + 20*time.Hour, "不到 1 天后将被金山云自动关闭。"},
		{"past the time", providers.StatusWaitingOnUs, 8 * 24 * time.Hour, ""},
		{"a state the vendor documents nothing for", providers.StatusPendingConfirm, time.Hour, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Config{})
			d := h.bot.Deps
			d.Vendors = providers.MustRegistry(documented, aliyun.Descriptor, weiban.Descriptor)
			h.bot = New(h.bot.cfg, d)
			h.bot.Now = func() time.Time { return now }
			tk := providers.Ticket{Provider: "ksyun", ID: "1204", Title: "数据库连接超时", Status: tc.status}
			out, err := h.bot.Reminder(ctx, "feishu", "oc_group", bot.ReminderView{Ticket: tk, Since: now.Add(-time.Hour), Entered: now.Add(-tc.entered), N: 1})
			if err != nil {
				t.Fatal(err)
			}
			body := string(out.Body)
			if tc.want == "" && strings.Contains(body, "自动关闭") || tc.want != "" && !strings.Contains(body, tc.want) {
				t.Errorf("want %q:\n%s", tc.want, body)
			}
		})
	}
	// No vendor this build knows documents it: nothing is said for any of them.
	for _, d := range testVendors.All() {
		if len(d.AutoClose) > 0 {
			t.Errorf("%s declares an auto-close; cite the vendor's document beside it and test it here", d.Name)
		}
	}
}

// A reply through the bot is our side answering: the ticket's timeline records it when the
// vendor took the reply, so its reminders count from then.
func TestReplyRecordsOurAnswer(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, Config{})
	now := time.Date(2026, 11, 23, 11, 15, 0, 0, bot.DefaultLocation())
	h.bot.Now = func() time.Time { return now }
	h.vendors["ksyun"].put(providers.Ticket{ID: "1204", Title: "数据库连接超时", Status: providers.StatusWaitingOnUs})
	remember(t, h, providers.Ticket{Provider: "ksyun", ID: "1204", Status: providers.StatusWaitingOnUs}, "feishu:ou_zhang")
	only(t, h.say("回复 ksyun:1204 慢查询日志见附件"))
	evs, err := h.store.TimelineOf(ctx, "ksyun", "1204")
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if last.Kind != store.EventAnswered || !last.At.Equal(now) {
		t.Errorf("the timeline ends with %+v, want our answer at %s", last, now)
	}
	// A reply the vendor refused is no answer.
	h.vendors["ksyun"].replyErr = errVendor
	now = now.Add(time.Hour)
	h.say("回复 ksyun:1204 再补充一点")
	if evs2, _ := h.store.TimelineOf(ctx, "ksyun", "1204"); len(evs2) != len(evs) {
		t.Errorf("a refused reply was recorded: %+v", evs2[len(evs):])
	}
}
