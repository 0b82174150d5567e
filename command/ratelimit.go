package command

import (
	"sync"
	"time"

	"github.com/ticketbot/ticketbot/internal/ttl"
	"golang.org/x/time/rate"
)

// DefaultCommandsPerMinute is each person's command budget when the config names none.
const DefaultCommandsPerMinute = 20

// limiter keeps one token bucket per person, so one person (or a script pasting commands)
// cannot flood a vendor or a chat on everyone's behalf. Buckets of people idle for ten
// minutes are forgotten, and at most maxBuckets are kept (the least recently active go
// first), which bounds the memory. The TTL set is the one the dispatcher and
// the store's caches use.
type limiter struct {
	perMinute int
	buckets   *ttl.Cache[string, *bucket]
	mu        sync.Mutex // orders bucket creation
}

// bucketIdle is how long an idle person's bucket is kept; maxBuckets bounds how many are.
const (
	bucketIdle = 10 * time.Minute
	maxBuckets = 100_000
)

type bucket struct {
	mu     sync.Mutex
	l      *rate.Limiter
	warned bool // told once in the current run of refusals
}

// newLimiter allows perMinute commands a minute per person, in bursts up to perMinute;
// 0 means DefaultCommandsPerMinute and a negative value turns the limit off.
func newLimiter(perMinute int) *limiter {
	if perMinute == 0 {
		perMinute = DefaultCommandsPerMinute
	}
	return &limiter{perMinute: perMinute, buckets: ttl.New[string, *bucket](maxBuckets, bucketIdle)}
}

// allow spends one of user's tokens. ok is false when none is left; tell is true for the
// first refusal of a run, so the person is told once rather than on every message.
func (l *limiter) allow(user string, now time.Time) (ok, tell bool) {
	if l == nil || l.perMinute < 0 {
		return true, false
	}
	b := l.bucket(user)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.l.AllowN(now, 1) {
		b.warned = false
		return true, false
	}
	tell = !b.warned
	b.warned = true
	return false, tell
}

// spend spends one of user's tokens if one is left and reports whether it did. A refusal is
// not counted as told: the caller leaves the message to allow, which tells the person.
func (l *limiter) spend(user string, now time.Time) bool {
	if l == nil || l.perMinute < 0 {
		return true
	}
	b := l.bucket(user)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.l.AllowN(now, 1) {
		b.warned = false
		return true
	}
	return false
}

func (l *limiter) bucket(user string) *bucket {
	if b, ok := l.buckets.Get(user); ok {
		l.buckets.Add(user, b) // keep an active person's bucket alive
		return b
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets.Get(user); ok {
		return b
	}
	b := &bucket{l: rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute)}
	l.buckets.Add(user, b)
	return b
}
