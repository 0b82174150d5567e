package span

import (
	"strconv"
	"strings"
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

func TestDurationText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"30s", 30 * time.Second, true},
		{"5m", 5 * time.Minute, true},
		{"1h30m", 90 * time.Minute, true},
		{"-1s", -time.Second, true}, // the sign is the caller's to refuse: it knows the key
		{"0s", 0, true},
		{"soon", 0, false},
		{"10", 0, false},
		{"", 0, false},
	} {
		var d Duration
		err := d.UnmarshalText([]byte(tc.in))
		if (err == nil) != tc.ok || d.D() != tc.want {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v ok=%v", tc.in, d.D(), err, tc.want, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), strconv.Quote(tc.in)) {
			t.Errorf("error %q does not repeat %q", err, tc.in)
		}
		if tc.ok {
			b, _ := d.MarshalText()
			var back Duration
			if err := back.UnmarshalText(b); err != nil || back != d {
				t.Errorf("%q → %q → %v, %v: does not read back", tc.in, b, back.D(), err)
			}
		}
	}
	if got := (Duration{}).Or(time.Minute); got != time.Minute {
		t.Errorf("unset Or = %v", got)
	}
	if got := Of(time.Second).Or(time.Minute); got != time.Second {
		t.Errorf("set Or = %v", got)
	}
	var zero Duration
	if err := zero.UnmarshalText([]byte("0s")); err != nil || !zero.IsSet() || zero.Or(time.Minute) != 0 {
		t.Errorf(`"0s" read as %v set=%v: a written zero is not "unset"`, zero.D(), zero.IsSet())
	}
}
