package app

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/store"
)

// CheckOptions are `ticketbot check`'s flags.
type CheckOptions struct {
	// Verbose also prints the effective configuration, defaults filled in, secrets redacted.
	Verbose bool
	// Online, once the file is right, makes one harmless authenticated call per configured
	// platform and vendor (checkOnline), each within ProbeTimeout (DefaultProbeTimeout when 0).
	Online       bool
	ProbeTimeout time.Duration
}

// Check is `ticketbot check`: it reads the file at path and prints every problem to stderr
// (exit 1), or OK and the warnings to stdout (exit 0), then with Online a line per call
// (exit 1 when one failed).
func Check(path string, o CheckOptions, stdout, stderr io.Writer) int {
	cfg, code := load(path, stderr)
	if cfg == nil {
		return code
	}
	if cfg.Store.Driver == "postgres" {
		// The file is right; the database must answer too, or serve would stop at once.
		ctx, cancel := context.WithTimeout(context.Background(), cfg.Store.ConnectTimeout.D()+2*time.Second)
		defer cancel()
		if err := store.PingPostgres(ctx, cfg.Store.DSN.Reveal(), cfg.Store.pool()); err != nil {
			printErrors(stderr, path, []error{fmt.Errorf("store.dsn: %s", strings.TrimPrefix(err.Error(), "store: "))})
			return 1
		}
	}
	fmt.Fprintf(stdout, "%s: OK\n", cfg.path)
	for _, w := range warnings(cfg) {
		fmt.Fprintln(stdout, "warning:", w)
	}
	if o.Verbose {
		fmt.Fprint(stdout, "\n", cfg.String())
	}
	if o.Online {
		fmt.Fprintln(stdout)
		if checkOnline(cfg, cmp.Or(o.ProbeTimeout, DefaultProbeTimeout), stdout) {
			return 1
		}
	}
	return 0
}

// load reads the configuration. A nil config comes with exit code 1, every problem printed.
func load(path string, stderr io.Writer) (*Config, int) {
	cfg, errs := loadConfig(path)
	if len(errs) > 0 {
		printErrors(stderr, path, errs)
		return nil, 1
	}
	cfg.path = path
	return cfg, 0
}

func printErrors(w io.Writer, path string, errs []error) {
	fmt.Fprintf(w, "%s: %d problem(s):\n", path, len(errs))
	for _, e := range errs {
		fmt.Fprintln(w, "  -", e)
	}
}

// warner is a section with things that work but deserve an operator's look.
type warner interface{ Warnings() []string }

// warnings are things that work but deserve an operator's look: the vendors' sections', the
// absence of [[chats]], the platforms' sections', then the outdated keys still read.
func warnings(c *Config) []string {
	var ws []string
	for _, d := range vendorRegistry.All() {
		if w, ok := c.Providers[d.Name].(warner); ok {
			ws = append(ws, w.Warnings()...)
		}
	}
	if len(c.Chats) == 0 {
		ws = append(ws, "no [[chats]] configured: every chat that adds the bot may use it")
	}
	for _, p := range platformRegistry {
		if w, ok := c.Platforms[p.Name].(warner); ok {
			ws = append(ws, w.Warnings()...)
		}
	}
	ws = append(ws, c.Server.warnings()...)
	ws = append(ws, escalationWarnings(c)...)
	return append(ws, c.legacy...)
}

// escalationWarnings names each escalate_to whose platform this configuration does not run:
// valid, but its escalations would never be posted.
func escalationWarnings(c *Config) []string {
	var ws []string
	check := func(key, to string) {
		platform, _, ok := strings.Cut(to, ":")
		if !ok || strings.EqualFold(to, "off") {
			return
		}
		if _, on := c.Platforms[platform]; !on {
			ws = append(ws, fmt.Sprintf("%s = %q: [%s] is not configured here, so escalations are not posted there", key, to, platform))
		}
	}
	check("bot.reminders.escalate_to", c.Bot.Reminders.EscalateTo)
	for i, ch := range c.Chats {
		check(fmt.Sprintf("chats[%d].escalate_to", i), ch.EscalateTo)
	}
	return ws
}
