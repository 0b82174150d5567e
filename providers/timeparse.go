package providers

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Shanghai is the zone vendors' naive local times are in (China has had no DST since 1991,
// so a fixed zone needs no tz database).
var Shanghai = time.FixedZone("CST", 8*60*60)

// ParseTime reads a vendor time however it comes: Unix seconds or milliseconds (numbers from
// 1e12 are milliseconds: later than 2001 in ms, the year 33658 in seconds), fractional
// seconds, RFC 3339, or a naive "2006-01-02 15:04:05"-style string in Asia/Shanghai. Empty,
// "null", zero and anything unreadable give the zero time rather than an error, so one odd
// field cannot hide a whole ticket. Every vendor's documents mix these forms.
func ParseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" || s == "null" {
		return time.Time{}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		switch {
		case n <= 0:
			return time.Time{}
		case n >= 1e12:
			return time.UnixMilli(n)
		default:
			return time.Unix(n, 0)
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f <= 0 || math.IsNaN(f) || f > 1e15 {
			return time.Time{}
		}
		if f >= 1e12 {
			return time.UnixMilli(int64(f))
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).Truncate(time.Millisecond)
	}
	if v, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return v
	}
	for _, layout := range []string{time.DateTime, "2006-01-02T15:04:05", "2006-01-02 15:04", time.DateOnly} {
		if v, err := time.ParseInLocation(layout, s, Shanghai); err == nil {
			return v
		}
	}
	return time.Time{}
}
