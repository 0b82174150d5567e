package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/command"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/tickets"
)

// nextMonday is the first Monday 09:30 in loc after t.
func nextMonday(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	d := time.Date(t.Year(), t.Month(), t.Day(), 9, 30, 0, 0, loc)
	for d.Weekday() != time.Monday || !d.After(t) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// The weekly report as it runs: the default configuration ([bot] weekly_report unset) posts
// it on Monday 09:30 to the chat that follows a ticket, through the real Feishu platform, as
// a card JSON 2.0 with its chart; the ticket's close the watcher saw this week is in it. A
// chat that follows another ticket does not see this one's, and the card is not posted twice.
func TestWeeklyReportPostedByDefault(t *testing.T) {
	r := newWatchRig(t)
	ctx := context.Background()
	loc := bot.DefaultLocation()
	var mu sync.Mutex
	clock := time.Now()
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	set := func(t time.Time) { mu.Lock(); defer mu.Unlock(); clock = t }

	// 建单 from oc_weekly, as the bot records it; oc_other follows a ticket of its own.
	book := tickets.New(r.st, now)
	for _, f := range []struct{ chat, title string }{{"oc_weekly", "证书过期"}, {"oc_other", "别群的工单"}} {
		tk, err := r.kp.Create(ctx, providers.CreateRequest{Title: f.title})
		if err != nil {
			t.Fatal(err)
		}
		if err := book.Remember(ctx, tk, "feishu:ou_owner", true); err != nil {
			t.Fatal(err)
		}
		if err := r.st.Follow(ctx, store.Follow{Platform: "feishu", ChatID: f.chat, Provider: "ksyun", TicketID: tk.ID,
			By: "feishu:ou_owner", CreatedAt: now()}); err != nil {
			t.Fatal(err)
		}
		if f.chat == "oc_weekly" {
			// Closed at the console; the watcher sees it.
			if err := r.ks.SetStatus(tk.ID, 3); err != nil {
				t.Fatal(err)
			}
		}
	}
	var cfg command.Config // the defaults: Monday 09:30, Asia/Shanghai
	w := bot.NewWatcher(bot.WatchConfig{Now: now, Location: loc}, r.st, map[string]providers.Provider{"ksyun": r.kp},
		map[string]bot.Platform{"feishu": r.fs}, r.handler, cfg.Policy, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	// The week is the one up to the next Monday 09:30; the watcher sees the close before it.
	monday := nextMonday(now(), loc)
	set(now().Add(min(time.Minute, monday.Sub(now())/2)))
	if err := w.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	// Monday 09:30 comes: the watcher's own loop posts the report.
	set(monday)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(runCtx) }()
	weekly := func() []string {
		var out []string
		for _, m := range r.ff.Messages() {
			if m.MsgType == "interactive" && strings.Contains(m.Content, "工单周报") {
				out = append(out, m.ChatID+" "+m.Content)
			}
		}
		return out
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(weekly()) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	if err := <-done; err != context.Canceled {
		t.Fatalf("watcher: %v", err)
	}
	// Later that day, nothing more.
	set(now().Add(time.Hour))
	if err := w.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	byChat := map[string][]string{}
	for _, rep := range weekly() {
		chat, card, _ := strings.Cut(rep, " ")
		byChat[chat] = append(byChat[chat], card)
	}
	if len(byChat) != 2 || len(byChat["oc_weekly"]) != 1 || len(byChat["oc_other"]) != 1 {
		t.Fatalf("reports by chat: %d chats, oc_weekly %d, oc_other %d; want one each", len(byChat), len(byChat["oc_weekly"]), len(byChat["oc_other"]))
	}
	weeklyCard := byChat["oc_weekly"][0]
	var card struct {
		Body struct {
			Elements []json.RawMessage `json:"elements"`
		} `json:"body"`
	}
	if err := json.Unmarshal([]byte(weeklyCard), &card); err != nil || len(card.Body.Elements) == 0 {
		t.Fatalf("the report is no card: %v\n%s", err, weeklyCard)
	}
	for _, want := range []string{`"tag":"chart"`, `{"vendor":"金山云","kind":"新建","n":1},{"vendor":"金山云","kind":"关闭","n":1}`,
		`"rows":[{"vendor":"金山云","opened":1,"closed":1,"waiting":0`} {
		if !strings.Contains(weeklyCard, want) {
			t.Errorf("the weekly card lacks %s:\n%s", want, weeklyCard)
		}
	}
	if strings.Contains(weeklyCard, "别群的工单") || strings.Contains(byChat["oc_other"][0], `"closed":1`) {
		t.Errorf("a chat's report shows another chat's ticket:\n%s\n%s", weeklyCard, byChat["oc_other"][0])
	}
}
