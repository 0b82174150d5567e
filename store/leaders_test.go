package store

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// One holder at a time: the role is taken, renewed by its holder, refused to others while its
// lease runs, taken over once it ran out (with a new token), and given up at once on resign.
func TestLeadership(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	a, b := db.open(t), db.open(t)
	lead := func(s *SQL, who string, now time.Time) (int64, bool) {
		t.Helper()
		tok, ok, err := s.Lead(ctx, "watcher", who, now, now.Add(10*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		return tok, ok
	}
	if tok, ok := lead(a, "r1", t0); !ok || tok != 1 {
		t.Fatalf("first lead = %d, %v", tok, ok)
	}
	if _, ok := lead(b, "r2", t0.Add(time.Second)); ok {
		t.Fatal("r2 took a role whose lease runs")
	}
	if tok, ok := lead(a, "r1", t0.Add(5*time.Second)); !ok || tok != 1 {
		t.Fatalf("renewal = %d, %v; want the same token", tok, ok)
	}
	if _, ok := lead(b, "r2", t0.Add(14*time.Second)); ok {
		t.Fatal("r2 took the role before the renewed lease ran out")
	}
	// r1 dies: its lease runs out and r2 takes over with a new token.
	if tok, ok := lead(b, "r2", t0.Add(15*time.Second)); !ok || tok != 2 {
		t.Fatalf("takeover = %d, %v; want token 2", tok, ok)
	}
	if holder, tok, _, err := a.Leader(ctx, "watcher"); err != nil || holder != "r2" || tok != 2 {
		t.Fatalf("leader = %q %d %v", holder, tok, err)
	}
	// r1 comes back: it is refused while r2 renews.
	if _, ok := lead(a, "r1", t0.Add(16*time.Second)); ok {
		t.Fatal("the old holder took the role back from a live one")
	}
	// r2 resigns: r1 may take the role at once, with a new token.
	if err := b.Resign(ctx, "watcher", "r2"); err != nil {
		t.Fatal(err)
	}
	if tok, ok := lead(a, "r1", t0.Add(17*time.Second)); !ok || tok != 3 {
		t.Fatalf("after resign = %d, %v", tok, ok)
	}
	// Resigning a role one does not hold changes nothing.
	if err := b.Resign(ctx, "watcher", "r2"); err != nil {
		t.Fatal(err)
	}
	if holder, _, _, _ := a.Leader(ctx, "watcher"); holder != "r1" {
		t.Fatalf("leader after a stale resign = %q", holder)
	}
	if holder, _, _, err := a.Leader(ctx, "nobody"); err != nil || holder != "" {
		t.Fatalf("unheld role = %q, %v", holder, err)
	}
}

// Replicas racing for a free role: exactly one gets it.
func TestLeadershipRace(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	stores := []*SQL{db.open(t), db.open(t), db.open(t)}
	var won atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 30 {
		wg.Go(func() {
			<-start
			_, ok, err := stores[i%3].Lead(ctx, "summaries", "r"+string(rune('a'+i)), t0, t0.Add(time.Minute))
			if err != nil {
				t.Error(err)
			}
			if ok {
				won.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if n := won.Load(); n != 1 {
		t.Fatalf("%d replicas took the role, want 1", n)
	}
}
