package span

import (
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
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
		if got := Format(tc.in); got != tc.want {
			t.Errorf("Format(%v) = %q, want %q", tc.in, got, tc.want)
		}
		if d, err := time.ParseDuration(Format(tc.in)); err != nil || d != tc.in {
			t.Errorf("Format(%v) does not parse back: %v %v", tc.in, d, err)
		}
	}
}
