package handlers

import (
	"time"

	"github.com/ticketbot/ticketbot/bot"
)

// WithDefaults returns c with every unset key at the value the outbox will use, so
// `ticketbot check -v` shows the effective retry policy rather than empty strings.
func (c RetryConfig) WithDefaults() RetryConfig {
	p, _ := RetryConfig{}.policy()
	for _, f := range []struct {
		s *string
		d time.Duration
	}{{&c.Base, p.base}, {&c.Max, p.max}, {&c.GiveUpAfter, p.giveUp}, {&c.Lease, p.lease}, {&c.Every, p.every}} {
		if *f.s == "" {
			*f.s = bot.FormatDuration(f.d)
		}
	}
	return c
}
