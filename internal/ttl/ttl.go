// Package ttl is the one bounded cache with expiry the bot keeps in memory (delivery ids
// seen, card lookups, people's command budgets): an LRU bounded in count whose entries also
// expire after a TTL. Expiry is checked when an entry is read, so the cache starts no
// goroutine: golang-lru's expirable LRU starts one per cache that never ends, which outlived
// Serve. Count-bounded LRU eviction still bounds the memory of entries nobody reads again.
package ttl

import (
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Cache maps keys to values for at most TTL each, holding at most its size. It is safe for
// concurrent use.
type Cache[K comparable, V any] struct {
	lru *lru.Cache[K, entry[V]]
	ttl time.Duration
	now func() time.Time
}

type entry[V any] struct {
	v       V
	expires time.Time
}

// New makes a cache of at most size entries, each kept for ttl after it was last added.
func New[K comparable, V any](size int, ttl time.Duration) *Cache[K, V] {
	return NewWithClock[K, V](size, ttl, time.Now)
}

// NewWithClock is New with a clock, for tests.
func NewWithClock[K comparable, V any](size int, ttl time.Duration, now func() time.Time) *Cache[K, V] {
	c, err := lru.New[K, entry[V]](size)
	if err != nil {
		panic("ttl: " + err.Error()) // a size below 1 is a wiring mistake
	}
	return &Cache[K, V]{lru: c, ttl: ttl, now: now}
}

// Add stores v under k until the TTL from now.
func (c *Cache[K, V]) Add(k K, v V) {
	c.lru.Add(k, entry[V]{v: v, expires: c.now().Add(c.ttl)})
}

// Get returns the value under k unless it has expired (then it is dropped).
func (c *Cache[K, V]) Get(k K) (V, bool) {
	e, ok := c.lru.Get(k)
	if !ok {
		var zero V
		return zero, false
	}
	if !c.now().Before(e.expires) {
		c.lru.Remove(k)
		var zero V
		return zero, false
	}
	return e.v, true
}

// Contains reports whether k holds a value that has not expired.
func (c *Cache[K, V]) Contains(k K) bool {
	_, ok := c.Get(k)
	return ok
}

// Remove drops k.
func (c *Cache[K, V]) Remove(k K) { c.lru.Remove(k) }

// Len is how many entries are held, expired ones not yet dropped included.
func (c *Cache[K, V]) Len() int { return c.lru.Len() }
