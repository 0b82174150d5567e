package bot

import (
	"testing"
	"time"
)

func TestFormatDuration(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want string
	}{
		{time.Second, "1s"},
		{2500 * time.Millisecond, "2.5s"},
		{time.Minute, "1m"},
		{90 * time.Second, "1m30s"},
		{5 * time.Minute, "5m"},
		{24 * time.Hour, "24h"},
		{72*time.Hour + 30*time.Minute, "72h30m"},
		{time.Hour + 5*time.Second, "1h0m5s"},
		{0, "0s"},
	} {
		if got := FormatDuration(tc.in); got != tc.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tc.in, got, tc.want)
		}
		if d, err := time.ParseDuration(FormatDuration(tc.in)); err != nil || d != tc.in {
			t.Errorf("FormatDuration(%v) does not parse back: %v %v", tc.in, d, err)
		}
	}
}

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
