package span

import (
	"fmt"
	"time"
)

// Duration is a span of time in the configuration file, written as people write it ("30s",
// "5m", "24h"). It parses itself once, when the file is read: a value that does not parse is
// reported there with its key, and nobody downstream parses it again or meets one that does
// not. The zero value means "not set" (Or gives the default in its place), which is not the
// same as a "0s" written in the file: that one is the caller's to accept or refuse.
type Duration struct {
	d   time.Duration
	set bool
}

// Of is d as a configuration value that is set.
func Of(d time.Duration) Duration { return Duration{d: d, set: true} }

// D is the time.Duration to use (0 when not set).
func (d Duration) D() time.Duration { return d.d }

// Or is d, or def when d is not set.
func (d Duration) Or(def time.Duration) time.Duration {
	if !d.set {
		return def
	}
	return d.d
}

// IsSet reports whether the file (or a default) gave a value.
func (d Duration) IsSet() bool { return d.set }

// UnmarshalText reads "30s", "5m", "1h30m". The error repeats the text, which is never a
// secret, so the person sees what they wrote.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration such as \"30s\", \"5m\" or \"24h\"", b)
	}
	*d = Of(v)
	return nil
}

// MarshalText writes d as people write it, so `ticketbot check -v` shows "5m", not "5m0s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(Format(d.d)), nil }
