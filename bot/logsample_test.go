package bot

import (
	"testing"
	"time"
)

// A flood writes a line a period with the count of what it held back.
func TestLogSampler(t *testing.T) {
	clk := &testClock{now: limitT0}
	s := NewLogSampler(time.Second)
	s.now = clk.Now
	lines, total := 0, 0
	for i := range 1000 {
		if ok, n := s.Allow("busy"); ok {
			lines++
			total += 1 + n
		}
		if i%100 == 99 {
			clk.Advance(time.Second)
		}
	}
	if ok, n := s.Allow("busy"); ok {
		lines++
		total += 1 + n
	}
	if lines != 11 || total != 1001 {
		t.Errorf("%d lines standing for %d refusals, want 11 for 1001", lines, total)
	}
	if ok, _ := s.Allow("other"); !ok {
		t.Error("another kind waited for the first one's period")
	}
}
