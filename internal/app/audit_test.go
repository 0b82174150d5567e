package app

import (
	"testing"
	"time"
)

func TestAuditParseWhen(t *testing.T) {
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
		err  bool
	}{
		{in: "2026-11-01", want: time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC)},
		{in: "2026-11-21T18:00", want: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)},
		{in: "2026-11-21T18:00:05", want: time.Date(2026, 11, 21, 10, 0, 5, 0, time.UTC)},
		{in: "2026-11-21 18:00", want: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)},
		{in: "2026-11-21T18:00:00Z", want: time.Date(2026, 11, 21, 18, 0, 0, 0, time.UTC)},
		{in: "2026-11-21T18:00:00+09:00", want: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)},
		{in: "24h", want: now.Add(-24 * time.Hour)},
		{in: "168h", want: now.Add(-168 * time.Hour)},
		{in: "90m", want: now.Add(-90 * time.Minute)},
		{in: "-1h", err: true},
		{in: "7d", err: true},
		{in: "2026/11/01", err: true},
		{in: "", err: true},
	} {
		got, err := parseWhen(tc.in, now)
		if tc.err {
			if err == nil {
				t.Errorf("parseWhen(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseWhen(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestAuditCSVSafe(t *testing.T) {
	for in, want := range map[string]string{
		"":           "",
		"张三":         "张三",
		"=1+1":       "'=1+1",
		"+86 138":    "'+86 138",
		"-1":         "'-1",
		"@SUM(A1)":   "'@SUM(A1)",
		"\t=1":       "'\t=1",
		"\r=1":       "'\r=1",
		"a=1":        "a=1",
		" =1":        " =1",
		"'already":   "'already",
		"ou_1;ou_2":  "ou_1;ou_2",
		"2025-11-01": "2025-11-01",
	} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
