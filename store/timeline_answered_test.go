package store

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// One ticket's timeline reads back in the order it was recorded, our side's answers (which
// change no state) among its changes; an answer to a ticket the bot never stored is
// ErrNotFound and records nothing. On both drivers.
func TestTimelineOfWithAnswers(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	mustDo(t, s.SaveTicket(ctx, TicketState{Provider: "ksyun", TicketID: "1", Status: "open", UpdatedAt: at(0),
		Events: []TicketEvent{{Kind: EventSeen, Status: "open", At: at(0)}}}))
	prev, err := s.Ticket(ctx, "ksyun", "1")
	mustDo(t, err)
	next := prev
	next.Status, next.UpdatedAt = "waiting_on_us", at(10*time.Minute)
	next.Events = []TicketEvent{{Kind: EventStatus, Status: "waiting_on_us", At: at(10 * time.Minute)}}
	if ok, err := s.AdvanceTicket(ctx, prev, next, nil); err != nil || !ok {
		t.Fatalf("advance: %v %v", ok, err)
	}
	mustDo(t, s.RecordEvents(ctx, "ksyun", "1", []TicketEvent{{Kind: EventAnswered, At: at(40 * time.Minute)}}))
	mustDo(t, s.RecordEvents(ctx, "ksyun", "1", nil))
	// The answer changed no state: the compare-and-set of a change still wins after it.
	prev, err = s.Ticket(ctx, "ksyun", "1")
	mustDo(t, err)
	if prev.Status != "waiting_on_us" || !prev.UpdatedAt.Equal(stored(at(10*time.Minute))) {
		t.Errorf("an answer changed the state: %+v", prev)
	}
	// Another ticket's events are not this one's.
	mustDo(t, s.SaveTicket(ctx, TicketState{Provider: "ksyun", TicketID: "2", Status: "open", UpdatedAt: at(0),
		Events: []TicketEvent{{Kind: EventSeen, Status: "open", At: at(0)}}}))

	evs, err := s.TimelineOf(ctx, "ksyun", "1")
	mustDo(t, err)
	want := []string{"ksyun/1 #1 seen open @0", "ksyun/1 #2 status waiting_on_us @10", "ksyun/1 #3 answered  @40"}
	if got := eventsOf(evs); !slices.Equal(got, want) {
		t.Errorf("TimelineOf =\n%q\nwant\n%q", got, want)
	}
	if evs, err := s.TimelineOf(ctx, "ksyun", "404"); err != nil || len(evs) != 0 {
		t.Errorf("TimelineOf an unknown ticket = %v, %v; want nothing", evs, err)
	}
	err = s.RecordEvents(ctx, "ksyun", "404", []TicketEvent{{Kind: EventAnswered, At: at(0)}})
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("an answer to an unknown ticket: %v, want ErrNotFound", err)
	}
	if evs, _ := s.TimelineOf(ctx, "ksyun", "404"); len(evs) != 0 {
		t.Errorf("an answer to an unknown ticket was recorded: %v", eventsOf(evs))
	}
}

// Answers recorded while the ticket's state changes each get their own number. On
// PostgreSQL the writers are separate connections.
func TestRecordEventsConcurrentWithChanges(t *testing.T) {
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
			at := at(time.Duration(i) * time.Minute)
			if i%2 == 0 {
				errs <- s.RecordEvents(ctx, "ksyun", "1", []TicketEvent{{Kind: EventAnswered, At: at}})
				return
			}
			errs <- s.SaveTicket(ctx, TicketState{Provider: "ksyun", TicketID: "1", Status: "waiting_on_us", UpdatedAt: at,
				Events: []TicketEvent{{Kind: EventStatus, Status: "waiting_on_us", At: at}}})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		mustDo(t, err)
	}
	evs, err := s.TimelineOf(ctx, "ksyun", "1")
	mustDo(t, err)
	var seqs []int64
	for _, e := range evs {
		seqs = append(seqs, e.Seq)
	}
	if want := []int64{1, 2, 3, 4, 5, 6, 7, 8}; !slices.Equal(seqs, want) {
		t.Errorf("seqs %v, want %v", seqs, want)
	}
}

// Only the tickets in the states asked for are listed, in the order of Tickets.
func TestTicketsWithStatus(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, x := range []struct{ id, status string }{{"3", "waiting_on_us"}, {"1", "resolved_pending_confirm"}, {"2", "in_progress"}, {"4", "closed"}} {
		mustDo(t, s.SaveTicket(ctx, TicketState{Provider: "ksyun", TicketID: x.id, Status: x.status, UpdatedAt: t0}))
	}
	mustDo(t, s.SaveTicket(ctx, TicketState{Provider: "aliyun", TicketID: "9", Status: "waiting_on_us", UpdatedAt: t0}))
	ts, err := s.TicketsWithStatus(ctx, "waiting_on_us", "resolved_pending_confirm")
	mustDo(t, err)
	var got []string
	for _, x := range ts {
		got = append(got, x.Provider+"/"+x.TicketID+" "+x.Status)
	}
	want := []string{"aliyun/9 waiting_on_us", "ksyun/1 resolved_pending_confirm", "ksyun/3 waiting_on_us"}
	if !slices.Equal(got, want) {
		t.Errorf("TicketsWithStatus = %q, want %q", got, want)
	}
	if ts, err := s.TicketsWithStatus(ctx); err != nil || ts != nil {
		t.Errorf("no states: %v %v", ts, err)
	}
}
