package weiban

import (
	"context"
	"sync"
	"time"
)

// sleepRecorder replaces real waiting: it records each wait and returns at once.
type sleepRecorder struct {
	mu sync.Mutex
	ds []time.Duration
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.ds = append(s.ds, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepRecorder) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []time.Duration
	for _, d := range s.ds {
		if d > 0 {
			out = append(out, d)
		}
	}
	return out
}
