package providers

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"", time.Time{}},
		{"null", time.Time{}},
		{"0", time.Time{}},
		{"-5", time.Time{}},
		{"1632742075", time.Unix(1632742075, 0)},
		{"1632742075123", time.UnixMilli(1632742075123)},
		{"1632742075.5", time.Unix(1632742075, 5e8)},
		{"2021-11-11 11:11:11", time.Date(2021, 11, 11, 11, 11, 11, 0, Shanghai)},
		{"2021-11-11T11:11:11", time.Date(2021, 11, 11, 11, 11, 11, 0, Shanghai)},
		{"2021-11-11 11:11", time.Date(2021, 11, 11, 11, 11, 0, 0, Shanghai)},
		{"2021-11-11", time.Date(2021, 11, 11, 0, 0, 0, 0, Shanghai)},
		{"2021-11-11T03:11:11Z", time.Date(2021, 11, 11, 3, 11, 11, 0, time.UTC)},
		{"not a time", time.Time{}},
	}
	for _, tt := range tests {
		if got := ParseTime(tt.in); !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
