package store

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func seedTicket(t *testing.T, s *SQL) {
	t.Helper()
	if err := s.SaveTicket(context.Background(), TicketState{Provider: "ksyun", TicketID: "1204", Status: "open", UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
}

func TestClaimTicketConcurrentClicksActOnce(t *testing.T) {
	s := openTest(t)
	seedTicket(t, s)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, ok, err := s.ClaimTicket(context.Background(), "ksyun", "1204", 0, Claim{By: string(rune('A' + i)), Op: "close", At: t0})
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d clicks won the claim, want exactly 1", wins.Load())
	}
	st, err := s.Ticket(context.Background(), "ksyun", "1204")
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != 1 || st.ActedOp != "close" || st.ActedState != ClaimWorking || st.ActedBy == "" {
		t.Fatalf("after the claim: %+v", st)
	}
}

func TestClaimTicketLifecycle(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	seedTicket(t, s)

	st, ok, err := s.ClaimTicket(ctx, "ksyun", "1204", 0, Claim{By: "张三", Op: "close", At: t0})
	if err != nil || !ok || st.Version != 1 {
		t.Fatalf("first claim = %+v %v %v", st, ok, err)
	}
	// While it runs, even a claim at the current version is refused (a typed command).
	if st, ok, _ := s.ClaimTicket(ctx, "ksyun", "1204", 1, Claim{By: "李四", Op: "close", At: t0.Add(time.Second)}); ok || st.ActedBy != "张三" {
		t.Fatalf("a claim during a running one won: %+v", st)
	}
	// A failure reverts: the card the person clicked (version 0) works again.
	if err := s.SettleClaim(ctx, "ksyun", "1204", 1, ""); err != nil {
		t.Fatal(err)
	}
	st, _ = s.Ticket(ctx, "ksyun", "1204")
	if st.Version != 0 || st.ActedState != "" || st.ActedBy != "" {
		t.Fatalf("after revert: %+v", st)
	}
	if _, ok, _ := s.ClaimTicket(ctx, "ksyun", "1204", 0, Claim{By: "李四", Op: "close", At: t0.Add(2 * time.Second)}); !ok {
		t.Fatal("the claim after a revert lost")
	}
	if err := s.SettleClaim(ctx, "ksyun", "1204", 1, ClaimDone); err != nil {
		t.Fatal(err)
	}
	// A repeated click carries the old version and loses, naming who acted.
	st, ok, _ = s.ClaimTicket(ctx, "ksyun", "1204", 0, Claim{By: "王五", Op: "close", At: t0.Add(3 * time.Second)})
	if ok || st.ActedBy != "李四" || st.ActedState != ClaimDone || st.Version != 1 {
		t.Fatalf("stale click: ok=%v %+v", ok, st)
	}
	// Settling an overtaken version changes nothing.
	if err := s.SettleClaim(ctx, "ksyun", "1204", 0, ""); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Ticket(ctx, "ksyun", "1204"); st.Version != 1 || st.ActedState != ClaimDone {
		t.Fatalf("an old settle changed the ticket: %+v", st)
	}
	// SaveTicket (the bot's own reads) keeps version and claim.
	if err := s.SaveTicket(ctx, TicketState{Provider: "ksyun", TicketID: "1204", Status: "closed", UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Ticket(ctx, "ksyun", "1204"); st.Version != 1 || st.ActedBy != "李四" {
		t.Fatalf("SaveTicket touched the claim: %+v", st)
	}
}

func TestClaimTicketStaleWorkingClaimExpires(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	seedTicket(t, s)
	if _, ok, _ := s.ClaimTicket(ctx, "ksyun", "1204", 0, Claim{By: "张三", Op: "close", At: t0}); !ok {
		t.Fatal("claim lost")
	}
	// Its process died: after ClaimStale the ticket may be acted on again.
	if _, ok, _ := s.ClaimTicket(ctx, "ksyun", "1204", 1, Claim{By: "李四", Op: "close", At: t0.Add(ClaimStale + time.Second)}); !ok {
		t.Fatal("a claim abandoned for longer than ClaimStale still blocks")
	}
}

func TestAdvanceTicketBumpsVersionOnStatusChangeOnly(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	seedTicket(t, s)
	prev, _ := s.Ticket(ctx, "ksyun", "1204")
	next := prev
	next.LastNoteID = "n1"
	if ok, err := s.AdvanceTicket(ctx, prev, next, nil); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if st, _ := s.Ticket(ctx, "ksyun", "1204"); st.Version != 0 {
		t.Fatalf("a new note bumped the version to %d", st.Version)
	}
	prev = next
	next.Status = "in_progress"
	if ok, err := s.AdvanceTicket(ctx, prev, next, nil); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if st, _ := s.Ticket(ctx, "ksyun", "1204"); st.Version != 1 {
		t.Fatalf("a status change left the version at %d", st.Version)
	}
}
