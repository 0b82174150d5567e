package bot

import (
	"context"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// summaryEnv is a chat following one open ticket, with a daily summary, a recording
// platform and a clock the test moves.
type summaryEnv struct {
	e     *watchEnv
	plat  *recPlatform
	clock *fakeClock
	w     *Watcher
}

func newSummaryEnv(t *testing.T, start time.Time, loc *time.Location, pol ChatPolicy) *summaryEnv {
	t.Helper()
	e := newWatchEnv(t, 1, "oc_1")
	s := &summaryEnv{e: e, plat: &recPlatform{}, clock: &fakeClock{t: start}}
	s.w = NewWatcher(WatchConfig{ChatInterval: map[string]time.Duration{"feishu": 0}, Location: loc, Now: s.clock.now},
		e.st, map[string]providers.Provider{"mem": e.prov}, map[string]Platform{"feishu": s.plat}, textPresenter{},
		func(string, string) ChatPolicy { return pol }, nil, quiet())
	return s
}

// tick is one turn of Run: summaries, then delivery.
func (s *summaryEnv) tick(t *testing.T) {
	t.Helper()
	s.w.summaries(context.Background())
	if err := s.w.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// at moves the clock to hh:mm on the day of d in loc, and ticks.
func (s *summaryEnv) at(t *testing.T, d time.Time, hh, mm int) {
	t.Helper()
	s.clock.set(time.Date(d.Year(), d.Month(), d.Day(), hh, mm, 0, 0, d.Location()))
	s.tick(t)
}

func (s *summaryEnv) summaries() []call {
	var out []call
	for _, c := range s.plat.of("send") {
		if c.body == "summary" {
			out = append(out, c)
		}
	}
	return out
}

var shanghai = DefaultLocation()

// TestFailedSummaryIsRetriedNotLost: the summary is marked sent only after the platform took
// it. A failed send is tried again the same day, with the same key (the platform drops a
// repeat), and once sent it is not sent again, nor by a restarted process.
func TestFailedSummaryIsRetriedNotLost(t *testing.T) {
	day := time.Date(2026, 11, 21, 0, 0, 0, 0, shanghai)
	s := newSummaryEnv(t, day, shanghai, ChatPolicy{Summary: "09:30"})
	s.at(t, day, 9, 29)
	if n := len(s.summaries()); n != 0 {
		t.Fatalf("%d summaries before 09:30", n)
	}
	s.plat.failSend = 1
	s.at(t, day, 9, 30)
	if n := len(s.summaries()); n != 0 {
		t.Fatalf("the failed send was recorded as %d summaries", n)
	}
	s.at(t, day, 9, 31) // past the first backoff
	sent := s.summaries()
	if len(sent) != 1 {
		t.Fatalf("after the retry %d summaries, want 1", len(sent))
	}
	// Later the same day, and in a restarted process: nothing more.
	s.at(t, day, 12, 0)
	restarted := NewWatcher(WatchConfig{ChatInterval: map[string]time.Duration{"feishu": 0}, Location: shanghai, Now: s.clock.now},
		s.e.st, map[string]providers.Provider{"mem": s.e.prov}, map[string]Platform{"feishu": s.plat}, textPresenter{},
		func(string, string) ChatPolicy { return ChatPolicy{Summary: "09:30"} }, nil, quiet())
	restarted.summaries(context.Background())
	if err := restarted.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(s.summaries()); n != 1 {
		t.Fatalf("%d summaries on one day, want 1", n)
	}
	// The next day has its own.
	s.at(t, day.AddDate(0, 0, 1), 9, 30)
	if got := s.summaries(); len(got) != 2 || got[1].key == sent[0].key {
		t.Fatalf("next day: %+v", got)
	}
}

// TestSummaryWaitsForQuietHoursToEnd: a summary due inside quiet hours goes out when they
// end, also when they end the next morning.
func TestSummaryWaitsForQuietHoursToEnd(t *testing.T) {
	day := time.Date(2026, 11, 21, 0, 0, 0, 0, shanghai)
	for _, tc := range []struct {
		name       string
		summary    string
		quiet      Window
		held, sent [2]int // a time it is held at, and the time it goes out (hh, mm; next day when before the summary)
	}{
		{"morning", "09:00", Window{From: 8 * time.Hour, To: 10 * time.Hour}, [2]int{9, 59}, [2]int{10, 0}},
		{"over midnight", "23:00", Window{From: 22 * time.Hour, To: 8 * time.Hour}, [2]int{7, 59}, [2]int{8, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.quiet
			s := newSummaryEnv(t, day, shanghai, ChatPolicy{Summary: tc.summary, Quiet: &q})
			due, err := time.Parse("15:04", tc.summary)
			if err != nil {
				t.Fatal(err)
			}
			hh := due.Hour()
			s.at(t, day, hh, due.Minute())
			heldDay := day
			if tc.held[0] < hh {
				heldDay = day.AddDate(0, 0, 1)
			}
			s.at(t, heldDay, tc.held[0], tc.held[1])
			if n := len(s.summaries()); n != 0 {
				t.Fatalf("summary posted during quiet hours (%d)", n)
			}
			s.at(t, heldDay, tc.sent[0], tc.sent[1])
			if n := len(s.summaries()); n != 1 {
				t.Fatalf("%d summaries when quiet hours ended, want 1", n)
			}
		})
	}
}

// TestSummaryFollowsTheConfiguredZone: "09:30" is 09:30 where the team is.
func TestSummaryFollowsTheConfiguredZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 11, 21, 0, 0, 0, 0, berlin)
	s := newSummaryEnv(t, day, berlin, ChatPolicy{Summary: "09:30"})
	s.at(t, day.In(shanghai), 9, 30) // 09:30 in Shanghai is 02:30 in Berlin
	if n := len(s.summaries()); n != 0 {
		t.Fatalf("summary sent at 09:30 Shanghai time for a Berlin team (%d)", n)
	}
	s.at(t, day, 9, 30)
	if n := len(s.summaries()); n != 1 {
		t.Fatalf("%d summaries at 09:30 Berlin time, want 1", n)
	}
}
