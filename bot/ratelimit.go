package bot

import (
	"context"
	"sync"
	"time"
)

// Rate allows N events in any span of Per.
type Rate struct {
	N   int
	Per time.Duration
}

// Limiter is a sliding-log rate limiter per key (a chat, a message): it hands out the
// earliest time at which one more event keeps every rate. A caller
// reserves a slot and waits until it; reservations are served in order, so a burst drains at
// exactly the allowed rate and nothing is dropped. Chat platforms use it to keep their send
// limits through Take: a send waits for a near slot, and is told when to come back for a far
// one (a *BusyError), so an answer is late rather than refused and no shared worker is held
// by one busy chat. Safe for concurrent use.
//
// Why not golang.org/x/time/rate: a token bucket lets a full bucket plus the refill through
// in the first window (over a platform's count), and its waits read the wall clock, which
// tests could not fast-forward.
type Limiter struct {
	now     func() time.Time
	rates   []Rate
	longest time.Duration

	mu        sync.Mutex
	logs      map[string][]time.Time // per key, ascending: reserved slots within longest
	lastSweep time.Time
}

// NewLimiter builds a limiter keeping every rate, on the clock now.
func NewLimiter(now func() time.Time, rates ...Rate) *Limiter {
	l := &Limiter{now: now, rates: rates, logs: map[string][]time.Time{}}
	for _, r := range rates {
		l.longest = max(l.longest, r.Per)
	}
	return l
}

// Reserve books the earliest slot for one event under key and returns it with a function
// that gives the slot back (for a caller that stops waiting).
func (l *Limiter) Reserve(key string) (time.Time, func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.sweep(now)
	log := l.logs[key]
	// Forget what left the longest window.
	i := 0
	for i < len(log) && !log[i].After(now.Add(-l.longest)) {
		i++
	}
	log = log[i:]
	at := now
	if len(log) > 0 && log[len(log)-1].After(at) {
		at = log[len(log)-1] // queue behind earlier reservations
	}
	for _, r := range l.rates {
		if len(log) >= r.N {
			// The slot opens when the N-th latest event leaves its span.
			if t := log[len(log)-r.N].Add(r.Per); t.After(at) {
				at = t
			}
		}
	}
	// Kept whole within the longest span (at most its count plus the waiting), so a
	// cancelled reservation leaves the log exact.
	l.logs[key] = append(log, at)
	return at, func() { l.cancel(key, at) }
}

// Wait reserves a slot under key and sleeps until it with sleep (which must return early
// with ctx's error); a wait cut short gives its slot back.
func (l *Limiter) Wait(ctx context.Context, key string, sleep func(context.Context, time.Duration) error) (time.Duration, error) {
	at, cancel := l.Reserve(key)
	d := at.Sub(l.now())
	if d <= 0 {
		return 0, nil
	}
	if err := sleep(ctx, d); err != nil {
		cancel()
		return d, err
	}
	return d, nil
}

// Take reserves a slot under key if it comes no later than by, and sleeps until it (with
// sleep, which must return early with ctx's error). A slot further away is given back at
// once and Take returns a *BusyError whose RetryAt is that slot: the caller sends later
// instead of holding its goroutine. giveBack returns a taken slot, for a caller that ends up
// posting nothing (a later limit was busy); a wait cut short by ctx gives its slot back
// itself.
func (l *Limiter) Take(ctx context.Context, key string, by time.Time, sleep func(context.Context, time.Duration) error) (waited time.Duration, giveBack func(), err error) {
	at, cancel := l.Reserve(key)
	if at.After(by) {
		cancel()
		return 0, nil, &BusyError{RetryAt: at}
	}
	d := at.Sub(l.now())
	if d <= 0 {
		return 0, cancel, nil
	}
	if err := sleep(ctx, d); err != nil {
		cancel()
		return d, nil, err
	}
	return d, cancel, nil
}

// cancel gives back a slot reserved at at.
func (l *Limiter) cancel(key string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	log := l.logs[key]
	for i := len(log) - 1; i >= 0; i-- {
		if log[i].Equal(at) {
			l.logs[key] = append(log[:i:i], log[i+1:]...)
			return
		}
	}
}

// sweep drops keys idle for longer than the longest window, at most once a minute.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < time.Minute {
		return
	}
	l.lastSweep = now
	for k, log := range l.logs {
		if len(log) == 0 || !log[len(log)-1].After(now.Add(-l.longest)) {
			delete(l.logs, k)
		}
	}
}

// Keys reports how many keys the limiter holds (tests check idle keys are swept).
func (l *Limiter) Keys() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.logs)
}

// Sleep waits d or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
