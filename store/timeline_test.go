package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// eventsOf renders a timeline as "provider/id #seq kind status @minutes after t0" ("@?" for
// an unknown time), for comparing.
func eventsOf(evs []TicketEvent) []string {
	var out []string
	for _, e := range evs {
		when := "@?"
		if !e.At.IsZero() {
			when = fmt.Sprintf("@%d", int(e.At.Sub(stored(t0))/time.Minute))
		}
		out = append(out, fmt.Sprintf("%s/%s #%d %s %s %s", e.Provider, e.TicketID, e.Seq, e.Kind, e.Status, when))
	}
	return out
}

// The timeline is written with the ticket's state: by SaveTicket, and by AdvanceTicket only
// when its compare-and-set wins; numbered per ticket in the order recorded, a second first
// reply dropped, an unknown time kept as unknown. Read back per chat (the tickets it
// follows) or whole, before a time. On both drivers.
func TestTimeline(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	ev := func(kind, status string, d time.Duration) TicketEvent {
		return TicketEvent{Kind: kind, Status: status, At: at(d)}
	}
	// ksyun/1: created by the bot, replied, waiting on us, closed; followed by oc_a.
	mustDo(t, s.SaveTicket(ctx, TicketState{Provider: "ksyun", TicketID: "1", Status: "open", UpdatedAt: at(0),
		Events: []TicketEvent{ev(EventSeen, "open", 0)}}))
	prev, err := s.Ticket(ctx, "ksyun", "1")
	mustDo(t, err)
	next := prev
	next.Status, next.LastNoteID, next.UpdatedAt = "waiting_on_us", "n1", at(30*time.Minute)
	next.Events = []TicketEvent{ev(EventStatus, "waiting_on_us", 29*time.Minute), ev(EventReply, "", 20*time.Minute)}
	if ok, err := s.AdvanceTicket(ctx, prev, next, nil); err != nil || !ok {
		t.Fatalf("advance: %v %v", ok, err)
	}
	// A stale advance (prev as read before) loses and records nothing.
	lost := next
	lost.Status, lost.Events = "closed", []TicketEvent{ev(EventStatus, "closed", 31*time.Minute)}
	if ok, err := s.AdvanceTicket(ctx, prev, lost, nil); err != nil || ok {
		t.Fatalf("a stale advance: %v %v; want lost", ok, err)
	}
	// A second reply is not the first.
	prev, err = s.Ticket(ctx, "ksyun", "1")
	mustDo(t, err)
	next = prev
	next.LastNoteID, next.UpdatedAt = "n2", at(40*time.Minute)
	next.Events = []TicketEvent{ev(EventReply, "", 39*time.Minute)}
	if ok, err := s.AdvanceTicket(ctx, prev, next, nil); err != nil || !ok {
		t.Fatalf("advance: %v %v", ok, err)
	}
	// The bot's own close: a save with its event.
	mustDo(t, s.SaveTicket(ctx, TicketState{Provider: "ksyun", TicketID: "1", Status: "closed", LastNoteID: "n2", UpdatedAt: at(time.Hour),
		Events: []TicketEvent{ev(EventStatus, "closed", 60*time.Minute)}}))
	// A save without events adds none.
	mustDo(t, s.SaveTicket(ctx, TicketState{Provider: "ksyun", TicketID: "1", Status: "closed", LastNoteID: "n2", UpdatedAt: at(2 * time.Hour)}))

	// aliyun/7: followed late, with a conversation before; followed by oc_b only.
	mustDo(t, s.SaveTicket(ctx, TicketState{Provider: "aliyun", TicketID: "7", Status: "in_progress", LastNoteID: "x", UpdatedAt: at(10 * time.Minute),
		Events: []TicketEvent{ev(EventSeen, "in_progress", 10*time.Minute), {Kind: EventReply}}}))
	// ksyun/2: followed by nobody.
	mustDo(t, s.SaveTicket(ctx, TicketState{Provider: "ksyun", TicketID: "2", Status: "open", UpdatedAt: at(0),
		Events: []TicketEvent{ev(EventSeen, "open", 0)}}))
	for _, f := range []Follow{{Platform: "feishu", ChatID: "oc_a", Provider: "ksyun", TicketID: "1"},
		{Platform: "feishu", ChatID: "oc_b", Provider: "aliyun", TicketID: "7"},
		{Platform: "wecom", ChatID: "oc_a", Provider: "aliyun", TicketID: "7"}} {
		f.CreatedAt = t0
		mustDo(t, s.Follow(ctx, f))
	}

	ksyun1 := []string{"ksyun/1 #1 seen open @0", "ksyun/1 #2 status waiting_on_us @29", "ksyun/1 #3 reply  @20",
		"ksyun/1 #4 status closed @60"}
	aliyun7 := []string{"aliyun/7 #1 seen in_progress @10", "aliyun/7 #2 reply  @?"}
	for _, tc := range []struct {
		name, platform, chat string
		until                time.Duration
		tickets              []string
		events               []string
	}{
		{"everything", "", "", 24 * time.Hour, []string{"aliyun/7", "ksyun/1", "ksyun/2"},
			slices.Concat(aliyun7, ksyun1, []string{"ksyun/2 #1 seen open @0"})},
		{"a chat's", "feishu", "oc_a", 24 * time.Hour, []string{"ksyun/1"}, ksyun1},
		{"before a time", "feishu", "oc_a", 29 * time.Minute, []string{"ksyun/1"}, []string{"ksyun/1 #1 seen open @0", "ksyun/1 #3 reply  @20"}},
		{"an unknown time is before any", "feishu", "oc_b", 5 * time.Minute, []string{"aliyun/7"}, []string{"aliyun/7 #2 reply  @?"}},
		{"another platform's chat of the same id", "wecom", "oc_a", 24 * time.Hour, []string{"aliyun/7"}, aliyun7},
		{"a chat that follows nothing", "feishu", "oc_none", 24 * time.Hour, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts, err := s.TicketsIn(ctx, tc.platform, tc.chat)
			mustDo(t, err)
			var got []string
			for _, x := range ts {
				got = append(got, x.Provider+"/"+x.TicketID)
			}
			if !slices.Equal(got, tc.tickets) {
				t.Errorf("TicketsIn = %v, want %v", got, tc.tickets)
			}
			evs, err := s.TimelineIn(ctx, tc.platform, tc.chat, at(tc.until))
			mustDo(t, err)
			if got := eventsOf(evs); !slices.Equal(got, tc.events) {
				t.Errorf("TimelineIn =\n%q\nwant\n%q", got, tc.events)
			}
		})
	}
}

// Writers of one ticket's timeline at once each get their own numbers: none fails on a taken
// seq, none is lost. On PostgreSQL the writers are separate connections.
func TestTimelineConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	mustDo(t, s.SaveTicket(ctx, TicketState{Provider: "ksyun", TicketID: "1", Status: "open", UpdatedAt: t0}))
	const writers = 8
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status := []string{"in_progress", "waiting_on_us"}[i%2]
			errs <- s.SaveTicket(ctx, TicketState{Provider: "ksyun", TicketID: "1", Status: status, UpdatedAt: at(time.Duration(i) * time.Minute),
				Events: []TicketEvent{{Kind: EventStatus, Status: status, At: at(time.Duration(i) * time.Minute)}}})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		mustDo(t, err)
	}
	evs, err := s.TimelineIn(ctx, "", "", at(time.Hour))
	mustDo(t, err)
	var seqs []int64
	for _, e := range evs {
		seqs = append(seqs, e.Seq)
	}
	if want := []int64{1, 2, 3, 4, 5, 6, 7, 8}; !slices.Equal(seqs, want) {
		t.Errorf("seqs %v, want %v", seqs, want)
	}
}
