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
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// auditAbout is what `ticketbot help audit` says before the flags.
const auditAbout = `Writes the audit log from --since (inclusive) to --until (exclusive, default now) to stdout,
oldest first. WHEN is a date (2026-11-01), a date-time (2026-11-21T18:00, 2026-11-21T18:00:05)
in Asia/Shanghai, an RFC 3339 time (2026-11-21T18:00:00Z), or a duration meaning that long
ago (24h, 168h). Only [store] of the configuration is read.`

// auditHeader is the CSV header; the columns follow store.AuditEntry's JSON names.
var auditHeader = []string{"at", "platform", "chat_id", "user_id", "user_name", "command", "provider",
	"ticket_id", "request_ids", "result", "detail"}

// auditFlags defines `ticketbot audit`'s flags and returns its body. The body returns 2 for
// bad times, 1 for a bad [store] or a store error.
func auditFlags(fs *flag.FlagSet) func(stdout, stderr io.Writer) int {
	path := configFlag(fs)
	sinceArg := fs.String("since", "", "start of the export, inclusive (required): a `WHEN` as above")
	untilArg := fs.String("until", "", "end of the export, exclusive (default now): a `WHEN` as above")
	format := fs.String("format", "csv", "output `format`: csv or json")
	return func(stdout, stderr io.Writer) int {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return runAudit(ctx, auditArgs{path: *path, since: *sinceArg, until: *untilArg, format: *format}, stdout, stderr)
	}
}

// auditArgs are the parsed flags of `ticketbot audit`.
type auditArgs struct{ path, since, until, format string }

// runAudit is the body of `ticketbot audit`.
func runAudit(ctx context.Context, a auditArgs, stdout, stderr io.Writer) int {
	fail := func(msg string, args ...any) int {
		fmt.Fprintln(stderr, "ticketbot audit:", fmt.Sprintf(msg, args...))
		return 2
	}
	if a.format != "csv" && a.format != "json" {
		return fail("--format: want csv or json, got %q", a.format)
	}
	if a.since == "" {
		return fail("--since is required (a date such as 2026-11-01, or a duration such as 24h)")
	}
	now := time.Now()
	since, err := parseWhen(a.since, now)
	if err != nil {
		return fail("--since: %v", err)
	}
	until := now
	if a.until != "" {
		if until, err = parseWhen(a.until, now); err != nil {
			return fail("--until: %v", err)
		}
	}
	if !until.After(since) {
		return fail("--until (%s) must be later than --since (%s)",
			until.In(providers.Shanghai).Format(time.RFC3339), since.In(providers.Shanghai).Format(time.RFC3339))
	}

	// Only [store]: the export reads the local database, and a platform's or vendor's unset
	// secret must not stand in its way.
	sc, errs := LoadStoreConfig(a.path)
	if len(errs) > 0 {
		printErrors(stderr, a.path, errs)
		return 1
	}
	if err := sqliteFileExists(sc); err != nil {
		fmt.Fprintln(stderr, "ticketbot audit:", err)
		return 1
	}
	st, err := openStore(ctx, sc)
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
	if a.format == "json" {
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
