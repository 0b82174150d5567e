package command

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// weekAt is 2026-11-dd hh:mm in Shanghai (the bot's zone by default): the 23rd is a Monday.
func weekAt(dd, hh, mm int) time.Time {
	return time.Date(2026, 11, dd, hh, mm, 0, 0, bot.DefaultLocation())
}

// aWeek gives the harness a clock and a week of tickets, recorded as the book records them:
//
//	ksyun:1 opened Mon 10:00, the vendor's first reply at 11:20, closed by the bot Tue 10:00
//	ksyun:2 opened Tue 09:00, waiting on us since Wed 10:00 (the vendor's update time)
//	ksyun:9 followed by another chat only, opened and closed this week: never in this chat's
//
// The clock then stands at Fri 12:00. The test chat follows 1 and 2, on both platforms.
func aWeek(t *testing.T, h *harness, _ *fakeVendor) {
	t.Helper()
	ctx := context.Background()
	clock := weekAt(23, 10, 0)
	h.bot.Now = func() time.Time { return clock }
	b := h.bot.tickets
	observe := func(tk providers.Ticket) {
		t.Helper()
		prev, err := b.State(ctx, tk.Provider, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := b.Advance(ctx, prev, b.Observed(prev, tk), nil); err != nil || !ok {
			t.Fatalf("advance: %v %v", ok, err)
		}
	}
	k1 := providers.Ticket{Provider: "ksyun", ID: "1", Title: "数据库连接超时", Status: providers.StatusOpen, CreatedAt: clock}
	remember(t, h, k1, "feishu:ou_zhang")
	clock = weekAt(23, 11, 30)
	k1.Status, k1.LatestNote = providers.StatusInProgress, &providers.Note{ID: "n1", Official: true, Body: "在查", At: weekAt(23, 11, 20)}
	observe(k1)
	clock = weekAt(24, 10, 0)
	k1.Status = providers.StatusClosed
	remember(t, h, k1, "feishu:ou_zhang")

	clock = weekAt(24, 9, 0)
	k2 := providers.Ticket{Provider: "ksyun", ID: "2", Title: "磁盘告警", Status: providers.StatusOpen, CreatedAt: clock}
	remember(t, h, k2, "feishu:ou_zhang")
	clock = weekAt(25, 10, 5)
	k2.Status, k2.UpdatedAt = providers.StatusWaitingOnUs, weekAt(25, 10, 0)
	observe(k2)

	clock = weekAt(24, 9, 0)
	k9 := providers.Ticket{Provider: "ksyun", ID: "9", Title: "别群的工单", Status: providers.StatusOpen, CreatedAt: clock}
	remember(t, h, k9, "feishu:ou_li")
	clock = weekAt(24, 12, 0)
	k9.Status = providers.StatusClosed
	remember(t, h, k9, "feishu:ou_li")

	for _, f := range []store.Follow{
		{Platform: "feishu", ChatID: "oc_group", Provider: "ksyun", TicketID: "1"},
		{Platform: "feishu", ChatID: "oc_group", Provider: "ksyun", TicketID: "2"},
		{Platform: "wecom", ChatID: "oc_group", Provider: "ksyun", TicketID: "1"},
		{Platform: "wecom", ChatID: "oc_group", Provider: "ksyun", TicketID: "2"},
		{Platform: "feishu", ChatID: "oc_other", Provider: "ksyun", TicketID: "9"},
	} {
		f.CreatedAt = clock
		if err := h.store.Follow(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	clock = weekAt(27, 12, 0)
}

// 周报: the figures of the last seven days of the tickets this chat follows, and of no other
// chat's; a card with a chart on Feishu, lines on WeCom; in the person's language; asking no
// vendor and writing no audit row. Extra words get the usage hint.
func TestReportCommand(t *testing.T) {
	ksyunRow := `{"vendor":"金山云","opened":2,"closed":1,"waiting":1,"first_reply":"1小时20分 / 1小时20分","close":"1天 / 1天"}`
	runCases(t, []cmdCase{{
		name:  "the chat's week, charted",
		setup: aWeek,
		text:  "周报",
		want: []string{`"content":"工单周报"`, `"content":"2026-11-20 12:00 至 2026-11-27 12:00"`, "新建 **2** · 关闭 **1** · 待我方处理 **1**",
			`"tag":"chart"`, `{"vendor":"金山云","kind":"新建","n":2},{"vendor":"金山云","kind":"关闭","n":1}`, ksyunRow,
			`**ksyun:2** 磁盘告警\n<font color='grey'>金山云 · 已等 2天2小时</font>`},
		not:   []string{"别群的工单", "ksyun:9", "ksyun:1**"},
		calls: []string{},
		check: noAuditRow,
	}, {
		name:     "in English, on WeCom: lines, no chart",
		setup:    aWeek,
		platform: "wecom",
		text:     "report",
		want: []string{"**Weekly ticket report**", "2026-11-20 12:00 to 2026-11-27 12:00", "Opened **2** · Closed **1** · Waiting on us **1**",
			"> **Kingsoft Cloud** opened 2 · closed 1 · waiting on us 1\n> First reply 1h 20m / 1h 20m · Time to close 1d / 1d",
			"> **ksyun:2** 磁盘告警 · <font color=\"warning\">waiting 2d 2h</font>"},
		not: []string{"chart", "别群的工单"},
	}, {
		name: "a week with nothing in it says so",
		text: "周报",
		want: []string{"工单周报", "这段时间里，本群关注的工单没有新建、关闭或供应商回复，也没有等我方处理的。"},
		not:  []string{`"tag":"chart"`, `"tag":"table"`},
	}, {
		name:  "anyone may read it where members are set",
		cfg:   membersOnly,
		setup: aWeek,
		text:  "工单周报",
		want:  []string{ksyunRow},
		not:   []string{saidMembersOnly},
	}, {
		name:  "usage: words that do not belong",
		setup: aWeek,
		text:  "周报 上周",
		want:  []string{"多余的内容「上周」", "周报"},
		not:   []string{`"tag":"chart"`},
	}, {
		name:  "usage: glued to the name",
		setup: aWeek,
		text:  "周报ksyun",
		want:  []string{"多余的内容「ksyun」"},
	}})
}

// The weekly post (bot.Presenter's Report) is the week that ends at its scheduled time, not
// when it is drawn; in the chat's language; nothing for a week with nothing to show.
func TestWeeklyReportPresenter(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, Config{Chats: []Chat{{Platform: "feishu", ChatID: "oc_group", Language: "en"}, {Platform: "feishu", ChatID: "oc_quiet"}}})
	aWeek(t, h, nil)
	// Scheduled for Wed 09:30, drawn on Friday: ksyun:2 did not wait yet.
	out, err := h.bot.Report(ctx, "feishu", "oc_group", weekAt(25, 9, 30))
	if err != nil || out == nil {
		t.Fatalf("report: %v %v", out, err)
	}
	body := string(out.Body)
	for _, want := range []string{`"content":"Weekly ticket report"`, `"content":"2026-11-18 09:30 to 2026-11-25 09:30"`,
		`{"vendor":"Kingsoft Cloud","opened":2,"closed":1,"waiting":0,"first_reply":"1h 20m / 1h 20m","close":"1d / 1d"}`} {
		if !strings.Contains(body, want) {
			t.Errorf("the weekly card lacks %s:\n%s", want, body)
		}
	}
	if strings.Contains(body, "Waiting on us longest") {
		t.Errorf("a wait that began after the week is in it:\n%s", body)
	}
	// The week before nothing happened: nothing is posted; nor in a chat following nothing.
	for _, tc := range []struct {
		chat  string
		until time.Time
	}{{"oc_group", weekAt(23, 9, 30)}, {"oc_quiet", weekAt(27, 9, 30)}} {
		if out, err := h.bot.Report(ctx, "feishu", tc.chat, tc.until); err != nil || out != nil {
			t.Errorf("%s until %v: %v %v; want nothing", tc.chat, tc.until, out, err)
		}
	}
}

// Durations are said to the minute, in days and hours from a day on.
func TestReportSpans(t *testing.T) {
	for _, tc := range []struct {
		d      time.Duration
		zh, en string
	}{
		{0, "不到 1 分钟", "under a minute"},
		{59 * time.Second, "不到 1 分钟", "under a minute"},
		{90 * time.Second, "1分钟", "1 min"},
		{time.Hour, "1小时", "1h"},
		{time.Hour + 20*time.Minute + 59*time.Second, "1小时20分", "1h 20m"},
		{24 * time.Hour, "1天", "1d"},
		{50*time.Hour + 59*time.Minute, "2天2小时", "2d 2h"},
	} {
		e := newHarness(t, Config{}).bot.env
		if zh, en := e.span(tc.d, false), e.span(tc.d, true); zh != tc.zh || en != tc.en {
			t.Errorf("span(%v) = %q, %q; want %q, %q", tc.d, zh, en, tc.zh, tc.en)
		}
	}
}
