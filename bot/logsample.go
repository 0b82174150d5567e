package bot

import (
	"sync"
	"time"
)

// LogSampler lets one log line a period through per kind and counts the ones it held back,
// so a flood of refusals (a full queue under load) writes a line a second saying how many it
// stands for, not one line per request: 100 MB of log in minutes helps nobody. Safe for
// concurrent use.
type LogSampler struct {
	every time.Duration
	now   func() time.Time

	mu   sync.Mutex
	last map[string]time.Time
	held map[string]int
}

// NewLogSampler lets a line through every period (one second when zero).
func NewLogSampler(every time.Duration) *LogSampler {
	if every <= 0 {
		every = time.Second
	}
	return &LogSampler{every: every, now: time.Now, last: map[string]time.Time{}, held: map[string]int{}}
}

// Allow reports whether a line of kind may be written now and how many were held back since
// the last one (to log as "suppressed").
func (s *LogSampler) Allow(kind string) (ok bool, suppressed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if now.Sub(s.last[kind]) < s.every {
		s.held[kind]++
		return false, 0
	}
	s.last[kind] = now
	suppressed, s.held[kind] = s.held[kind], 0
	return true, suppressed
}
