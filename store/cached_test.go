package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingStore wraps a Store and counts the calls Cached is meant to save.
type countingStore struct {
	Store
	marks, lookups, saves atomic.Int32
	failMark              error  // returned by MarkProcessed when set
	afterLookup           func() // runs between the store's answer and Cached seeing it
}

func (c *countingStore) MarkProcessed(ctx context.Context, key string, at time.Time) (bool, error) {
	c.marks.Add(1)
	if c.failMark != nil {
		return false, c.failMark
	}
	return c.Store.MarkProcessed(ctx, key, at)
}

func (c *countingStore) CardByMessage(ctx context.Context, platform, messageID string) (Card, error) {
	c.lookups.Add(1)
	card, err := c.Store.CardByMessage(ctx, platform, messageID)
	if c.afterLookup != nil {
		c.afterLookup()
	}
	return card, err
}

func (c *countingStore) SaveCard(ctx context.Context, card Card) error {
	c.saves.Add(1)
	return c.Store.SaveCard(ctx, card)
}

func newCachedTest(t *testing.T) (*Cached, *countingStore) {
	t.Helper()
	under := &countingStore{Store: openTest(t)}
	return NewCached(under, time.Minute), under
}

func TestCachedMarkProcessed(t *testing.T) {
	ctx := context.Background()
	c, under := newCachedTest(t)

	for _, tc := range []struct {
		name      string
		key       string
		wantFresh bool
		wantCalls int32 // total calls reaching the store afterwards
	}{
		{"new key goes to the store", "evt-1", true, 1},
		{"duplicate answered from memory", "evt-1", false, 1},
		{"and again", "evt-1", false, 1},
		{"other key goes to the store", "evt-2", true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fresh, err := c.MarkProcessed(ctx, tc.key, t0)
			if err != nil || fresh != tc.wantFresh {
				t.Errorf("MarkProcessed = %v, %v; want %v", fresh, err, tc.wantFresh)
			}
			if n := under.marks.Load(); n != tc.wantCalls {
				t.Errorf("store saw %d MarkProcessed calls, want %d", n, tc.wantCalls)
			}
		})
	}

	t.Run("a duplicate only the database knows is remembered", func(t *testing.T) {
		// Marked directly in the database, as another replica would.
		if _, err := under.Store.MarkProcessed(ctx, "evt-other-replica", t0); err != nil {
			t.Fatal(err)
		}
		before := under.marks.Load()
		for range 3 {
			fresh, err := c.MarkProcessed(ctx, "evt-other-replica", t0)
			if err != nil || fresh {
				t.Fatalf("MarkProcessed = %v, %v; want false", fresh, err)
			}
		}
		if n := under.marks.Load() - before; n != 1 {
			t.Errorf("store saw %d calls, want 1", n)
		}
	})

	t.Run("errors are not remembered", func(t *testing.T) {
		boom := errors.New("disk on fire")
		under.failMark = boom
		if _, err := c.MarkProcessed(ctx, "evt-3", t0); !errors.Is(err, boom) {
			t.Fatalf("err = %v, want %v", err, boom)
		}
		under.failMark = nil
		if fresh, err := c.MarkProcessed(ctx, "evt-3", t0); err != nil || !fresh {
			t.Errorf("after a failed attempt, MarkProcessed = %v, %v; want true", fresh, err)
		}
	})
}

func TestCachedMarkProcessedConcurrent(t *testing.T) {
	c, _ := newCachedTest(t)
	var fresh atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			ok, err := c.MarkProcessed(context.Background(), "evt", t0)
			if err != nil {
				t.Error(err)
			}
			if ok {
				fresh.Add(1)
			}
		})
	}
	wg.Wait()
	if n := fresh.Load(); n != 1 {
		t.Errorf("%d goroutines saw it fresh, want 1", n)
	}
}

func TestCachedCardByMessage(t *testing.T) {
	ctx := context.Background()
	c, under := newCachedTest(t)
	a1 := card("feishu", "oc_1", "om_1", "ksyun", "1204", 0)
	mustDo(t, c.SaveCard(ctx, a1))

	lookup := func(msg string) (Card, error) { return c.CardByMessage(ctx, "feishu", msg) }

	// First lookup fills, the second is served from memory.
	for i := range 2 {
		got, err := lookup("om_1")
		if err != nil || got != storedCard(a1) {
			t.Fatalf("lookup %d = %+v, %v", i, got, err)
		}
	}
	if n := under.lookups.Load(); n != 1 {
		t.Errorf("store saw %d lookups, want 1", n)
	}

	// Not found is remembered too (a thread reply under someone's own message costs one
	// read, not one per reply), until the message becomes a card here.
	for range 3 {
		if ok, err := c.IsCard(ctx, "feishu", "om_404"); ok || err != nil {
			t.Fatalf("IsCard of an unknown message = %v, %v", ok, err)
		}
	}
	if n := under.lookups.Load(); n != 2 {
		t.Errorf("store saw %d lookups, want 2 (a miss is remembered)", n)
	}
	mustDo(t, c.SaveCard(ctx, card("feishu", "oc_1", "om_404", "ksyun", "9", 0)))
	if ok, err := c.IsCard(ctx, "feishu", "om_404"); !ok || err != nil {
		t.Fatalf("a message that became a card is still no card: %v, %v", ok, err)
	}

	// A second card of the ticket leaves the first one resolvable.
	a2 := card("feishu", "oc_1", "om_2", "ksyun", "1204", time.Minute)
	mustDo(t, c.SaveCard(ctx, a2))
	if got, err := lookup("om_1"); err != nil || got != storedCard(a1) {
		t.Errorf("first card after a second one = %+v, %v; want %+v", got, err, storedCard(a1))
	}
	if got, err := lookup("om_2"); err != nil || got != storedCard(a2) {
		t.Errorf("second card = %+v, %v", got, err)
	}

	// A cached message updated to show another ticket is refreshed.
	if _, err := lookup("om_2"); err != nil {
		t.Fatal(err)
	}
	b := card("feishu", "oc_1", "om_2", "aliyun", "77", 2*time.Minute)
	mustDo(t, c.SaveCard(ctx, b))
	if got, err := lookup("om_2"); err != nil || got != storedCard(b) {
		t.Errorf("message reused for another ticket = %+v, %v; want %+v", got, err, storedCard(b))
	}
}

// TestCachedLookupRacingSave reads a card, lets a SaveCard give its message to another ticket
// before the reader caches what it read, and checks the stale answer was not cached over the
// invalidation.
func TestCachedLookupRacingSave(t *testing.T) {
	ctx := context.Background()
	c, under := newCachedTest(t)
	old := card("feishu", "oc_1", "om_1", "ksyun", "1204", 0)
	mustDo(t, under.Store.SaveCard(ctx, old))

	read, resume := make(chan struct{}), make(chan struct{})
	under.afterLookup = func() { close(read); <-resume }
	done := make(chan error)
	go func() {
		_, err := c.CardByMessage(ctx, "feishu", "om_1")
		done <- err
	}()
	<-read
	under.afterLookup = nil // safe: the reader is parked inside the hook
	now := card("feishu", "oc_1", "om_1", "aliyun", "77", time.Minute)
	mustDo(t, c.SaveCard(ctx, now))
	close(resume)
	mustDo(t, <-done) // the reader gets what was true when it read

	if got, err := c.CardByMessage(ctx, "feishu", "om_1"); err != nil || got != storedCard(now) {
		t.Errorf("after the message changed ticket = %+v, %v; want %+v (stale fill cached)", got, err, storedCard(now))
	}
}

func TestCachedPassesThrough(t *testing.T) {
	ctx := context.Background()
	c, _ := newCachedTest(t)
	mustDo(t, c.Follow(ctx, follow("oc_1", "ksyun", "1", "ou_a", 0)))
	if fs, err := c.Following(ctx, "feishu", "oc_1"); err != nil || len(fs) != 1 {
		t.Errorf("Following = %+v, %v", fs, err)
	}
	if fs, err := c.Followers(ctx, "ksyun", "1"); err != nil || len(fs) != 1 {
		t.Errorf("Followers = %+v, %v", fs, err)
	}
	if ok, err := c.Unfollow(ctx, "feishu", "oc_1", "ksyun", "1"); err != nil || !ok {
		t.Errorf("Unfollow = %v, %v", ok, err)
	}
	mustDo(t, c.SaveCard(ctx, card("feishu", "oc_1", "om_1", "ksyun", "1", 0)))
	if _, err := c.CardInChat(ctx, "feishu", "oc_1", "ksyun", "1"); err != nil {
		t.Errorf("CardInChat: %v", err)
	}
	if cs, err := c.CardsForTicket(ctx, "ksyun", "1"); err != nil || len(cs) != 1 {
		t.Errorf("CardsForTicket = %+v, %v", cs, err)
	}
	mustDo(t, c.SaveTicket(ctx, TicketState{Provider: "ksyun", TicketID: "1", Status: "open"}))
	if ts, err := c.Ticket(ctx, "ksyun", "1"); err != nil || ts.Status != "open" {
		t.Errorf("Ticket = %+v, %v", ts, err)
	}
	if ts, err := c.Tickets(ctx, "ksyun"); err != nil || len(ts) != 1 {
		t.Errorf("Tickets = %+v, %v", ts, err)
	}
	mustDo(t, c.PruneProcessed(ctx, t0))
}

func TestNewCachedDefaultTTL(t *testing.T) {
	c := NewCached(&countingStore{}, 0)
	if c.seen.Contains("x") {
		t.Fatal("empty cache has an entry")
	}
	c.seen.Add("x", struct{}{})
	if !c.seen.Contains("x") {
		t.Errorf("a zero ttl must fall back to DefaultCacheTTL, not expire at once")
	}
}

// The memory is bounded whatever the traffic: a million delivery ids keep maxSeen.
func TestCachedMemoryIsBounded(t *testing.T) {
	c := NewCached(&countingStore{Store: openTest(t)}, time.Minute)
	for i := range maxSeen + 1000 {
		c.seen.Add(fmt.Sprint("feishu:msg:", i), struct{}{})
	}
	if n := c.seen.Len(); n != maxSeen {
		t.Errorf("%d ids remembered, want at most %d", n, maxSeen)
	}
}
