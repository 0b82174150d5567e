package report

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/tickets"
)

var shanghai = time.FixedZone("CST", 8*3600)

// day is 2026-11-dd hh:mm in Shanghai.
func day(dd, hh, mm int) time.Time { return time.Date(2026, 11, dd, hh, mm, 0, 0, shanghai) }

// The window of the tests: Monday 2026-11-23 09:30 up to Monday 2026-11-30 09:30.
var (
	since = day(23, 9, 30)
	until = day(30, 9, 30)
)

// history builds tickets and their timelines as the book records them.
type history struct {
	states []store.TicketState
	events []store.TicketEvent
	seq    map[string]int64
}

// ticket adds a ticket created at created (zero: the vendor gave no time), titled id.
func (h *history) ticket(provider, id string, created time.Time) *history {
	t := providers.Ticket{Provider: provider, ID: id, Title: "title " + id, CreatedAt: created}
	h.states = append(h.states, store.TicketState{Provider: provider, TicketID: id, Snapshot: tickets.Encode(t)})
	return h
}

func (h *history) event(provider, id, kind, status string, at time.Time) *history {
	if h.seq == nil {
		h.seq = map[string]int64{}
	}
	h.seq[provider+id]++
	h.events = append(h.events, store.TicketEvent{Provider: provider, TicketID: id, Seq: h.seq[provider+id], At: at, Kind: kind, Status: status})
	return h
}

func (h *history) seen(p, id string, st providers.Status, at time.Time) *history {
	return h.event(p, id, store.EventSeen, string(st), at)
}
func (h *history) to(p, id string, st providers.Status, at time.Time) *history {
	return h.event(p, id, store.EventStatus, string(st), at)
}
func (h *history) reply(p, id string, at time.Time) *history {
	return h.event(p, id, store.EventReply, "", at)
}

const (
	open    = providers.StatusOpen
	working = providers.StatusInProgress
	ours    = providers.StatusWaitingOnUs
	closed  = providers.StatusClosed
	gone    = providers.StatusCancelled
)

// A known week: every figure exact. The tickets, by vendor:
//
//	ksyun:1  opened Tue 10:00, answered after 1h, closed after 24h
//	ksyun:2  opened Wed 09:00, answered after 3h, waiting on us since Thu 10:00
//	ksyun:3  opened the week before (Fri 20th 10:30), answered Mon 10:30 (72h), closed Fri 10:30 (168h)
//	ksyun:4  opened Thu, no reply yet
//	ksyun:5  opened on the 10th, closed Tue, reopened Wed, closed again Sat 10:00 (18 days): counted once
//	ksyun:6  closed Tue, reopened Wed, open at the end: not closed
//	ksyun:7  closed Mon 30th 10:00, after the window: not closed; answered after it too
//	ksyun:8  first seen closed (followed late) in the window: not closed, and not opened
//	ksyun:9  opened Mon 08:00, before the window, cancelled Wed (48h): closed
//	aliyun:1 opened Sun 29th 08:00, answered after 30 min, first seen waiting on us (Sun 09:00)
//	aliyun:2 waiting on us before the window, still: the longest wait
//	aliyun:3 in a conversation when first seen: no first reply it knows the time of
func TestKnownWeek(t *testing.T) {
	h := &history{}
	h.ticket("ksyun", "1", day(24, 10, 0)).seen("ksyun", "1", open, day(24, 10, 0)).reply("ksyun", "1", day(24, 11, 0)).
		to("ksyun", "1", working, day(24, 11, 0)).to("ksyun", "1", closed, day(25, 10, 0))
	h.ticket("ksyun", "2", day(25, 9, 0)).seen("ksyun", "2", open, day(25, 9, 0)).reply("ksyun", "2", day(25, 12, 0)).
		to("ksyun", "2", working, day(25, 12, 0)).to("ksyun", "2", ours, day(26, 10, 0))
	h.ticket("ksyun", "3", day(20, 10, 30)).seen("ksyun", "3", open, day(20, 10, 30)).reply("ksyun", "3", day(23, 10, 30)).
		to("ksyun", "3", closed, day(27, 10, 30))
	h.ticket("ksyun", "4", day(26, 15, 0)).seen("ksyun", "4", open, day(26, 15, 0))
	h.ticket("ksyun", "5", day(10, 10, 0)).seen("ksyun", "5", working, day(10, 10, 0)).
		to("ksyun", "5", closed, day(24, 9, 0)).to("ksyun", "5", working, day(25, 9, 0)).to("ksyun", "5", closed, day(28, 10, 0))
	h.ticket("ksyun", "6", day(10, 10, 0)).seen("ksyun", "6", working, day(10, 10, 0)).
		to("ksyun", "6", closed, day(24, 9, 0)).to("ksyun", "6", working, day(25, 9, 0))
	h.ticket("ksyun", "7", day(16, 10, 0)).seen("ksyun", "7", working, day(16, 10, 0)).
		to("ksyun", "7", closed, day(30, 10, 0)).reply("ksyun", "7", day(30, 9, 30))
	h.ticket("ksyun", "8", day(1, 10, 0)).seen("ksyun", "8", closed, day(26, 10, 0))
	h.ticket("ksyun", "9", day(23, 8, 0)).seen("ksyun", "9", open, day(23, 8, 0)).to("ksyun", "9", gone, day(25, 8, 0))
	h.ticket("aliyun", "1", day(29, 8, 0)).seen("aliyun", "1", ours, day(29, 9, 0)).reply("aliyun", "1", day(29, 8, 30))
	h.ticket("aliyun", "2", day(2, 8, 0)).seen("aliyun", "2", working, day(2, 8, 0)).to("aliyun", "2", ours, day(20, 9, 30))
	h.ticket("aliyun", "3", day(27, 8, 0)).seen("aliyun", "3", working, day(27, 9, 0)).reply("aliyun", "3", time.Time{})

	got := Compute(h.states, h.events, since, until)
	hr := time.Hour
	want := Figures{Since: since, Until: until,
		Vendors: []Vendor{
			{Name: "aliyun", Opened: 2, FirstReply: Spread{N: 1, Median: 30 * time.Minute, P90: 30 * time.Minute}, Waiting: 2},
			{Name: "ksyun", Opened: 3, Closed: 4,
				// 1h, 3h, 72h
				FirstReply: Spread{N: 3, Median: 3 * hr, P90: 72 * hr},
				// 24h (1), 48h (9), 168h (3), 432h (5): the middle two's mean, the 4th of 4
				Close:   Spread{N: 4, Median: 108 * hr, P90: 432 * hr},
				Waiting: 1},
		},
		Total: Vendor{Opened: 5, Closed: 4,
			// 30m, 1h, 3h, 72h
			FirstReply: Spread{N: 4, Median: 2 * hr, P90: 72 * hr},
			Close:      Spread{N: 4, Median: 108 * hr, P90: 432 * hr}, Waiting: 3},
	}
	want.Waiting = []Waiting{
		{Ticket: ticketOf(h, "aliyun", "2"), Since: day(20, 9, 30), For: 10 * 24 * hr},
		{Ticket: ticketOf(h, "ksyun", "2"), Since: day(26, 10, 0), For: 4*24*hr - 30*time.Minute},
		{Ticket: ticketOf(h, "aliyun", "1"), Since: day(29, 9, 0), For: 24*hr + 30*time.Minute},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("figures\n got %+v\nwant %+v", got, want)
	}
	if got.Empty() {
		t.Error("a busy week is empty")
	}
	// The events' order in the input does not matter: each ticket's are taken by seq.
	rev := make([]store.TicketEvent, len(h.events))
	for i, e := range h.events {
		rev[len(rev)-1-i] = e
	}
	if again := Compute(h.states, rev, since, until); !reflect.DeepEqual(again, got) {
		t.Errorf("events in another order give\n%+v", again)
	}
	// The week before: ksyun:3, 7 and 9 were opened then, nothing was closed or answered,
	// aliyun:2 waited since the 20th.
	before := Compute(h.states, h.events, Week(since), since)
	if before.Total.Opened != 3 || before.Total.Closed != 0 || before.Total.FirstReply.N != 0 || before.Total.Waiting != 1 ||
		len(before.Waiting) != 1 || before.Waiting[0].For != 3*24*hr {
		t.Errorf("the week before: %+v", before)
	}
}

func ticketOf(h *history, provider, id string) providers.Ticket {
	for _, st := range h.states {
		if st.Provider == provider && st.TicketID == id {
			t, _ := tickets.Decode(st)
			return t
		}
	}
	return providers.Ticket{}
}

// A week with nothing in it, and one with no tickets at all, are empty; a ticket with no
// reply yet, closed ones from before and a wait that ended are no figure.
func TestEmptyWeeks(t *testing.T) {
	h := &history{}
	h.ticket("ksyun", "1", day(2, 10, 0)).seen("ksyun", "1", open, day(2, 10, 0))
	h.ticket("ksyun", "2", day(2, 10, 0)).seen("ksyun", "2", working, day(2, 10, 0)).to("ksyun", "2", closed, day(10, 10, 0))
	h.ticket("ksyun", "3", day(2, 10, 0)).seen("ksyun", "3", ours, day(2, 10, 0)).to("ksyun", "3", working, day(3, 10, 0))
	for name, f := range map[string]Figures{
		"quiet":      Compute(h.states, h.events, since, until),
		"no tickets": Compute(nil, nil, since, until),
	} {
		if !f.Empty() || len(f.Vendors) != 0 || len(f.Waiting) != 0 || f.Total != (Vendor{}) {
			t.Errorf("%s: %+v", name, f)
		}
	}
}

// A ticket without a snapshot or a creation time still counts where it can: closed and
// waiting, not opened nor timed.
func TestTicketWithoutCreationTime(t *testing.T) {
	h := &history{}
	h.states = append(h.states, store.TicketState{Provider: "weiban", TicketID: "W1"})
	h.seen("weiban", "W1", working, day(20, 10, 0)).reply("weiban", "W1", day(24, 10, 0)).to("weiban", "W1", closed, day(25, 10, 0))
	h.ticket("weiban", "W2", time.Time{}).seen("weiban", "W2", ours, day(28, 10, 0))
	f := Compute(h.states, h.events, since, until)
	want := Vendor{Name: "weiban", Closed: 1, Waiting: 1}
	if len(f.Vendors) != 1 || f.Vendors[0] != want || len(f.Waiting) != 1 || f.Waiting[0].Ticket.Ref() != "weiban:W2" {
		t.Errorf("figures %+v", f)
	}
}

// Only the five that waited longest are listed; the count has them all.
func TestWaitingTopFive(t *testing.T) {
	h := &history{}
	for i, id := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		h.ticket("ksyun", id, day(1, 10, 0)).seen("ksyun", id, ours, day(20+i%3, 10, i))
	}
	f := Compute(h.states, h.events, since, until)
	var got []string
	for _, w := range f.Waiting {
		got = append(got, w.Ticket.ID)
	}
	if want := []string{"a", "d", "g", "b", "e"}; !reflect.DeepEqual(got, want) || f.Total.Waiting != 7 {
		t.Errorf("waiting %v (of %d), want %v (of 7)", got, f.Total.Waiting, want)
	}
}

func TestSpread(t *testing.T) {
	m := func(ns ...int) []time.Duration {
		var out []time.Duration
		for _, n := range ns {
			out = append(out, time.Duration(n)*time.Minute)
		}
		return out
	}
	for _, tc := range []struct {
		name        string
		in          []time.Duration
		median, p90 time.Duration
	}{
		{"none", nil, 0, 0},
		{"one", m(5), 5 * time.Minute, 5 * time.Minute},
		{"two", m(1, 2), 90 * time.Second, 2 * time.Minute},
		{"ten, unsorted", m(10, 1, 9, 2, 8, 3, 7, 4, 6, 5), 330 * time.Second, 9 * time.Minute},
		{"eleven", m(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), 6 * time.Minute, 10 * time.Minute},
		{"twenty", m(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20), 630 * time.Second, 18 * time.Minute},
	} {
		got := spread(tc.in)
		if got.N != len(tc.in) || got.Median != tc.median || got.P90 != tc.p90 {
			t.Errorf("%s: %+v, want median %v p90 %v", tc.name, got, tc.median, tc.p90)
		}
	}
}

// Week is seven days of the zone's clock, across a change of clocks too.
func TestWeek(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	// Summer time ends on 2026-10-25: the week that holds it is an hour longer.
	until := time.Date(2026, 10, 29, 9, 30, 0, 0, berlin)
	if got := Week(until); !got.Equal(time.Date(2026, 10, 22, 9, 30, 0, 0, berlin)) || until.Sub(got) != 7*24*time.Hour+time.Hour {
		t.Errorf("a week across the change starts %v, %v before", got, until.Sub(got))
	}
	until = time.Date(2026, 11, 9, 9, 30, 0, 0, berlin)
	if got := Week(until); !got.Equal(time.Date(2026, 11, 2, 9, 30, 0, 0, berlin)) || until.Sub(got) != 7*24*time.Hour {
		t.Errorf("a week starts %v, %v before", got, until.Sub(got))
	}
}

// Load reads a chat's tickets and timeline from the store: the tickets it follows only.
func TestLoadFromTheStore(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := day(24, 10, 0)
	b := tickets.New(st, func() time.Time { return clock })
	for _, tk := range []providers.Ticket{
		{Provider: "ksyun", ID: "1", Status: open, CreatedAt: day(24, 10, 0)},
		{Provider: "ksyun", ID: "2", Status: open, CreatedAt: day(24, 10, 0)},
	} {
		if err := b.Remember(ctx, tk, "", true); err != nil {
			t.Fatal(err)
		}
	}
	clock = day(25, 10, 0)
	if err := b.Remember(ctx, providers.Ticket{Provider: "ksyun", ID: "1", Status: closed, CreatedAt: day(24, 10, 0)}, "", true); err != nil {
		t.Fatal(err)
	}
	if err := st.Follow(ctx, store.Follow{Platform: "feishu", ChatID: "oc_a", Provider: "ksyun", TicketID: "1", CreatedAt: clock}); err != nil {
		t.Fatal(err)
	}
	day1 := Spread{N: 1, Median: 24 * time.Hour, P90: 24 * time.Hour}
	for _, tc := range []struct {
		platform, chat string
		want           Vendor
	}{
		{"feishu", "oc_a", Vendor{Opened: 1, Closed: 1, Close: day1}},
		{"feishu", "oc_b", Vendor{}},
		{"", "", Vendor{Opened: 2, Closed: 1, Close: day1}},
	} {
		f, err := Load(ctx, st, tc.platform, tc.chat, since, until)
		if err != nil {
			t.Fatal(err)
		}
		if f.Total != tc.want {
			t.Errorf("%q/%q: %+v, want %+v", tc.platform, tc.chat, f.Total, tc.want)
		}
	}
}
