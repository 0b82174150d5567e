package bot

import (
	"strings"
	"time"
)

// WithDefaults returns c with every unset knob at the value the dispatcher will use, so the
// configuration can show its effective values (`ticketbot check -v`) without repeating them.
func (c DispatcherConfig) WithDefaults() DispatcherConfig {
	c.defaults()
	return c
}

// WithDefaults returns c with every unset knob at the value the watcher will use, for the
// same reason.
func (c WatchConfig) WithDefaults() WatchConfig {
	c.defaults()
	return c
}

// FormatDuration writes d the way a person writes it in the configuration file: "5m" and
// "24h" rather than time.Duration's "5m0s" and "24h0m0s".
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
