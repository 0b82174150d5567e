package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

const auditUsage = `usage: ticketbot audit --config FILE --since WHEN [--until WHEN] [--format csv|json]

Writes the audit log from --since (inclusive) to --until (exclusive, default now) to stdout,
oldest first. WHEN is a date (2026-11-01), a date-time (2026-11-21T18:00, 2026-11-21T18:00:05)
in Asia/Shanghai, an RFC 3339 time (2026-11-21T18:00:00Z), or a duration meaning that long
ago (24h, 168h).

flags:
`

// auditHeader is the CSV header; the columns follow store.AuditEntry's JSON names.
var auditHeader = []string{"at", "platform", "chat_id", "user_id", "user_name", "command", "provider",
	"ticket_id", "request_ids", "result", "detail"}

// runAudit is `ticketbot audit`; args are the flags after the subcommand's name. It returns
// the exit code: 2 for bad flags or times, 1 for a bad configuration or a store error.
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	// The flag package's own complaint is followed by the whole flag list; a usage error
	// gets one line here instead, and -h the full text.
	fs.SetOutput(io.Discard)
	path := fs.String("config", "config.toml", "configuration `file`")
	sinceArg := fs.String("since", "", "start of the export, inclusive (required): a `WHEN` as above")
	untilArg := fs.String("until", "", "end of the export, exclusive (default now): a `WHEN` as above")
	format := fs.String("format", "csv", "output `format`: csv or json")
	fail := func(msg string, a ...any) int {
		fmt.Fprintln(stderr, "ticketbot audit:", fmt.Sprintf(msg, a...))
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, auditUsage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return 0
		}
		return fail("%v (ticketbot audit -h for usage)", err)
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q (ticketbot audit -h for usage)", fs.Arg(0))
	}
	if *format != "csv" && *format != "json" {
		return fail("--format: want csv or json, got %q", *format)
	}
	if *sinceArg == "" {
		return fail("--since is required (a date such as 2026-11-01, or a duration such as 24h)")
	}
	now := time.Now()
	since, err := parseWhen(*sinceArg, now)
	if err != nil {
		return fail("--since: %v", err)
	}
	until := now
	if *untilArg != "" {
		if until, err = parseWhen(*untilArg, now); err != nil {
			return fail("--until: %v", err)
		}
	}
	if !until.After(since) {
		return fail("--until (%s) must be later than --since (%s)",
			until.In(providers.Shanghai).Format(time.RFC3339), since.In(providers.Shanghai).Format(time.RFC3339))
	}

	cfg, errs := LoadConfig(*path)
	if len(errs) > 0 {
		printErrors(stderr, *path, errs)
		return 1
	}
	if err := sqliteFileExists(cfg.Store); err != nil {
		fmt.Fprintln(stderr, "ticketbot audit:", err)
		return 1
	}
	st, err := openStore(ctx, cfg.Store)
	if err != nil {
		fmt.Fprintln(stderr, "ticketbot audit:", err)
		return 1
	}
	defer st.Close()
	entries, err := st.Audit(ctx, since, until)
	if err != nil {
		fmt.Fprintln(stderr, "ticketbot audit:", err)
		return 1
	}
	if *format == "json" {
		err = writeAuditJSON(stdout, entries)
	} else {
		err = writeAuditCSV(stdout, entries)
	}
	if err != nil {
		fmt.Fprintln(stderr, "ticketbot audit: write:", err)
		return 1
	}
	return 0
}

// parseWhen reads a --since/--until value: a Go duration is that long before now; a date or
// date-time without a zone is in Asia/Shanghai; RFC 3339 carries its own zone.
func parseWhen(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("duration %q is negative; give how long ago, such as 24h", s)
		}
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{time.DateOnly, "2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", time.DateTime} {
		if t, err := time.ParseInLocation(layout, s, providers.Shanghai); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read %q: want 2006-01-02, 2006-01-02T15:04[:05], RFC 3339 or a duration such as 24h", s)
}

// sqliteFileExists refuses a SQLite path that is not there: OpenSQLite would create an empty
// database, and a mistyped dsn would then export nothing without complaint. URIs and
// ":memory:" are left to the driver.
func sqliteFileExists(c StoreConfig) error {
	dsn := c.DSN.Reveal()
	if c.Driver != "sqlite" || strings.HasPrefix(dsn, "file:") || strings.HasPrefix(dsn, ":memory:") {
		return nil
	}
	p, _, _ := strings.Cut(dsn, "?")
	if _, err := os.Stat(p); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("store: %s does not exist (check [store] dsn)", p)
		}
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// writeAuditCSV writes the header and one row per entry, times in RFC 3339 in Asia/Shanghai
// and request ids joined by ';'.
func writeAuditCSV(w io.Writer, entries []store.AuditEntry) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(auditHeader); err != nil {
		return err
	}
	for _, a := range entries {
		row := []string{a.At.In(providers.Shanghai).Format(time.RFC3339), a.Platform, a.ChatID, a.UserID, a.UserName,
			a.Command, a.Provider, a.TicketID, strings.Join(a.RequestIDs, ";"), a.Result, a.Detail}
		for i := range row {
			row[i] = csvSafe(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe guards against CSV (formula) injection. These exports get opened in Excel and WPS,
// which run a cell starting with = + - @ (or a tab or CR ahead of one) as a formula, and user
// names, chat ids and vendor details are chosen by others: such a field is prefixed with a
// single quote so the spreadsheet shows it as text.
func csvSafe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// writeAuditJSON writes one JSON array of the entries with store.AuditEntry's own field names,
// times in RFC 3339 in Asia/Shanghai; no entries give [] rather than null.
func writeAuditJSON(w io.Writer, entries []store.AuditEntry) error {
	out := make([]store.AuditEntry, len(entries))
	for i, a := range entries {
		a.At = a.At.In(providers.Shanghai)
		if a.RequestIDs == nil {
			a.RequestIDs = []string{}
		}
		out[i] = a
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
