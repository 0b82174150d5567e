package bot

import (
	"context"
	"sync"
	"testing"
	"time"
)

var limitT0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestLimiter(t *testing.T) {
	clk := &testClock{now: limitT0}
	l := NewLimiter(clk.Now, Rate{N: 2, Per: time.Minute}, Rate{N: 3, Per: time.Hour})
	var got []time.Duration
	for range 4 {
		at, _ := l.Reserve("k")
		got = append(got, at.Sub(limitT0))
	}
	// 2 a minute, 3 an hour: now, now, +1 min, then +1 h after the first.
	want := []time.Duration{0, 0, time.Minute, time.Hour}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("slots %v, want %v", got, want)
		}
	}
	// Other keys are independent; a cancelled slot is given back.
	if at, _ := l.Reserve("other"); !at.Equal(limitT0) {
		t.Fatal("keys share a log")
	}
	l2 := NewLimiter(clk.Now, Rate{N: 1, Per: time.Minute})
	l2.Reserve("k")
	at, cancel := l2.Reserve("k")
	cancel()
	if at2, _ := l2.Reserve("k"); !at2.Equal(at) {
		t.Fatalf("cancelled slot not reused: %v vs %v", at2, at)
	}
	// Idle keys are swept.
	clk.Advance(2 * time.Hour)
	l.Reserve("k2")
	if n := l.Keys(); n != 1 {
		t.Fatalf("%d keys kept after two idle hours, want only k2", n)
	}
}

// Wait sleeps exactly until the slot, and a wait cut short gives the slot back.
func TestLimiterWait(t *testing.T) {
	clk := &testClock{now: limitT0}
	l := NewLimiter(clk.Now, Rate{N: 5, Per: time.Second})
	var slept []time.Duration
	sleep := func(ctx context.Context, d time.Duration) error {
		slept = append(slept, d)
		clk.Advance(d)
		return nil
	}
	for range 11 {
		if _, err := l.Wait(context.Background(), "chat", sleep); err != nil {
			t.Fatal(err)
		}
	}
	// Five at once, five a second later, one a second after that.
	if len(slept) != 2 || slept[0] != time.Second || slept[1] != time.Second {
		t.Fatalf("slept %v", slept)
	}
	one := NewLimiter(clk.Now, Rate{N: 1, Per: time.Hour})
	one.Reserve("chat")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := one.Wait(ctx, "chat", func(ctx context.Context, d time.Duration) error { return Sleep(ctx, d) }); err == nil {
		t.Fatal("a cancelled wait succeeded")
	}
	// The abandoned slot was given back: the next is second in line, an hour on.
	if at, _ := one.Reserve("chat"); at.Sub(clk.Now()) != time.Hour {
		t.Fatalf("next slot in %v", at.Sub(clk.Now()))
	}
}
