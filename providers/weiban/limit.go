package weiban

import (
	"context"
	"sync"
	"time"

	"github.com/ticketbot/ticketbot/retry"
)

// Weiban's limits (doc-382947 访问频率和并发限制; reference/ticket-providers.md §4.3): at most 5
// requests of one corp in flight (errcode 10052), and 600 calls a minute per corp and API
// (10053, which also blocks the corp for 60 s). The limiter keeps a Provider under both:
// 5 in flight, and 600 starts in any 60 s across all APIs, stricter than the per-API rule so
// one busy endpoint cannot starve the others of the corp's budget. One Provider is one corp;
// two Providers for the same corp would each allow 5.
const (
	maxInFlight  = 5
	maxPerWindow = 600
	rateWindow   = time.Minute
	// penalty is how long Weiban blocks a corp that broke the minute limit.
	penalty = 60 * time.Second
)

// The error codes of the limits, and of an expired or wrong token.
const (
	codeTooConcurrent = 10052
	codeTooFrequent   = 10053
	codeBadToken      = 10001 // 认证错误:请提供正确的access_token
	codeNotFound      = 22301 // order_no非法,对应工单不存在
	codeClosed        = 22307 // the work order is closed, the operation is not allowed
)

// Backoff of a refused (10052/10053) or failed call: the one backoff (retry.Policy), 200–400 ms
// before the first retry, doubling up to 2.5–5 s; after 10053 the limiter waits out the
// penalty first.
var callBackoff = retry.Policy{Base: 400 * time.Millisecond, Max: 5 * time.Second}

const (
	// penaltySpread spreads the retries of callers refused together with 10053, once the
	// limiter has waited out the penalty.
	penaltySpread = 200 * time.Millisecond
	// rateRetries is how often a call refused for the limits is sent again. A refusal means
	// Weiban did not process the request, so writes are retried too: a create refused with
	// 10052 has created nothing.
	rateRetries = 4
	// readRetries is how often a read is sent again after a network failure or HTTP 5xx.
	// Writes are not: a create whose answer was lost may have created the order.
	readRetries = 2
)

// limiter enforces the two limits for one corp. It is safe for concurrent use.
type limiter struct {
	slots chan struct{}
	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	mu sync.Mutex
	// starts holds the reserved start times of the last maxPerWindow calls, as a ring.
	starts []time.Time
	next   int
	// blockedUntil is when Weiban's 10053 penalty ends; nobody starts before.
	blockedUntil time.Time
}

func newLimiter(now func() time.Time, sleep func(context.Context, time.Duration) error) *limiter {
	return &limiter{
		slots:  make(chan struct{}, maxInFlight),
		now:    now,
		sleep:  sleep,
		starts: make([]time.Time, maxPerWindow),
	}
}

// acquire waits for an in-flight slot and then for the call's turn in the minute window, and
// returns the function that frees the slot. The slot is taken first so the time reserved is
// the time the call really starts.
func (l *limiter) acquire(ctx context.Context) (release func(), err error) {
	select {
	case l.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release = func() { <-l.slots }
	if d := l.reserve(); d > 0 {
		if err := l.sleep(ctx, d); err != nil {
			release()
			return nil, err
		}
	}
	return release, nil
}

// reserve books the earliest start allowed: not before the 600th-last start plus a minute,
// nor before a penalty ends. It returns how long to wait. Reservations never go back in time,
// so the window holds even if the clock is read late.
func (l *limiter) reserve() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	at := now
	if oldest := l.starts[l.next]; !oldest.IsZero() && oldest.Add(rateWindow).After(at) {
		at = oldest.Add(rateWindow)
	}
	if l.blockedUntil.After(at) {
		at = l.blockedUntil
	}
	l.starts[l.next] = at
	l.next = (l.next + 1) % len(l.starts)
	return at.Sub(now)
}

// penalize records a 10053: the corp is blocked for the penalty, so nobody calls until then.
func (l *limiter) penalize() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until := l.now().Add(penalty); until.After(l.blockedUntil) {
		l.blockedUntil = until
	}
}

// backoff returns the wait before retry n (0-based) after a failure with errcode code.
func backoff(n int, code int64, jitter func(time.Duration) time.Duration) time.Duration {
	if code == codeTooFrequent {
		// The limiter already waits for the penalty to end; the jitter spreads the retries
		// of callers refused together.
		return jitter(penaltySpread)
	}
	return callBackoff.BackoffWith(n+1, jitter)
}

// sleepCtx waits d or until ctx is done, whichever comes first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
