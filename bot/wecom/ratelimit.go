package wecom

import (
	"context"
	"sync"
	"time"
)

// WeCom's send limits. Over them WeCom answers 45009 and the message is lost unless sent
// again, so sends queue for a free slot instead.
var (
	// The 智能机器人: replies and pushes together, per chat (DOC 101463).
	chatPerMinute = window{n: 30, d: time.Minute}
	chatPerHour   = window{n: 1000, d: time.Hour}
	// The group webhook robot, per robot (DOC 91770).
	robotPerMinute = window{n: 20, d: time.Minute}
)

// window allows n events in any span of d.
type window struct {
	n int
	d time.Duration
}

// limiter is a sliding-log rate limiter per key: it hands out the earliest time at which one
// more event keeps every window within its count. A caller reserves a slot and waits until
// it; reservations are served in order, so a burst drains at exactly the allowed rate and
// nothing is dropped. Safe for concurrent use.
//
// Why not golang.org/x/time/rate: a token bucket lets a full bucket plus the refill through
// in the first minute (over WeCom's count), and its waits read the wall clock, which tests
// could not fast-forward.
type limiter struct {
	now     func() time.Time
	windows []window
	longest time.Duration

	mu        sync.Mutex
	logs      map[string][]time.Time // per key, ascending: reserved slots within longest
	lastSweep time.Time
}

func newLimiter(now func() time.Time, windows ...window) *limiter {
	l := &limiter{now: now, windows: windows, logs: map[string][]time.Time{}}
	for _, w := range windows {
		l.longest = max(l.longest, w.d)
	}
	return l
}

// reserve books the earliest slot for one event under key and returns it with a function
// that gives the slot back (for a caller that stops waiting).
func (l *limiter) reserve(key string) (time.Time, func()) {
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
	for _, w := range l.windows {
		if len(log) >= w.n {
			// The slot opens when the n-th latest event leaves the window.
			if t := log[len(log)-w.n].Add(w.d); t.After(at) {
				at = t
			}
		}
	}
	// Kept whole within the longest window (at most its count plus the waiting), so a
	// cancelled reservation leaves the log exact.
	l.logs[key] = append(log, at)
	return at, func() { l.cancel(key, at) }
}

// cancel gives back a slot reserved at at.
func (l *limiter) cancel(key string, at time.Time) {
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
func (l *limiter) sweep(now time.Time) {
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

// wait blocks until one more event under key is within the limits, or ctx ends.
func (w *WeCom) wait(ctx context.Context, l *limiter, key string) error {
	at, cancel := l.reserve(key)
	d := at.Sub(w.now())
	if d <= 0 {
		return nil
	}
	w.log.DebugContext(ctx, "wecom: rate limit, waiting", "wait", d)
	if err := w.sleep(ctx, d); err != nil {
		cancel()
		return err
	}
	return nil
}
