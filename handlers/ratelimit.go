package handlers

import (
	"sync"
	"time"

	"github.com/patrickmn/go-cache"
	"golang.org/x/time/rate"
)

// DefaultCommandsPerMinute is each person's command budget when the config names none.
const DefaultCommandsPerMinute = 20

// limiter keeps one token bucket per person, so one person (or a script pasting commands)
// cannot flood a vendor or a chat on everyone's behalf. Buckets of people idle for ten
// minutes are forgotten, which bounds the memory to the people active lately.
type limiter struct {
	perMinute int
	buckets   *cache.Cache // user → *bucket
	mu        sync.Mutex   // orders bucket creation
}

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
	return &limiter{perMinute: perMinute, buckets: cache.New(10*time.Minute, 10*time.Minute)}
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

func (l *limiter) bucket(user string) *bucket {
	if v, ok := l.buckets.Get(user); ok {
		l.buckets.SetDefault(user, v) // keep an active person's bucket alive
		return v.(*bucket)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if v, ok := l.buckets.Get(user); ok {
		return v.(*bucket)
	}
	b := &bucket{l: rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute)}
	l.buckets.SetDefault(user, b)
	return b
}

func tooFast(en bool) string {
	return say(en, "你发送命令太快了，请稍等一分钟再试。", "Too many commands; please wait a minute.")
}
