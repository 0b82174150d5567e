package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/tickets"
)

// Reminders: a ticket that waits on us (the vendor needs our information, or our
// confirmation) is announced again on a schedule in every chat that follows it, each time
// @-mentioning whoever looks after it there, and after a while escalated to the chat's admins
// and, once, into an escalation chat. The schedule counts working time only, from when the
// ticket began to wait or our side last answered it, whichever is later; a change of the
// ticket or an answer makes the reminders owed before it stale, and they are dropped unsent.

// The outbox kinds of reminders: one in the chat that follows the ticket, and the one post
// in an escalation chat.
const (
	kindRemind   = "remind"
	kindEscalate = "escalate"
)

// waitingStates are the states in which a ticket waits on us.
var waitingStates = []string{string(providers.StatusWaitingOnUs), string(providers.StatusPendingConfirm)}

// catchUp bounds how late a reminder is still recorded: one due while no replica watched is
// posted if the watcher finds it within a day of its time, else skipped (the next comes on
// schedule). The outbox keeps a sent reminder's key at least a day ([retention] notices), so
// a reminder is never recorded again after its key was forgotten.
const catchUp = 24 * time.Hour

// Reminders is a chat's reminder schedule ([bot.reminders], [[chats]]); a nil
// ChatPolicy.Remind sends none.
type Reminders struct {
	// After is the working time a ticket waits on us before its first reminder, Every the
	// working time between the reminders after it.
	After, Every time.Duration
	// EscalateAfter is the working time waited from which a reminder also @-mentions the
	// chat's admins, and the escalation chat is told once; 0 never escalates.
	EscalateAfter time.Duration
	// Hours is the working day (From before To) on the working Days (by time.Weekday), in
	// the watcher's zone: only working time counts, and reminders are recorded only in it.
	Hours Window
	Days  [7]bool
	// EscalatePlatform and EscalateChat are the chat an escalation is posted into ("" for
	// none).
	EscalatePlatform, EscalateChat string
}

// DefaultReminders is the schedule when the configuration says nothing: first after 2 working
// hours, then every 4, escalated at 10 (the third reminder, once a whole working day has
// passed), in working hours 09:00–18:00, Monday to Friday.
func DefaultReminders() Reminders {
	return Reminders{After: 2 * time.Hour, Every: 4 * time.Hour, EscalateAfter: 10 * time.Hour,
		Hours: Window{From: 9 * time.Hour, To: 18 * time.Hour},
		Days:  [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}}
}

// window is the working window of t's day, in t's zone; ok is false on a day off.
func (r Reminders) window(t time.Time) (from, to time.Time, ok bool) {
	if !r.Days[t.Weekday()] || r.Hours.To <= r.Hours.From {
		return time.Time{}, time.Time{}, false
	}
	return clockOn(t, r.Hours.From), clockOn(t, r.Hours.To), true
}

// clockOn is the time of day off (from midnight, to the minute) on t's day, in t's zone.
// time.Date normalizes 24:00 to the next midnight.
func clockOn(t time.Time, off time.Duration) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, int(off/time.Hour), int(off%time.Hour/time.Minute), 0, 0, t.Location())
}

// nextDay is the midnight after t's day.
func nextDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, t.Location())
}

// weekly is the working time of a whole week.
func (r Reminders) weekly() time.Duration {
	if r.Hours.To <= r.Hours.From {
		return 0
	}
	var w time.Duration
	for _, on := range r.Days {
		if on {
			w += r.Hours.To - r.Hours.From
		}
	}
	return w
}

const week = 7 * 24 * time.Hour

// Working reports whether t is working time (t in the watcher's zone).
func (r Reminders) Working(t time.Time) bool {
	from, to, ok := r.window(t)
	return ok && !t.Before(from) && t.Before(to)
}

// Worked is the working time between from and to, in from's zone.
func (r Reminders) Worked(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	to = to.In(from.Location())
	var sum time.Duration
	for day := from; day.Before(to); {
		if lo, hi, ok := r.window(day); ok {
			lo, hi = later(lo, from), earlier(hi, to)
			if hi.After(lo) {
				sum += hi.Sub(lo)
			}
		}
		day = nextDay(day)
		// A long wait: its whole weeks at once.
		if weeks := int(to.Sub(day)/week) - 1; weeks > 0 {
			sum += time.Duration(weeks) * r.weekly()
			day = day.AddDate(0, 0, 7*weeks)
		}
	}
	return sum
}

// Due is the first instant in working time at which d of working time has passed since
// from (in from's zone): an amount that ends with a working day is due when the next one
// begins. The zero time when the schedule has no working time at all.
func (r Reminders) Due(from time.Time, d time.Duration) time.Time {
	w := r.weekly()
	if w <= 0 {
		return time.Time{}
	}
	for day := from; ; {
		if lo, hi, ok := r.window(day); ok {
			lo = later(lo, from)
			if avail := hi.Sub(lo); avail > 0 {
				if d < avail {
					return lo.Add(d)
				}
				d -= avail
			}
		}
		day = nextDay(day)
		if weeks := int(d/w) - 1; weeks > 0 {
			d -= time.Duration(weeks) * w
			day = day.AddDate(0, 0, 7*weeks)
		}
	}
}

// due is how many reminders are due once worked working time has passed (the schedule's
// points After, After+Every, … and EscalateAfter, each counted once), and the working time
// the newest of them was due at.
func (r Reminders) due(worked time.Duration) (n int, at time.Duration) {
	if r.Every <= 0 {
		return 0, 0
	}
	if worked >= r.After {
		k := (worked - r.After) / r.Every
		n, at = int(k)+1, r.After+k*r.Every
	}
	if e := r.EscalateAfter; e > 0 && worked >= e && (e < r.After || (e-r.After)%r.Every != 0) {
		n, at = n+1, max(at, e)
	}
	return n, at
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// ReminderView is a reminder of a ticket that waits on us, as the Presenter draws it.
type ReminderView struct {
	Ticket providers.Ticket
	// Since is when the reminders count from: when the ticket began to wait on us, or our
	// side's last answer after that. Entered is when it entered the state it is in (a
	// vendor's own countdown to closing it counts from then).
	Since, Entered time.Time
	// N is the how-manieth reminder of this wait (1 for the first).
	N int
	// Escalated says the ticket has waited EscalateAfter of working time or longer.
	Escalated     bool
	EscalateAfter time.Duration
	// Mention is the platform user id to @: who opened the ticket through the bot or made
	// the chat follow it ("" for nobody known); the Presenter prefers the ticket's owner in
	// the chat.
	Mention string
	// Admins are the platform user ids to @ as well when escalated: the chat's admins (in
	// an escalation chat, its own).
	Admins []string
	// FromPlatform and FromChat name the chat the ticket waits in, when this is the post in
	// an escalation chat; "" in that chat itself.
	FromPlatform, FromChat string
}

// remindPayload is what a reminder's notice carries: what it was due for, so that it is
// dropped when the ticket has moved on since.
type remindPayload struct {
	Status        providers.Status `json:"status"`
	Since         time.Time        `json:"since"`
	N             int              `json:"n"`
	Escalated     bool             `json:"escalated,omitempty"`
	EscalateAfter time.Duration    `json:"escalate_after,omitempty"`
	Mention       string           `json:"mention,omitempty"`
	FromPlatform  string           `json:"from_platform,omitempty"`
	FromChat      string           `json:"from_chat,omitempty"`
}

// waitingSince reads a ticket's timeline (in recorded order): when it entered the state it
// is in (its newest change of state, or when first seen), and since when its reminders count:
// that, or our side's newest answer if later. A timeline that does not say (a ticket stored
// before timelines were kept, or whose newest change is not to its state now) counts from
// the ticket's last update.
func waitingSince(st store.TicketState, evs []store.TicketEvent) (entered, since time.Time) {
	var answered time.Time
	ok := false
	for _, e := range evs {
		switch e.Kind {
		case store.EventSeen, store.EventStatus:
			entered, ok = e.At, e.Status == st.Status && !e.At.IsZero()
		case store.EventAnswered:
			answered = later(answered, e.At)
		}
	}
	if !ok {
		entered = st.UpdatedAt
	}
	return entered, later(entered, answered)
}

// reminders records the reminders that have come due, once a minute: per ticket that waits
// on us, per chat that follows it with reminders on, the newest one due, keyed by chat,
// ticket, the start of the wait and its number, so each is recorded once across restarts and
// replicas; and, when the wait reaches the escalation, the one post into the escalation chat,
// keyed by that chat, the ticket and the wait. Only in the chat's working time.
func (w *Watcher) reminders(ctx context.Context) {
	now := w.now().In(w.cfg.Location)
	minute := now.Truncate(time.Minute)
	if minute.Equal(w.remindChecked) {
		return
	}
	w.remindChecked = minute
	states, err := w.store.TicketsWithStatus(ctx, waitingStates...)
	if err != nil {
		w.log.Error("reminders", "err", err)
		return
	}
	for _, st := range states {
		if tickets.ActionOpen(st, now) {
			continue // the bot is acting on it right now
		}
		fs, err := w.store.Followers(ctx, st.Provider, st.TicketID)
		if err != nil {
			w.log.Error("reminders: followers", "provider", st.Provider, "ticket_id", st.TicketID, "err", err)
			continue
		}
		if len(fs) == 0 {
			continue
		}
		evs, err := w.store.TimelineOf(ctx, st.Provider, st.TicketID)
		if err != nil {
			w.log.Error("reminders: timeline", "provider", st.Provider, "ticket_id", st.TicketID, "err", err)
			continue
		}
		_, since := waitingSince(st, evs)
		for _, f := range fs {
			w.remind(ctx, st, f, since.In(w.cfg.Location), now)
		}
	}
}

// remind records what one chat is owed of one waiting ticket now.
func (w *Watcher) remind(ctx context.Context, st store.TicketState, f store.Follow, since, now time.Time) {
	r := w.policy(f.Platform, f.ChatID).Remind
	if _, ok := w.platforms[f.Platform]; r == nil || !ok || !r.Working(now) {
		return
	}
	worked := r.Worked(since, now)
	n, at := r.due(worked)
	if n == 0 || now.Sub(r.Due(since, at)) >= catchUp {
		return
	}
	pl := remindPayload{Status: providers.Status(st.Status), Since: since, N: n, Mention: requester(st.CreatorUserID, f)}
	if r.EscalateAfter > 0 && worked >= r.EscalateAfter {
		pl.Escalated, pl.EscalateAfter = true, r.EscalateAfter
	}
	b, _ := json.Marshal(pl)
	w.schedule(ctx, store.Notice{ID: fmt.Sprintf("%s:%s/%s:%s:%s:%d:%d", kindRemind, f.Platform, f.ChatID, st.Provider, st.TicketID, since.Unix(), n),
		Platform: f.Platform, ChatID: f.ChatID, Provider: st.Provider, TicketID: st.TicketID, Kind: kindRemind, Payload: b, CreatedAt: w.now()})
	if !pl.Escalated || r.EscalateChat == "" || now.Sub(r.Due(since, r.EscalateAfter)) >= catchUp {
		return
	}
	if _, ok := w.platforms[r.EscalatePlatform]; !ok {
		return // a platform this process does not run
	}
	pl.FromPlatform, pl.FromChat, pl.Mention = f.Platform, f.ChatID, ""
	b, _ = json.Marshal(pl)
	w.schedule(ctx, store.Notice{ID: fmt.Sprintf("%s:%s/%s:%s:%s:%d", kindEscalate, r.EscalatePlatform, r.EscalateChat, st.Provider, st.TicketID, since.Unix()),
		Platform: r.EscalatePlatform, ChatID: r.EscalateChat, Provider: st.Provider, TicketID: st.TicketID, Kind: kindEscalate, Payload: b, CreatedAt: w.now()})
}

// reminderSteps plans a chat's pending reminders: one post per ticket (and one per escalated
// ticket in an escalation chat), the newest of its pending ones.
func (w *Watcher) reminderSteps(p Platform, chat string, ns []store.Notice, now time.Time) []step {
	byTicket := map[string][]store.Notice{}
	var order []string
	for _, n := range ns {
		k := n.Kind + ":" + n.Provider + ":" + n.TicketID
		if _, ok := byTicket[k]; !ok {
			order = append(order, k)
		}
		byTicket[k] = append(byTicket[k], n)
	}
	steps := make([]step, 0, len(order))
	for _, k := range order {
		group := byTicket[k]
		steps = append(steps, func(ctx context.Context) bool { return w.postReminder(ctx, p, chat, group, now) })
	}
	return steps
}

// postReminder posts the newest of one ticket's pending reminders in a chat and settles the
// others with it: a pile held by quiet hours is one post. A reminder whose ticket has moved
// on (another state, an answer since, no longer followed there, reminders turned off) is
// settled unsent. It reports whether the chat's slot was used.
func (w *Watcher) postReminder(ctx context.Context, p Platform, chat string, ns []store.Notice, now time.Time) bool {
	newest, pl := ns[0], remindPayload{}
	ids := make([]string, 0, len(ns))
	for _, n := range ns {
		ids = append(ids, n.ID)
		var x remindPayload
		if err := json.Unmarshal(n.Payload, &x); err != nil {
			continue
		}
		if x.Since.After(pl.Since) || x.Since.Equal(pl.Since) && x.N >= pl.N {
			newest, pl = n, x
		}
	}
	settle := func() {
		if err := w.store.MarkNoticesSent(ctx, ids, w.now()); err != nil {
			w.log.Error("mark reminders sent", "platform", p.Name(), "chat_id", chat, "err", err)
		}
	}
	st, err := w.store.Ticket(ctx, newest.Provider, newest.TicketID)
	if errors.Is(err, store.ErrNotFound) {
		settle()
		return false
	}
	if err != nil || tickets.ActionOpen(st, now) {
		return false // tried again with the next delivery
	}
	evs, err := w.store.TimelineOf(ctx, st.Provider, st.TicketID)
	if err != nil {
		w.log.Error("reminder: timeline", "provider", st.Provider, "ticket_id", st.TicketID, "err", err)
		return false
	}
	entered, since := waitingSince(st, evs)
	from, fromChat := p.Name(), chat
	if newest.Kind == kindEscalate {
		from, fromChat = pl.FromPlatform, pl.FromChat
	}
	following, err := w.follows(ctx, st, from, fromChat)
	if err != nil {
		w.log.Error("reminder: followers", "provider", st.Provider, "ticket_id", st.TicketID, "err", err)
		return false
	}
	if st.Status != string(pl.Status) || !since.Equal(pl.Since) || !following || w.policy(from, fromChat).Remind == nil {
		w.log.Debug("reminder dropped: the ticket moved on", "platform", p.Name(), "chat_id", chat, "provider", st.Provider, "ticket_id", st.TicketID)
		settle()
		return false
	}
	t, ok := tickets.Decode(st)
	if !ok {
		t = providers.Ticket{Provider: st.Provider, ID: st.TicketID, Status: providers.Status(st.Status)}
	}
	v := ReminderView{Ticket: t, Since: since, Entered: entered, N: pl.N, Escalated: pl.Escalated, EscalateAfter: pl.EscalateAfter,
		Mention: pl.Mention, FromPlatform: pl.FromPlatform, FromChat: pl.FromChat}
	if pl.Escalated {
		v.Admins = w.policy(p.Name(), chat).Admins
	}
	out, err := w.present.Reminder(ctx, p.Name(), chat, v)
	if err == nil {
		out.Key = "notice:" + newest.ID
		err = w.send(ctx, p, chat, []store.Notice{newest}, out)
	}
	if w.hold(p.Name(), chat, err) {
		return false
	}
	if err != nil {
		w.deferNotices(ctx, p.Name(), chat, ns, now, err)
		return true
	}
	settle()
	kind := "reminder"
	switch {
	case newest.Kind == kindEscalate:
		kind = "escalation"
	case pl.Escalated:
		kind = "escalated"
	}
	w.metrics.reminders.WithLabelValues(p.Name(), kind).Inc()
	return true
}

// follows reports whether the chat follows the ticket.
func (w *Watcher) follows(ctx context.Context, st store.TicketState, platform, chat string) (bool, error) {
	fs, err := w.store.Followers(ctx, st.Provider, st.TicketID)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(fs, func(f store.Follow) bool { return f.Platform == platform && f.ChatID == chat }), nil
}
