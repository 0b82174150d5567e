package bot

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// mondays is the weekly report on Mondays at 09:30.
var mondays = &Weekly{Day: time.Monday, At: 9*time.Hour + 30*time.Minute}

// monday is 2026-11-23, a Monday, in Shanghai.
var monday = time.Date(2026, 11, 23, 0, 0, 0, 0, shanghai)

// reportsTo are the weekly reports sent to chat, as what the presenter drew ("report until …").
func reportsTo(p *recPlatform, chat string) []string {
	var out []string
	for _, c := range p.of("send") {
		if c.chat == chat && strings.HasPrefix(c.body, "report until ") {
			out = append(out, strings.TrimPrefix(c.body, "report until "))
		}
	}
	return out
}

// newWeeklyEnv is a watcher over chats oc_1 and oc_2, each following a ticket, with policy
// pol for every chat unless per says otherwise.
func newWeeklyEnv(t *testing.T, start time.Time, pol func(chat string) ChatPolicy) *summaryEnv {
	t.Helper()
	e := newWatchEnv(t, 1, "oc_1", "oc_2")
	s := &summaryEnv{e: e, plat: &recPlatform{}, clock: &fakeClock{t: start}}
	s.w = s.replica(pol)
	return s
}

// replica is another watcher over the same store, platform and clock: a restart, or a second
// replica.
func (s *summaryEnv) replica(pol func(chat string) ChatPolicy) *Watcher {
	return NewWatcher(WatchConfig{ChatInterval: map[string]time.Duration{"feishu": 0}, Location: shanghai, Now: s.clock.now},
		s.e.st, map[string]providers.Provider{"mem": s.e.prov}, map[string]Platform{"feishu": s.plat}, textPresenter{},
		func(_, chat string) ChatPolicy { return pol(chat) }, nil, quiet())
}

func everyChat(p ChatPolicy) func(string) ChatPolicy { return func(string) ChatPolicy { return p } }

// The weekly report goes to each chat that follows a ticket once a week, at its time on its
// day, for the week that ends then: not before, not again the same day nor after a restart,
// not the next day, and again the next week.
func TestWeeklyReportOncePerWeekPerChat(t *testing.T) {
	s := newWeeklyEnv(t, monday.AddDate(0, 0, -1), everyChat(ChatPolicy{Report: mondays}))
	s.at(t, monday.AddDate(0, 0, -1), 9, 30) // Sunday
	s.at(t, monday, 9, 29)
	if got := reportsTo(s.plat, "oc_1"); len(got) != 0 {
		t.Fatalf("reports before Monday 09:30: %v", got)
	}
	s.at(t, monday, 9, 30)
	for _, chat := range []string{"oc_1", "oc_2"} {
		if got := reportsTo(s.plat, chat); len(got) != 1 || got[0] != "2026-11-23T09:30:00+08:00" {
			t.Fatalf("%s at Monday 09:30: %v; want the week up to then, once", chat, got)
		}
	}
	s.at(t, monday, 18, 0)
	s.w = s.replica(everyChat(ChatPolicy{Report: mondays})) // a restart
	s.at(t, monday, 23, 59)
	s.at(t, monday.AddDate(0, 0, 1), 9, 30)
	if got := reportsTo(s.plat, "oc_1"); len(got) != 1 {
		t.Fatalf("later on Monday, after a restart and on Tuesday: %v; want the one", got)
	}
	s.at(t, monday.AddDate(0, 0, 7), 10, 0)
	if got := reportsTo(s.plat, "oc_1"); len(got) != 2 || got[1] != "2026-11-30T09:30:00+08:00" {
		t.Fatalf("next Monday: %v", got)
	}
}

// Several replicas on one store post each chat's weekly report once between them.
func TestWeeklyReportOnceAcrossReplicas(t *testing.T) {
	s := newWeeklyEnv(t, monday, everyChat(ChatPolicy{Report: mondays}))
	replicas := []*Watcher{s.w, s.replica(everyChat(ChatPolicy{Report: mondays})), s.replica(everyChat(ChatPolicy{Report: mondays}))}
	s.clock.set(monday.Add(9*time.Hour + 31*time.Minute))
	var wg sync.WaitGroup
	for _, w := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.summaries(context.Background())
			if err := w.Deliver(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, w := range replicas { // whatever one left leased is someone's to post
		if err := w.Deliver(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for _, chat := range []string{"oc_1", "oc_2"} {
		if got := reportsTo(s.plat, chat); len(got) != 1 {
			t.Errorf("%s: %d reports from three replicas, want 1", chat, len(got))
		}
	}
}

// Quiet hours hold the weekly report until they end; it still reports the week that ended
// at its time. A time missed while no replica ran is caught up later that day, not the next.
func TestWeeklyReportHeldAndCaughtUp(t *testing.T) {
	q := Window{From: 9 * time.Hour, To: 11 * time.Hour}
	s := newWeeklyEnv(t, monday, everyChat(ChatPolicy{Report: mondays, Quiet: &q}))
	s.at(t, monday, 9, 30)
	s.at(t, monday, 10, 59)
	if got := reportsTo(s.plat, "oc_1"); len(got) != 0 {
		t.Fatalf("posted in quiet hours: %v", got)
	}
	s.at(t, monday, 11, 0)
	if got := reportsTo(s.plat, "oc_1"); len(got) != 1 || got[0] != "2026-11-23T09:30:00+08:00" {
		t.Fatalf("after quiet hours: %v; want the week that ended at 09:30", got)
	}

	late := newWeeklyEnv(t, monday, everyChat(ChatPolicy{Report: mondays}))
	late.at(t, monday, 15, 0)
	if got := reportsTo(late.plat, "oc_1"); len(got) != 1 || got[0] != "2026-11-23T09:30:00+08:00" {
		t.Fatalf("first run at 15:00 on Monday: %v", got)
	}
	later := newWeeklyEnv(t, monday, everyChat(ChatPolicy{Report: mondays}))
	later.at(t, monday.AddDate(0, 0, 1), 8, 0)
	if got := reportsTo(later.plat, "oc_1"); len(got) != 0 {
		t.Fatalf("first run on Tuesday posted last Monday's: %v", got)
	}
}

// Each chat has its own day and time, or none.
func TestWeeklyReportPerChat(t *testing.T) {
	fridays := &Weekly{Day: time.Friday, At: 17 * time.Hour}
	s := newWeeklyEnv(t, monday, func(chat string) ChatPolicy {
		if chat == "oc_1" {
			return ChatPolicy{Report: fridays}
		}
		return ChatPolicy{} // off
	})
	for d := range 7 {
		s.at(t, monday.AddDate(0, 0, d), 9, 30)
		s.at(t, monday.AddDate(0, 0, d), 17, 0)
	}
	if got := reportsTo(s.plat, "oc_1"); len(got) != 1 || got[0] != "2026-11-27T17:00:00+08:00" {
		t.Errorf("oc_1 on Fridays at 17:00: %v", got)
	}
	if got := reportsTo(s.plat, "oc_2"); len(got) != 0 {
		t.Errorf("oc_2 turned off: %v", got)
	}
}

// quietWeek draws no weekly report: a week with nothing to show.
type quietWeek struct{ textPresenter }

func (quietWeek) Report(context.Context, string, string, time.Time) (*Outgoing, error) {
	return nil, nil
}

// A week with nothing to show posts nothing, and is done: not drawn again.
func TestEmptyWeekPostsNothing(t *testing.T) {
	e := newWatchEnv(t, 1, "oc_1")
	plat, clock := &recPlatform{}, &fakeClock{t: monday.Add(10 * time.Hour)}
	w := NewWatcher(WatchConfig{ChatInterval: map[string]time.Duration{"feishu": 0}, Location: shanghai, Now: clock.now},
		e.st, map[string]providers.Provider{"mem": e.prov}, map[string]Platform{"feishu": plat}, quietWeek{},
		func(string, string) ChatPolicy { return ChatPolicy{Report: mondays} }, nil, quiet())
	w.summaries(context.Background())
	if err := w.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	if calls := plat.all(); len(calls) != 0 {
		t.Errorf("an empty week posted %+v", calls)
	}
	if ns, err := e.st.PendingNotices(context.Background(), clock.now().Add(time.Hour), 10); err != nil || len(ns) != 0 {
		t.Errorf("still pending: %+v %v", ns, err)
	}
}

func TestWeeklyDue(t *testing.T) {
	for _, tc := range []struct {
		now  time.Time
		due  bool
		when string
	}{
		{monday.Add(9*time.Hour + 29*time.Minute + 59*time.Second), false, "2026-11-23T09:30:00+08:00"},
		{monday.Add(9*time.Hour + 30*time.Minute), true, "2026-11-23T09:30:00+08:00"},
		{monday.Add(23*time.Hour + 59*time.Minute), true, "2026-11-23T09:30:00+08:00"},
		{monday.AddDate(0, 0, 1).Add(10 * time.Hour), false, "2026-11-24T09:30:00+08:00"},
	} {
		at, due := mondays.due(tc.now)
		if due != tc.due || at.Format(time.RFC3339) != tc.when {
			t.Errorf("due(%v) = %v, %v; want %s, %v", tc.now, at, due, tc.when, tc.due)
		}
	}
}
