// Package report computes the weekly figures of a chat's tickets (or of all of them) from
// what the store keeps: each ticket's snapshot (the vendor's creation time) and its timeline
// (store.TicketEvent: when the bot first saw it, each change of its state, the vendor's
// first reply). The chat's 周报, the weekly post and `ticketbot report` all show these.
package report

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/tickets"
)

// MaxWaiting is how many of the tickets waiting on us the figures list, longest first.
const MaxWaiting = 5

// Source is what the figures are read from (the store).
type Source interface {
	// TicketsIn lists the tickets a chat follows, every ticket when platform is "".
	TicketsIn(ctx context.Context, platform, chatID string) ([]store.TicketState, error)
	// TimelineIn lists their timeline events recorded before until.
	TimelineIn(ctx context.Context, platform, chatID string, until time.Time) ([]store.TicketEvent, error)
}

// Figures are one window's figures, per vendor and in total.
type Figures struct {
	// Since and Until bound the window: from Since, up to and not including Until.
	Since, Until time.Time
	// Vendors are those with anything to show, by name.
	Vendors []Vendor
	// Total is every vendor's together (its Name is "").
	Total Vendor
	// Waiting are the tickets waiting on us at Until, longest first, at most MaxWaiting.
	Waiting []Waiting
}

// Vendor is one vendor's figures (or the total's).
type Vendor struct {
	Name string
	// Opened counts the tickets the vendor created in the window (its own creation time).
	Opened int
	// Closed counts the tickets closed or cancelled at Until that reached that state in the
	// window: a ticket reopened and closed again counts once, at its last close; one the bot
	// first saw closed does not count (it closed before the bot knew when).
	Closed int
	// FirstReply is the time from creation to the vendor's first reply, over the tickets
	// whose first reply came in the window; a ticket the bot first saw in a conversation
	// already has no first reply it knows the time of.
	FirstReply Spread
	// Close is the time from creation to close, over the closed tickets (Closed).
	Close Spread
	// Waiting counts the tickets waiting on us at Until.
	Waiting int
}

// Spread is the middle and the 90th percentile of N durations; zero when N is 0.
type Spread struct {
	N int
	// Median is the middle duration, the mean of the two middle ones when N is even.
	Median time.Duration
	// P90 is the nearest-rank 90th percentile: the shortest duration that at least 90 % of
	// them do not exceed.
	P90 time.Duration
}

// Waiting is a ticket waiting on us at the window's end, and since when: since it reached
// waiting_on_us, or since the bot first saw it when it was waiting already then.
type Waiting struct {
	Ticket providers.Ticket
	Since  time.Time
	For    time.Duration
}

// Empty reports whether the window has nothing to show: no ticket opened, closed, answered
// or waiting on us.
func (f Figures) Empty() bool {
	t := f.Total
	return t.Opened == 0 && t.Closed == 0 && t.FirstReply.N == 0 && t.Waiting == 0
}

// Week is the window of a weekly report that ends at until: the seven days before it (in
// until's zone, so a change of clocks keeps the local times).
func Week(until time.Time) (since time.Time) { return until.AddDate(0, 0, -7) }

// Load reads the tickets a chat follows (every ticket when platform is "") and computes
// their figures from since up to until.
func Load(ctx context.Context, src Source, platform, chatID string, since, until time.Time) (Figures, error) {
	states, err := src.TicketsIn(ctx, platform, chatID)
	if err != nil {
		return Figures{}, err
	}
	events, err := src.TimelineIn(ctx, platform, chatID, until)
	if err != nil {
		return Figures{}, err
	}
	return Compute(states, events, since, until), nil
}

// tally gathers one vendor's durations before they are summed up.
type tally struct {
	v             Vendor
	replies, done []time.Duration
}

// Compute is the figures of the tickets states from since up to until, from their timeline
// events (of any order; each ticket's are taken by Seq). Events of other tickets, and those
// at or after until, are left out.
func Compute(states []store.TicketState, events []store.TicketEvent, since, until time.Time) Figures {
	type key struct{ provider, id string }
	byTicket := map[key][]store.TicketEvent{}
	for _, e := range events {
		k := key{e.Provider, e.TicketID}
		byTicket[k] = append(byTicket[k], e)
	}
	in := func(t time.Time) bool { return !t.IsZero() && !t.Before(since) && t.Before(until) }
	vendors := map[string]*tally{}
	total := &tally{}
	var waiting []Waiting
	for _, st := range states {
		t, ok := tickets.Decode(st)
		if !ok {
			t = providers.Ticket{}
		}
		t.Provider, t.ID = st.Provider, st.TicketID
		tl := walk(byTicket[key{st.Provider, st.TicketID}], until)
		v := vendors[st.Provider]
		if v == nil {
			v = &tally{v: Vendor{Name: st.Provider}}
			vendors[st.Provider] = v
		}
		created := t.CreatedAt
		for _, x := range []*tally{v, total} {
			if in(created) {
				x.v.Opened++
			}
			if in(tl.reply) && !created.IsZero() {
				x.replies = append(x.replies, max(0, tl.reply.Sub(created)))
			}
			if tl.state.Terminal() && in(tl.closed) {
				x.v.Closed++
				if !created.IsZero() {
					x.done = append(x.done, max(0, tl.closed.Sub(created)))
				}
			}
			if tl.state == providers.StatusWaitingOnUs && !tl.waiting.IsZero() {
				x.v.Waiting++
			}
		}
		if tl.state == providers.StatusWaitingOnUs && !tl.waiting.IsZero() {
			waiting = append(waiting, Waiting{Ticket: t, Since: tl.waiting, For: until.Sub(tl.waiting)})
		}
	}
	f := Figures{Since: since, Until: until, Total: total.sum()}
	for _, name := range sortedKeys(vendors) {
		if v := vendors[name].sum(); v.Opened+v.Closed+v.FirstReply.N+v.Waiting > 0 {
			f.Vendors = append(f.Vendors, v)
		}
	}
	slices.SortFunc(waiting, func(a, b Waiting) int {
		return cmp.Or(cmp.Compare(b.For, a.For), cmp.Compare(a.Ticket.Provider, b.Ticket.Provider), cmp.Compare(a.Ticket.ID, b.Ticket.ID))
	})
	f.Waiting = waiting[:min(len(waiting), MaxWaiting)]
	return f
}

func (x *tally) sum() Vendor {
	v := x.v
	v.FirstReply, v.Close = spread(x.replies), spread(x.done)
	return v
}

func sortedKeys(m map[string]*tally) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// spread is the median and nearest-rank 90th percentile of ds.
func spread(ds []time.Duration) Spread {
	n := len(ds)
	if n == 0 {
		return Spread{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	median := s[n/2]
	if n%2 == 0 {
		median = s[n/2-1] + (s[n/2]-s[n/2-1])/2
	}
	// The nearest rank of the 90th percentile is ⌈0.9 n⌉ (1-based).
	return Spread{N: n, Median: median, P90: s[(9*n+9)/10-1]}
}

// course is what a ticket's timeline says at a window's end.
type course struct {
	state providers.Status
	// closed is when the ticket last became closed or cancelled (zero: not closed, or closed
	// before the bot first saw it); waiting since when it waits on us (zero: it does not).
	closed, waiting time.Time
	// reply is the vendor's first reply (zero: none, or of a time not known).
	reply time.Time
}

// walk reads a ticket's timeline up to until, in the order it was recorded.
func walk(evs []store.TicketEvent, until time.Time) course {
	evs = slices.Clone(evs)
	slices.SortStableFunc(evs, func(a, b store.TicketEvent) int { return cmp.Compare(a.Seq, b.Seq) })
	var c course
	seen, replied := false, false
	for _, e := range evs {
		if e.Kind == store.EventReply {
			if !replied && e.At.Before(until) {
				c.reply, replied = e.At, true
			}
			continue
		}
		if e.Kind != store.EventSeen && e.Kind != store.EventStatus || !e.At.Before(until) {
			continue
		}
		to := providers.Status(e.Status)
		if e.Kind == store.EventSeen && !seen {
			// The state it was in when first seen, since a time the bot does not know: a
			// close before then is not timed; a wait is counted from then.
			c = course{state: to, reply: c.reply}
			if to == providers.StatusWaitingOnUs {
				c.waiting = e.At
			}
			seen = true
			continue
		}
		seen = true
		switch {
		case to.Terminal() && !c.state.Terminal():
			c.closed = e.At
		case !to.Terminal():
			c.closed = time.Time{}
		}
		switch {
		case to == providers.StatusWaitingOnUs && c.state != providers.StatusWaitingOnUs:
			c.waiting = e.At
		case to != providers.StatusWaitingOnUs:
			c.waiting = time.Time{}
		}
		c.state = to
	}
	return c
}
