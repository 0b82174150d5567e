package command

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
)

// 列表 shows the open tickets, those waiting on us first, each with its status colour;
// closed ones only with 列表 全部.
func TestListOpenFirstClosedOnAsk(t *testing.T) {
	h := newHarness(t, Config{DefaultProvider: "ksyun"})
	v := h.vendors["ksyun"]
	at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for _, tk := range []providers.Ticket{
		{ID: "1", Title: "已关闭的工单", Status: providers.StatusClosed, UpdatedAt: at.Add(5 * time.Hour)},
		{ID: "2", Title: "处理中的工单", Status: providers.StatusInProgress, UpdatedAt: at.Add(4 * time.Hour)},
		{ID: "3", Title: "等我们补充的工单", Status: providers.StatusWaitingOnUs, UpdatedAt: at},
		{ID: "4", Title: "新提的工单", Status: providers.StatusOpen, UpdatedAt: at.Add(time.Hour)},
	} {
		v.put(tk)
		for _, p := range []string{"feishu", "wecom"} {
			h.send(msg{platform: p, text: "关注 " + tk.ID})
		}
	}
	order := func(s string, titles ...string) bool {
		last := -1
		for _, title := range titles {
			i := strings.Index(s, title)
			if i <= last {
				return false
			}
			last = i
		}
		return true
	}
	for _, p := range []string{"feishu", "wecom"} {
		list := only(t, h.send(msg{platform: p, text: "列表"})).Text()
		if strings.Contains(list, "**ksyun:1**") || !strings.Contains(list, "另有 1 个已关闭的工单，输入「列表 全部」查看") ||
			!order(list, "等我们补充的工单", "新提的工单", "处理中的工单") {
			t.Errorf("%s 列表:\n%s", p, list)
		}
		all := only(t, h.send(msg{platform: p, text: "列表 全部"})).Text()
		if !order(all, "等我们补充的工单", "新提的工单", "处理中的工单", "已关闭的工单") || strings.Contains(all, "另有") {
			t.Errorf("%s 列表 全部:\n%s", p, all)
		}
	}
	feishu := only(t, h.say("列表")).Text()
	if !strings.Contains(feishu, `<font color='orange'>待我方补充</font>`) || !strings.Contains(feishu, `<font color='wathet'>处理中</font>`) {
		t.Errorf("Feishu list without status colours:\n%s", feishu)
	}
	wecom := only(t, h.send(msg{platform: "wecom", text: "列表 全部"})).Text()
	if !strings.Contains(wecom, `<font color="warning">待我方补充</font>`) || !strings.Contains(wecom, `<font color="comment">已关闭</font>`) {
		t.Errorf("WeCom list without status colours:\n%s", wecom)
	}
	// Typed with its English name, the list answers in English: the same colours.
	english := only(t, h.send(msg{platform: "wecom", text: "list all"})).Text()
	if !strings.Contains(english, `<font color="warning">Our turn</font>`) || !strings.Contains(english, "Tickets this chat watches (all 4)") {
		t.Errorf("WeCom list in English:\n%s", english)
	}
}

// A notice on WeCom speaks of quoting, never of 话题 (Feishu threads).
func TestNoticeHintsInThePlatformsWords(t *testing.T) {
	h := newHarness(t, Config{DefaultProvider: "ksyun"})
	tk := providers.Ticket{Provider: "ksyun", ID: "1204", Title: "数据库连接超时", Status: providers.StatusWaitingOnUs}
	for _, tc := range []struct{ platform, want, never string }{
		{"feishu", "在工单卡片的话题里回复", "引用"},
		{"wecom", "引用这条消息回复", "话题"},
	} {
		out, err := h.bot.Notices(t.Context(), tc.platform, "oc_group", []bot.NoticeView{{Ticket: tk, Kind: "status",
			From: providers.StatusInProgress, To: providers.StatusWaitingOnUs, Priority: "high"}})
		if err != nil {
			t.Fatal(err)
		}
		if s := string(out.Body); !strings.Contains(s, tc.want) || strings.Contains(s, tc.never) {
			t.Errorf("%s notice: %s", tc.platform, s)
		}
	}
}

// The daily summary lists the chat's open tickets with their vendor's name, waiting on us
// first; closed ones are left out; a chat with none gets no summary.
func TestDailySummaryListsOpenTickets(t *testing.T) {
	h := newHarness(t, Config{DefaultProvider: "ksyun"})
	v := h.vendors["ksyun"]
	at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for _, tk := range []providers.Ticket{
		{ID: "1", Title: "已关闭的工单", Status: providers.StatusClosed, UpdatedAt: at},
		{ID: "2", Title: "处理中的工单", Status: providers.StatusInProgress, UpdatedAt: at},
		{ID: "3", Title: "等我们补充的工单", Status: providers.StatusWaitingOnUs, UpdatedAt: at},
	} {
		v.put(tk)
		h.send(msg{text: "关注 " + tk.ID})
	}
	out, err := h.bot.Summary(context.Background(), "feishu", "oc_group")
	if err != nil || out == nil {
		t.Fatalf("summary: %v %v", out, err)
	}
	body := string(out.Body)
	if !strings.Contains(body, "金山云") || strings.Contains(body, "已关闭的工单") ||
		!(strings.Index(body, "等我们补充的工单") >= 0 && strings.Index(body, "等我们补充的工单") < strings.Index(body, "处理中的工单")) {
		t.Fatalf("summary card: %s", body)
	}
	if out, err := h.bot.Summary(context.Background(), "feishu", "oc_quiet"); err != nil || out != nil {
		t.Fatalf("a chat following nothing got %v %v", out, err)
	}
}
