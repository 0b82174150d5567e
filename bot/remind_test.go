package bot

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// The week the reminder tests run in: Monday 2026-11-23 … Sunday 2026-11-29, Shanghai.
func day(d, hh, mm int) time.Time { return time.Date(2026, 11, 22+d, hh, mm, 0, 0, shanghai) }

var (
	mon = func(hh, mm int) time.Time { return day(1, hh, mm) }
	tue = func(hh, mm int) time.Time { return day(2, hh, mm) }
	fri = func(hh, mm int) time.Time { return day(5, hh, mm) }
	sat = func(hh, mm int) time.Time { return day(6, hh, mm) }
)

// Working time counts only the working hours of the working days: a wait that begins
// Friday 17:30 has had two working hours on Monday 10:30, and a duration that ends with a
// working day is due when the next one begins.
func TestWorkingTime(t *testing.T) {
	def := DefaultReminders()
	allDay := def
	allDay.Hours, allDay.Days = Window{From: 0, To: 24 * time.Hour}, [7]bool{true, true, true, true, true, true, true}
	mondays := def
	mondays.Days = [7]bool{time.Monday: true}
	for _, tc := range []struct {
		name     string
		r        Reminders
		from     time.Time
		d        time.Duration
		due      time.Time
		workedAt time.Time // Worked(from, workedAt) is d
	}{
		{"within the day", def, mon(10, 0), 2 * time.Hour, mon(12, 0), mon(12, 0)},
		{"over the weekend", def, fri(17, 30), 2 * time.Hour, day(8, 10, 30), day(8, 10, 30)},
		{"begun on a Saturday", def, sat(11, 0), 2 * time.Hour, day(8, 11, 0), day(8, 11, 0)},
		{"begun before hours", def, mon(7, 0), time.Hour, mon(10, 0), mon(10, 0)},
		{"begun after hours", def, mon(19, 0), time.Hour, tue(10, 0), tue(10, 0)},
		{"the end of a day is the next day's start", def, mon(10, 0), 8 * time.Hour, tue(9, 0), mon(18, 0)},
		{"into the next day", def, mon(10, 0), 10 * time.Hour, tue(11, 0), tue(11, 0)},
		{"three weeks", def, mon(9, 0), 3*45*time.Hour + time.Hour, day(22, 10, 0), day(22, 10, 0)},
		{"round the clock", allDay, sat(23, 30), time.Hour, day(7, 0, 30), day(7, 0, 30)},
		{"one working day a week", mondays, tue(10, 0), 10 * time.Hour, day(15, 10, 0), day(15, 10, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r.Due(tc.from, tc.d); !got.Equal(tc.due) {
				t.Errorf("Due(%s, %s) = %s, want %s", tc.from.Format("Mon 15:04"), tc.d, got.Format("Mon 01-02 15:04"), tc.due.Format("Mon 01-02 15:04"))
			}
			if got := tc.r.Worked(tc.from, tc.workedAt); got != tc.d {
				t.Errorf("Worked(%s, %s) = %s, want %s", tc.from.Format("Mon 15:04"), tc.workedAt.Format("Mon 01-02 15:04"), got, tc.d)
			}
			if !tc.r.Working(tc.due) {
				t.Errorf("due at %s, outside working time", tc.due.Format("Mon 15:04"))
			}
		})
	}
	// Due and Worked agree everywhere: what is due after d has had d of working time.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		from := mon(0, 0).Add(time.Duration(rng.IntN(14*24*60)) * time.Minute)
		d := time.Duration(1+rng.IntN(200*60)) * time.Minute
		due := def.Due(from, d)
		if got := def.Worked(from, due); got != d || !def.Working(due) {
			t.Fatalf("from %s: Due(%s) = %s, which has worked %s (working: %v)", from, d, due, got, def.Working(due))
		}
	}
	if w := def.Worked(fri(18, 0), day(8, 9, 0)); w != 0 {
		t.Errorf("a weekend worked %s", w)
	}
	if Working := def.Working(sat(10, 0)); Working {
		t.Error("Saturday is working time")
	}
}

// The schedule's points: After, then every Every, and EscalateAfter, each counted once.
func TestReminderSchedule(t *testing.T) {
	def := DefaultReminders() // 2h, every 4h, escalated at 10h: on the schedule
	off := def
	off.EscalateAfter = 8 * time.Hour // between two reminders: a point of its own
	early := def
	early.EscalateAfter = time.Hour // before the first reminder
	h := func(n float64) time.Duration { return time.Duration(n * float64(time.Hour)) }
	for _, tc := range []struct {
		r      Reminders
		worked time.Duration
		n      int
		at     time.Duration
	}{
		{def, h(1.99), 0, 0}, {def, h(2), 1, h(2)}, {def, h(5.9), 1, h(2)}, {def, h(6), 2, h(6)},
		{def, h(10), 3, h(10)}, {def, h(13), 3, h(10)}, {def, h(14), 4, h(14)},
		{off, h(7), 2, h(6)}, {off, h(8), 3, h(8)}, {off, h(9), 3, h(8)}, {off, h(10), 4, h(10)},
		{early, h(0.5), 0, 0}, {early, h(1), 1, h(1)}, {early, h(2), 2, h(2)},
	} {
		if n, at := tc.r.due(tc.worked); n != tc.n || at != tc.at {
			t.Errorf("escalate after %s, worked %s: %d reminders due, the newest at %s; want %d at %s",
				tc.r.EscalateAfter, tc.worked, n, at, tc.n, tc.at)
		}
	}
}

// remindEnv is one ticket followed by oc_1 (who followed it: ou_1), the watcher on a clock
// the test moves, a recording platform and a policy the test sets.
type remindEnv struct {
	e     *watchEnv
	plat  *recPlatform
	clock *fakeClock
	pol   map[string]ChatPolicy
	w     *Watcher
}

func newRemindEnv(t *testing.T, start time.Time, r Reminders) *remindEnv {
	t.Helper()
	s := &remindEnv{e: newWatchEnv(t, 1, "oc_1"), plat: &recPlatform{}, clock: &fakeClock{t: start},
		pol: map[string]ChatPolicy{"oc_1": {Remind: &r, Admins: []string{"ou_admin"}}}}
	s.w = s.watcher()
	return s
}

// watcher is a watcher over the env's store: a second one is a restarted process.
func (s *remindEnv) watcher() *Watcher {
	return NewWatcher(WatchConfig{ChatInterval: map[string]time.Duration{"feishu": 0}, Location: shanghai, Now: s.clock.now},
		s.e.st, map[string]providers.Provider{"mem": s.e.prov}, map[string]Platform{"feishu": s.plat}, textPresenter{},
		func(_, chat string) ChatPolicy { return s.pol[chat] }, nil, quiet())
}

// status makes the vendor show the ticket in st, seen by a sweep at the clock's time.
func (s *remindEnv) status(t *testing.T, st providers.Status) {
	t.Helper()
	s.e.prov.set("1000", st)
	if err := s.w.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// at moves the clock and runs a turn of the watcher's loop: reminders, then delivery.
func (s *remindEnv) at(t *testing.T, when time.Time) {
	t.Helper()
	s.clock.set(when)
	s.w.reminders(context.Background())
	if err := s.w.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// through runs the loop every minute from the clock's time up to until.
func (s *remindEnv) through(t *testing.T, until time.Time) {
	t.Helper()
	for m := s.clock.now().Add(time.Minute); !m.After(until); m = m.Add(time.Minute) {
		s.at(t, m)
	}
}

// reminders are the reminders posted so far, as "chat: body".
func (s *remindEnv) reminders() []string {
	var out []string
	for _, c := range s.plat.all() {
		if strings.HasPrefix(c.body, "remind") {
			out = append(out, c.chat+": "+c.body)
		}
	}
	return out
}

// expect fails unless the reminders posted so far are want.
func (s *remindEnv) expect(t *testing.T, when string, want ...string) {
	t.Helper()
	if got := s.reminders(); !slices.Equal(got, want) {
		t.Fatalf("%s: reminders\n%q\nwant\n%q", when, got, want)
	}
}

// A ticket that starts waiting on us Monday 10:00 is reminded at 12:00, then every four
// working hours (16:00, Tuesday 11:00), each time @-mentioning the person who made the chat
// follow it, and at the third (10 working hours, a whole working day and more) also its
// admins. Nothing is posted between, nor at night.
func TestRemindersFollowTheSchedule(t *testing.T) {
	s := newRemindEnv(t, mon(10, 0), DefaultReminders())
	s.status(t, providers.StatusWaitingOnUs)
	s.through(t, mon(11, 59))
	s.expect(t, "Monday 11:59")
	s.through(t, mon(12, 0))
	first := "oc_1: remind mem:1000 #1 waiting_on_us @ou_1"
	s.expect(t, "Monday 12:00", first)
	s.through(t, mon(15, 59))
	s.expect(t, "Monday 15:59", first)
	s.through(t, mon(16, 0))
	second := "oc_1: remind mem:1000 #2 waiting_on_us @ou_1"
	s.expect(t, "Monday 16:00", first, second)
	s.at(t, mon(23, 0))
	s.at(t, tue(3, 0))
	s.through(t, tue(10, 59))
	s.expect(t, "Tuesday 10:59", first, second)
	s.through(t, tue(11, 0))
	s.expect(t, "Tuesday 11:00", first, second, "oc_1: remind mem:1000 #3 waiting_on_us @ou_1 escalated after 10h0m0s to [ou_admin]")
}

// A wait that begins Friday 17:30 is first reminded Monday 10:30: the weekend is no working
// time, and nothing is posted in it.
func TestRemindersSkipTheWeekend(t *testing.T) {
	s := newRemindEnv(t, fri(17, 30), DefaultReminders())
	s.status(t, providers.StatusPendingConfirm)
	for _, at := range []time.Time{fri(18, 0), fri(19, 30), sat(10, 0), sat(12, 0), day(7, 10, 0), day(8, 9, 0), day(8, 10, 29)} {
		s.at(t, at)
	}
	s.expect(t, "before Monday 10:30")
	s.at(t, day(8, 10, 30))
	s.expect(t, "Monday 10:30", "oc_1: remind mem:1000 #1 resolved_pending_confirm @ou_1")
}

// Reminders stop the moment the ticket changes state, and a reminder owed before the change
// (held by quiet hours) is dropped unsent. Waiting again starts a new schedule.
func TestRemindersStopWhenTheTicketChanges(t *testing.T) {
	r := DefaultReminders()
	s := newRemindEnv(t, mon(9, 0), r)
	s.pol["oc_1"] = ChatPolicy{Remind: &r, Quiet: &Window{From: 10*time.Hour + 30*time.Minute, To: 12 * time.Hour}}
	s.status(t, providers.StatusWaitingOnUs)
	s.through(t, mon(11, 0)) // due, held by quiet hours
	s.expect(t, "in quiet hours")
	s.clock.set(mon(11, 30))
	s.status(t, providers.StatusInProgress) // the vendor took it back
	s.through(t, mon(18, 0))
	s.expect(t, "after the change")
	// Waiting again at 14:00 Tuesday: reminded two working hours later.
	s.at(t, tue(14, 0))
	s.status(t, providers.StatusWaitingOnUs)
	s.through(t, tue(16, 0))
	s.expect(t, "waiting again", "oc_1: remind mem:1000 #1 waiting_on_us @ou_1")
}

// Our side's answer (a reply through the bot) restarts the count: the reminder owed before it
// is dropped unsent, and the next comes two working hours after the answer.
func TestRemindersCountFromOurAnswer(t *testing.T) {
	r := DefaultReminders()
	s := newRemindEnv(t, mon(9, 0), r)
	s.pol["oc_1"] = ChatPolicy{Remind: &r, Quiet: &Window{From: 10*time.Hour + 30*time.Minute, To: 12 * time.Hour}}
	s.status(t, providers.StatusWaitingOnUs)
	s.through(t, mon(11, 0)) // due, held by quiet hours
	if err := s.w.tickets.Answered(context.Background(), "mem", "1000", mon(11, 15)); err != nil {
		t.Fatal(err)
	}
	s.through(t, mon(13, 14))
	s.expect(t, "before two hours after the answer")
	s.through(t, mon(13, 15))
	s.expect(t, "two hours after the answer", "oc_1: remind mem:1000 #1 waiting_on_us @ou_1")
}

// Quiet hours hold reminders; when they end only the newest of a ticket's pile is posted,
// once.
func TestQuietHoursHoldRemindersThenTheNewest(t *testing.T) {
	r := DefaultReminders()
	r.After, r.Every, r.EscalateAfter = time.Hour, time.Hour, 0
	s := newRemindEnv(t, mon(10, 0), r)
	s.pol["oc_1"] = ChatPolicy{Remind: &r, Quiet: &Window{From: 11*time.Hour + 30*time.Minute, To: 13*time.Hour + 30*time.Minute}}
	s.status(t, providers.StatusWaitingOnUs)
	s.through(t, mon(11, 0))
	s.expect(t, "11:00", "oc_1: remind mem:1000 #1 waiting_on_us @ou_1")
	s.through(t, mon(13, 29)) // #2 at 12:00 and #3 at 13:00 held
	s.expect(t, "in quiet hours", "oc_1: remind mem:1000 #1 waiting_on_us @ou_1")
	s.through(t, mon(13, 59))
	s.expect(t, "when quiet hours end", "oc_1: remind mem:1000 #1 waiting_on_us @ou_1", "oc_1: remind mem:1000 #3 waiting_on_us @ou_1")
	s.through(t, mon(14, 0))
	s.expect(t, "14:00", "oc_1: remind mem:1000 #1 waiting_on_us @ou_1", "oc_1: remind mem:1000 #3 waiting_on_us @ou_1",
		"oc_1: remind mem:1000 #4 waiting_on_us @ou_1")
	pending, err := s.e.st.PendingNotices(context.Background(), mon(14, 0), 100)
	if err != nil || len(pending) != 0 {
		t.Errorf("left pending: %v %v", pending, err)
	}
}

// Escalation: from escalate_after on, a reminder also @-mentions the chat's admins, and the
// escalation chat is told once, whatever the reminders after it.
func TestEscalationMentionsAdminsAndPostsOnce(t *testing.T) {
	r := DefaultReminders()
	r.EscalateAfter, r.EscalatePlatform, r.EscalateChat = 3*time.Hour, "feishu", "oc_esc"
	s := newRemindEnv(t, mon(10, 0), r)
	s.pol["oc_esc"] = ChatPolicy{Admins: []string{"ou_boss"}}
	s.status(t, providers.StatusWaitingOnUs)
	s.through(t, tue(11, 0))
	var inChat, escalated []string
	for _, r := range s.reminders() {
		if strings.HasPrefix(r, "oc_esc:") {
			escalated = append(escalated, r)
		} else {
			inChat = append(inChat, r)
		}
	}
	if want := []string{
		"oc_1: remind mem:1000 #1 waiting_on_us @ou_1",                                                                     // 12:00
		"oc_1: remind mem:1000 #2 waiting_on_us @ou_1 escalated after 3h0m0s to [ou_admin]",                                // 13:00
		"oc_1: remind mem:1000 #3 waiting_on_us @ou_1 escalated after 3h0m0s to [ou_admin]",                                // 16:00
		"oc_1: remind mem:1000 #4 waiting_on_us @ou_1 escalated after 3h0m0s to [ou_admin]"}; !slices.Equal(inChat, want) { // Tuesday 11:00
		t.Errorf("in the chat:\n%q\nwant\n%q", inChat, want)
	}
	if want := []string{"oc_esc: remind mem:1000 #2 waiting_on_us @ escalated after 3h0m0s to [ou_boss] from feishu/oc_1"}; !slices.Equal(escalated, want) {
		t.Errorf("in the escalation chat:\n%q\nwant\n%q", escalated, want)
	}
	var keys []string
	for _, c := range s.plat.of("send") {
		if c.chat == "oc_esc" {
			keys = append(keys, c.key)
		}
	}
	if want := fmt.Sprintf("notice:escalate:feishu/oc_esc:mem:1000:%d", mon(10, 0).Unix()); !slices.Equal(keys, []string{want}) {
		t.Errorf("the escalation's send keys %q, want %q", keys, want)
	}
}

// Each reminder is recorded once across a restart: a second watcher on the same store (a
// restarted process, or the replica that takes over) posts nothing already posted.
func TestRemindersOnceAcrossARestart(t *testing.T) {
	r := DefaultReminders()
	r.EscalatePlatform, r.EscalateChat = "feishu", "oc_esc"
	s := newRemindEnv(t, mon(9, 0), r)
	s.status(t, providers.StatusWaitingOnUs)
	s.through(t, tue(10, 0))
	before := s.reminders()
	if len(before) != 4 { // 11:00, 15:00, Tuesday 10:00 escalated, and its escalation post
		t.Fatalf("before the restart: %q", before)
	}
	s.w = s.watcher()
	s.at(t, tue(10, 0))
	s.at(t, tue(10, 1))
	s.expect(t, "after the restart", before...)
	s.through(t, tue(14, 0))
	if got := s.reminders(); len(got) != 5 || !strings.Contains(got[4], "#4") {
		t.Errorf("the next one after the restart: %q", got)
	}
}

// A reminder due while no watcher ran is posted when one runs again within a day; one found
// later is skipped (the next comes on schedule), so a reminder whose key the outbox forgot is
// never posted twice.
func TestRemindersMissedLongAgoAreSkipped(t *testing.T) {
	s := newRemindEnv(t, mon(10, 0), DefaultReminders())
	s.status(t, providers.StatusWaitingOnUs)
	s.at(t, mon(13, 0)) // down from 10:00 to 13:00: #1 (12:00) caught up
	s.expect(t, "an hour late", "oc_1: remind mem:1000 #1 waiting_on_us @ou_1")
	// Down again until the next Monday: the newest due, #11 (42 working hours, Friday 16:00),
	// is days late and skipped; #12 (46 working hours) comes at 11:00.
	s.at(t, day(8, 10, 59))
	s.expect(t, "days late", "oc_1: remind mem:1000 #1 waiting_on_us @ou_1")
	s.at(t, day(8, 11, 0))
	s.expect(t, "on schedule again", "oc_1: remind mem:1000 #1 waiting_on_us @ou_1",
		"oc_1: remind mem:1000 #12 waiting_on_us @ou_1 escalated after 10h0m0s to [ou_admin]")
}

// No reminder where they are off, where the chat no longer follows the ticket (one owed is
// dropped), or for a ticket that waits on the vendor.
func TestRemindersOffUnfollowedOrNotWaiting(t *testing.T) {
	t.Run("off", func(t *testing.T) {
		s := newRemindEnv(t, mon(10, 0), DefaultReminders())
		s.pol["oc_1"] = ChatPolicy{}
		s.status(t, providers.StatusWaitingOnUs)
		s.through(t, mon(18, 0))
		s.expect(t, "off")
	})
	t.Run("unfollowed", func(t *testing.T) {
		r := DefaultReminders()
		s := newRemindEnv(t, mon(9, 0), r)
		s.pol["oc_1"] = ChatPolicy{Remind: &r, Quiet: &Window{From: 10*time.Hour + 30*time.Minute, To: 12 * time.Hour}}
		s.status(t, providers.StatusWaitingOnUs)
		s.through(t, mon(11, 0)) // due, held
		if _, err := s.e.st.Unfollow(context.Background(), "feishu", "oc_1", "mem", "1000"); err != nil {
			t.Fatal(err)
		}
		s.through(t, mon(18, 0))
		s.expect(t, "unfollowed")
		pending, err := s.e.st.PendingNotices(context.Background(), mon(18, 0), 100)
		if err != nil || len(pending) != 0 {
			t.Errorf("left pending: %v %v", pending, err)
		}
	})
	t.Run("waiting on the vendor", func(t *testing.T) {
		s := newRemindEnv(t, mon(10, 0), DefaultReminders())
		s.status(t, providers.StatusInProgress)
		s.through(t, mon(18, 0))
		s.expect(t, "in progress")
	})
}

// Since when a ticket waits: its newest change of state (the state it is in), or our newest
// answer if later; the last update when the timeline does not say.
func TestWaitingSince(t *testing.T) {
	st := store.TicketState{Status: "waiting_on_us", UpdatedAt: mon(15, 0)}
	ev := func(kind, status string, at time.Time) store.TicketEvent {
		return store.TicketEvent{Kind: kind, Status: status, At: at}
	}
	for _, tc := range []struct {
		name           string
		evs            []store.TicketEvent
		entered, since time.Time
	}{
		{"entered", []store.TicketEvent{ev(store.EventSeen, "open", mon(9, 0)), ev(store.EventStatus, "waiting_on_us", mon(10, 0))}, mon(10, 0), mon(10, 0)},
		{"answered since", []store.TicketEvent{ev(store.EventStatus, "waiting_on_us", mon(10, 0)), ev(store.EventAnswered, "", mon(11, 0)),
			ev(store.EventReply, "", mon(12, 0))}, mon(10, 0), mon(11, 0)},
		{"answered before", []store.TicketEvent{ev(store.EventAnswered, "", mon(9, 0)), ev(store.EventStatus, "waiting_on_us", mon(10, 0))}, mon(10, 0), mon(10, 0)},
		{"first seen waiting", []store.TicketEvent{ev(store.EventSeen, "waiting_on_us", mon(8, 0))}, mon(8, 0), mon(8, 0)},
		{"no timeline", nil, mon(15, 0), mon(15, 0)},
		{"the timeline is behind", []store.TicketEvent{ev(store.EventSeen, "in_progress", mon(8, 0))}, mon(15, 0), mon(15, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			entered, since := waitingSince(st, tc.evs)
			if !entered.Equal(tc.entered) || !since.Equal(tc.since) {
				t.Errorf("entered %s since %s, want %s and %s", entered, since, tc.entered, tc.since)
			}
		})
	}
}

// The reminder's key: the chat, the ticket, the start of the wait and its number.
func TestReminderKey(t *testing.T) {
	s := newRemindEnv(t, mon(10, 0), DefaultReminders())
	s.status(t, providers.StatusWaitingOnUs)
	s.through(t, mon(12, 0))
	want := fmt.Sprintf("notice:remind:feishu/oc_1:mem:1000:%d:1", mon(10, 0).Unix())
	var keys []string
	for _, c := range s.plat.of("send") {
		if strings.HasPrefix(c.body, "remind") {
			keys = append(keys, c.key)
		}
	}
	if !slices.Equal(keys, []string{want}) {
		t.Errorf("keys %q, want %q", keys, want)
	}
}
