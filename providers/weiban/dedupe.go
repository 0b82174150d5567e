package weiban

import (
	"sync"
	"time"
)

// seenSet remembers event ids for a while, so an event Weiban delivers again (at least once,
// retry_count > 0) is handled once. It is bounded both in time (ttl) and in size (max, the
// oldest forgotten first), so a flood cannot exhaust memory. It is safe for concurrent use.
type seenSet struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu    sync.Mutex
	at    map[string]time.Time
	order []string // ids in insertion order; may hold ids already removed
}

func newSeenSet(ttl time.Duration, max int, now func() time.Time) *seenSet {
	return &seenSet{ttl: ttl, max: max, now: now, at: map[string]time.Time{}}
}

// add records id and reports whether it is new (not seen within ttl).
func (s *seenSet) add(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if t, ok := s.at[id]; ok && now.Sub(t) < s.ttl {
		return false
	}
	s.evict(now)
	s.at[id] = now
	s.order = append(s.order, id)
	return true
}

// remove forgets id, so a delivery that could not be queued is handled when Weiban retries.
func (s *seenSet) remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.at, id)
}

// evict drops expired ids and, beyond max, the oldest. The caller holds s.mu.
func (s *seenSet) evict(now time.Time) {
	drop := 0
	for drop < len(s.order) {
		id := s.order[drop]
		t, ok := s.at[id]
		switch {
		case !ok: // removed, or re-added later in order (then its newer entry stays)
		case now.Sub(t) >= s.ttl || len(s.at) >= s.max:
			delete(s.at, id)
		default:
			s.order = s.order[drop:]
			return
		}
		drop++
	}
	s.order = s.order[:0]
}
