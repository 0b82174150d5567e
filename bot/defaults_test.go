package bot

import (
	"testing"
	"time"
)

func TestWithDefaultsFillsOnlyUnset(t *testing.T) {
	w := WatchConfig{Concurrency: 9}.WithDefaults()
	if w.Concurrency != 9 || w.Batch != 100 || w.ClosedEvery != 10 || w.Interval != time.Minute {
		t.Errorf("watch defaults: %+v", w)
	}
	d := DispatcherConfig{Queue: 5}.WithDefaults()
	if d.Queue != 5 || d.Workers != 8 || d.ActionWait != 2500*time.Millisecond {
		t.Errorf("dispatcher defaults: %+v", d)
	}
}
