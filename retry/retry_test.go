package retry

import (
	"context"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/span"
)

func TestRetryWithDefaults(t *testing.T) {
	got := Config{Max: span.Of(10 * time.Minute)}.WithDefaults()
	want := Config{Base: span.Of(2 * time.Second), Max: span.Of(10 * time.Minute), GiveUpAfter: span.Of(24 * time.Hour),
		Lease: span.Of(2 * time.Minute), Every: span.Of(time.Second)}
	if got != want {
		t.Fatalf("WithDefaults = %+v, want %+v", got, want)
	}
	// What is shown is what runs: the filled-in values give the same policy as the unset ones.
	filled, errs := Config{}.WithDefaults().Policy()
	unset, _ := Config{}.Policy()
	if len(errs) > 0 || filled != unset {
		t.Fatalf("filled policy %+v (%v), unset %+v", filled, errs, unset)
	}
}

func TestConfigRefusesEveryBadKey(t *testing.T) {
	// A value that is no duration at all ("soon") is refused when the file is read
	// (span.Duration); what reads but cannot be a retry delay is refused here.
	_, errs := Config{Base: span.Of(-time.Second), Max: span.Of(-time.Minute), GiveUpAfter: span.Of(0),
		Lease: span.Of(2 * time.Minute), Every: span.Of(-time.Millisecond)}.Policy()
	want := []string{
		`bot.retry.base: want a positive duration such as "30s", got "-1s"`,
		`bot.retry.max: want a positive duration such as "30s", got "-1m"`,
		`bot.retry.give_up_after: want a positive duration such as "30s", got "0s"`,
		`bot.retry.every: want a positive duration such as "30s", got "-1ms"`,
	}
	if len(errs) != len(want) {
		t.Fatalf("errors %v, want %d", errs, len(want))
	}
	for i, w := range want {
		if errs[i].Error() != w {
			t.Errorf("error %d = %q, want %q", i, errs[i], w)
		}
	}
}

// TestBackoffDoublesWithinJitter: attempt n waits between half and all of Base·2^(n-1),
// capped at Max.
func TestBackoffDoublesWithinJitter(t *testing.T) {
	p := Policy{Base: 2 * time.Second, Max: 30 * time.Second}
	for _, tt := range []struct {
		n    int
		full time.Duration
	}{{1, 2 * time.Second}, {2, 4 * time.Second}, {3, 8 * time.Second}, {4, 16 * time.Second}, {5, 30 * time.Second}, {40, 30 * time.Second}} {
		for range 200 {
			d := p.Backoff(tt.n)
			if d < tt.full/2 || d > tt.full {
				t.Fatalf("Backoff(%d) = %v, want within [%v, %v]", tt.n, d, tt.full/2, tt.full)
			}
		}
	}
	if d := (Policy{}).Backoff(3); d != 0 {
		t.Fatalf("zero policy backoff = %v", d)
	}
}

func TestSleep(t *testing.T) {
	if !Sleep(context.Background(), time.Millisecond) {
		t.Fatal("a wait that ran out reported a cancel")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if Sleep(ctx, time.Hour) || time.Since(start) > time.Second {
		t.Fatal("a cancelled wait did not end at once")
	}
}
