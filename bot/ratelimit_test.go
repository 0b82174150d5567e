package bot

import (
	"context"
	"errors"
	"fmt"
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

// Take waits for a slot within its bound and refuses a further one at once, giving it back,
// with a *BusyError that says when the slot comes.
func TestLimiterTake(t *testing.T) {
	clk := &testClock{now: limitT0}
	var slept time.Duration
	sleep := func(_ context.Context, d time.Duration) error { slept += d; clk.Advance(d); return nil }
	l := NewLimiter(clk.Now, Rate{N: 2, Per: time.Minute})
	for i := range 2 {
		if _, _, err := l.Take(context.Background(), "chat", clk.Now(), sleep); err != nil {
			t.Fatalf("take %d within the rate: %v", i, err)
		}
	}
	tests := []struct {
		name      string
		bound     time.Duration
		wantBusy  bool
		wantSlept time.Duration
	}{
		{"a slot a minute away is not waited for", 2 * time.Second, true, 0},
		{"nor with no bound at all", 0, true, 0},
		{"a bound past the slot waits for it", 61 * time.Second, false, time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			slept = 0
			start := clk.Now()
			_, giveBack, err := l.Take(context.Background(), "chat", start.Add(tc.bound), sleep)
			if slept != tc.wantSlept {
				t.Fatalf("slept %v, want %v", slept, tc.wantSlept)
			}
			at, busy := BusyUntil(err)
			if busy != tc.wantBusy {
				t.Fatalf("err = %v, busy %v", err, busy)
			}
			if !busy {
				if giveBack == nil {
					t.Fatal("no way to give the slot back")
				}
				return
			}
			if !errors.Is(err, ErrChatBusy) || errors.Is(err, ErrBusy) {
				t.Fatalf("%v: want ErrChatBusy only", err)
			}
			if !at.Equal(limitT0.Add(time.Minute)) {
				t.Fatalf("retry at %v, want the slot a minute on", at.Sub(limitT0))
			}
			// The refused slot was given back: the next caller is offered the same one.
			if next, cancel := l.Reserve("chat"); !next.Equal(at) {
				t.Fatalf("next slot %v, want %v", next.Sub(limitT0), at.Sub(limitT0))
			} else {
				cancel()
			}
		})
	}
	// A taken slot given back (nothing was posted after all) is free again.
	clk.Advance(time.Hour)
	two := NewLimiter(clk.Now, Rate{N: 1, Per: time.Minute})
	_, giveBack, err := two.Take(context.Background(), "k", clk.Now(), sleep)
	if err != nil {
		t.Fatal(err)
	}
	giveBack()
	if _, _, err := two.Take(context.Background(), "k", clk.Now(), sleep); err != nil {
		t.Fatalf("slot given back was not free: %v", err)
	}
}

// The send bound travels in the context; the busy error says when, and wraps the platform's
// own refusal.
func TestSendWaitAndBusyError(t *testing.T) {
	ctx := context.Background()
	if d := SendWait(ctx); d != DefaultSendWait {
		t.Fatalf("default %v", d)
	}
	if d := SendWait(WithSendWait(ctx, 50*time.Millisecond)); d != 50*time.Millisecond {
		t.Fatalf("set %v", d)
	}
	if d := SendWait(WithSendWait(ctx, -time.Second)); d != 0 {
		t.Fatalf("negative %v", d)
	}
	cause := errors.New("wecom: errcode 45009")
	err := fmt.Errorf("wecom: send: %w", &BusyError{RetryAt: limitT0, Err: cause})
	if at, ok := BusyUntil(err); !ok || !at.Equal(limitT0) || !errors.Is(err, ErrChatBusy) || !errors.Is(err, cause) {
		t.Fatalf("%v: %v %v", err, at, ok)
	}
	if _, ok := BusyUntil(cause); ok {
		t.Fatal("a plain error is not busy")
	}
}
