// Package retry is the one retry policy of everything the bot retries (vendor writes, chat
// answers, watcher notices): [bot.retry] parsed once, and one backoff with jitter.
package retry

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/ticketbot/ticketbot/span"
)

// Config is [bot.retry]: how the engine retries a job whose attempt failed for now (a
// vendor or a chat that is down).
type Config struct {
	// Base is the first delay ("2s"); each attempt doubles it up to Max ("5m"), with jitter.
	Base span.Duration `toml:"base"`
	Max  span.Duration `toml:"max"`
	// GiveUpAfter ends the retries ("24h"): the chat is told, and the text is shown again.
	GiveUpAfter span.Duration `toml:"give_up_after"`
	// Lease is how long an attempt may run before another process takes the job over as
	// dead ("2m"); longer than any vendor call.
	Lease span.Duration `toml:"lease"`
	// Every is how often due jobs are looked for ("1s").
	Every span.Duration `toml:"every"`
}

// Policy is a parsed Config.
type Policy struct {
	Base, Max, GiveUpAfter, Lease, Every time.Duration
}

// Default is what an empty [bot.retry] means.
var Default = Policy{Base: 2 * time.Second, Max: 5 * time.Minute, GiveUpAfter: 24 * time.Hour,
	Lease: 2 * time.Minute, Every: time.Second}

// Policy parses c over Default; it reports every bad key (and keeps the default for it).
func (c Config) Policy() (Policy, []error) {
	p := Default
	var errs []error
	for _, f := range []struct {
		key string
		v   span.Duration
		dst *time.Duration
	}{{"base", c.Base, &p.Base}, {"max", c.Max, &p.Max}, {"give_up_after", c.GiveUpAfter, &p.GiveUpAfter},
		{"lease", c.Lease, &p.Lease}, {"every", c.Every, &p.Every}} {
		if !f.v.IsSet() {
			continue
		}
		if f.v.D() <= 0 {
			errs = append(errs, fmt.Errorf("bot.retry.%s: want a positive duration such as \"30s\", got %q", f.key, span.Format(f.v.D())))
			continue
		}
		*f.dst = f.v.D()
	}
	return p, errs
}

// WithDefaults returns c with every unset key at the value the bot will use, so
// `ticketbot check -v` shows the effective retry policy rather than empty strings.
func (c Config) WithDefaults() Config {
	p := Default
	for _, f := range []struct {
		v *span.Duration
		d time.Duration
	}{{&c.Base, p.Base}, {&c.Max, p.Max}, {&c.GiveUpAfter, p.GiveUpAfter}, {&c.Lease, p.Lease}, {&c.Every, p.Every}} {
		if !f.v.IsSet() {
			*f.v = span.Of(f.d)
		}
	}
	return c
}

// Backoff is the delay before attempt n+1: Base·2^(n-1) up to Max, jittered into its upper
// half so that jobs failed together do not come back together. It is the one backoff of
// everything the bot retries: the engine's jobs, the watcher's notices, a platform's long
// connection, and the vendors' own in-call retries of a read.
func (p Policy) Backoff(n int) time.Duration { return p.BackoffWith(n, Jitter) }

// BackoffWith is Backoff with the jitter given: jitter(m) is a duration in [0, m], and a
// test that pins it to 0 sees the lower bound, half of Base·2^(n-1).
func (p Policy) BackoffWith(n int, jitter func(max time.Duration) time.Duration) time.Duration {
	d := p.Base
	for i := 1; i < n && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	if d <= 0 {
		return 0
	}
	return d/2 + jitter(d/2)
}

// Jitter is a uniform duration in [0, max].
func Jitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	return rand.N(max + 1)
}

// Sleep waits d or until ctx ends, whichever comes first; false when ctx ended. It is the wait
// between tries everywhere the bot tries again.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
