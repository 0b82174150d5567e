package app

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// auditHeader is the CSV header; the columns follow store.AuditEntry's JSON names.
var auditHeader = []string{"at", "platform", "chat_id", "user_id", "user_name", "command", "provider",
	"ticket_id", "request_ids", "result", "detail", "request_id"}

// AuditOptions are the flags of `ticketbot audit`.
type AuditOptions struct {
	// Config is the configuration file; only its [store] is read.
	Config string
	// Since and Until bound the export (WHEN values: see parseWhen); Until defaults to now.
	Since, Until string
	// Format is csv or json.
	Format string
}

// Audit is `ticketbot audit`: it writes the audit log from Since to Until to stdout. It
// returns 2 for bad flags or times, 1 for a bad [store] or a store error.
func Audit(ctx context.Context, a AuditOptions, stdout, stderr io.Writer) int {
	fail := func(msg string, args ...any) int {
		fmt.Fprintln(stderr, "ticketbot audit:", fmt.Sprintf(msg, args...))
		return 2
	}
	if a.Format != "csv" && a.Format != "json" {
		return fail("--format: want csv or json, got %q", a.Format)
	}
	if a.Since == "" {
		return fail("--since is required (a date such as 2026-11-01, or a duration such as 24h)")
	}
	now := time.Now()
	since, err := parseWhen(a.Since, now)
	if err != nil {
		return fail("--since: %v", err)
	}
	until := now
	if a.Until != "" {
		if until, err = parseWhen(a.Until, now); err != nil {
			return fail("--until: %v", err)
		}
	}
	if !until.After(since) {
		return fail("--until (%s) must be later than --since (%s)",
			until.In(providers.Shanghai).Format(time.RFC3339), since.In(providers.Shanghai).Format(time.RFC3339))
	}

	// Only [store]: the export reads the local database, and a platform's or vendor's unset
	// secret must not stand in its way.
	sc, errs := loadStoreConfig(a.Config)
	if len(errs) > 0 {
		printErrors(stderr, a.Config, errs)
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
	if a.Format == "json" {
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
	return parseWhenIn(s, now, providers.Shanghai)
}

// parseWhenIn is parseWhen with a date or date-time without a zone read in loc.
func parseWhenIn(s string, now time.Time, loc *time.Location) (time.Time, error) {
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
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
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
			a.Command, a.Provider, a.TicketID, strings.Join(a.RequestIDs, ";"), a.Result, a.Detail, a.RequestID}
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
