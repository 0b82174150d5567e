package app

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/command"
	"github.com/ticketbot/ticketbot/report"
)

// ReportOptions are the flags of `ticketbot report`.
type ReportOptions struct {
	// Config is the configuration file; only its [store] and [bot] are read.
	Config string
	// Since and Until bound the window (WHEN values, in [bot] timezone: see parseWhenIn);
	// Until defaults to now.
	Since, Until string
	// Format is csv or json.
	Format string
	// Chat is "platform:chat_id": the tickets that chat follows; "" is every ticket.
	Chat string
}

// Report is `ticketbot report`: the weekly report's figures (package report) over any
// window, of every ticket or of one chat's, written to stdout. It returns 2 for bad flags or
// times, 1 for a bad configuration or a store error.
func Report(ctx context.Context, o ReportOptions, stdout, stderr io.Writer) int {
	fail := func(msg string, args ...any) int {
		fmt.Fprintln(stderr, "ticketbot report:", fmt.Sprintf(msg, args...))
		return 2
	}
	if o.Format != "csv" && o.Format != "json" {
		return fail("--format: want csv or json, got %q", o.Format)
	}
	if o.Since == "" {
		return fail("--since is required (a date such as 2026-11-30, or a duration such as 168h)")
	}
	platform, chatID := "", ""
	if o.Chat != "" {
		var ok bool
		platform, chatID, ok = strings.Cut(o.Chat, ":")
		names := make([]string, len(platformRegistry))
		for i, p := range platformRegistry {
			names[i] = p.Name
		}
		if !ok || chatID == "" || !slices.Contains(names, platform) {
			return fail("--chat: want platform:chat_id with the platform one of %s, got %q", strings.Join(names, ", "), o.Chat)
		}
	}
	// The times are read in [bot] timezone, once the configuration is; what cannot be read in
	// any zone is a usage mistake, said before the configuration is looked at.
	now := time.Now()
	window := func(loc *time.Location) (since, until time.Time, bad int) {
		since, err := parseWhenIn(o.Since, now, loc)
		if err != nil {
			return since, until, fail("--since: %v", err)
		}
		until = now
		if o.Until != "" {
			if until, err = parseWhenIn(o.Until, now, loc); err != nil {
				return since, until, fail("--until: %v", err)
			}
		}
		return since, until, 0
	}
	if _, _, bad := window(time.UTC); bad != 0 {
		return bad
	}
	// Only [store] and [bot]: the export reads the local database in the bot's time zone, and
	// a platform's or vendor's unset secret must not stand in its way.
	sc, loc, errs := loadReportConfig(o.Config)
	if len(errs) > 0 {
		printErrors(stderr, o.Config, errs)
		return 1
	}
	since, until, _ := window(loc)
	if !until.After(since) {
		return fail("--until (%s) must be later than --since (%s)", until.In(loc).Format(time.RFC3339), since.In(loc).Format(time.RFC3339))
	}
	if err := sqliteFileExists(sc); err != nil {
		fmt.Fprintln(stderr, "ticketbot report:", err)
		return 1
	}
	st, err := openStore(ctx, sc)
	if err != nil {
		fmt.Fprintln(stderr, "ticketbot report:", err)
		return 1
	}
	defer st.Close()
	f, err := report.Load(ctx, st, platform, chatID, since.In(loc), until.In(loc))
	if err != nil {
		fmt.Fprintln(stderr, "ticketbot report:", err)
		return 1
	}
	scope := "all"
	if platform != "" {
		scope = platform + ":" + chatID
	}
	if o.Format == "json" {
		err = writeReportJSON(stdout, f, scope, loc)
	} else {
		err = writeReportCSV(stdout, f, loc)
	}
	if err != nil {
		fmt.Fprintln(stderr, "ticketbot report: write:", err)
		return 1
	}
	return 0
}

// loadReportConfig reads [store] and [bot] of a configuration file, for `ticketbot report`:
// the database and the time zone its dates are read and written in.
func loadReportConfig(path string) (StoreConfig, *time.Location, []error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return StoreConfig{}, nil, []error{err}
	}
	raw, md, err := parseTOML(b)
	if err != nil {
		return StoreConfig{}, nil, []error{err}
	}
	// Decoded as a file holding these sections alone, so keys are named and placed as in check.
	var c struct {
		Store StoreConfig    `toml:"store"`
		Bot   command.Config `toml:"bot"`
	}
	part := map[string]any{}
	for _, k := range []string{"store", "bot"} {
		if v, ok := raw[k]; ok {
			part[k] = v
		}
	}
	d := newDecoder()
	d.table("", part, reflect.ValueOf(&c).Elem())
	c.Store.defaults()
	errs := c.Store.validate()
	loc, err := c.Bot.Location()
	if err != nil {
		errs = append(errs, fmt.Errorf("bot.timezone: unknown time zone %q (an IANA name such as \"Asia/Shanghai\")", c.Bot.Timezone))
	}
	return c.Store, loc, d.problems(md, reflect.TypeOf(c), errs)
}

// reportHeader is the CSV header. A row is a vendor's figures (section "vendor"), all of
// them together ("total"), or a ticket waiting on us ("waiting"), which fills only vendor
// and the last four columns. Durations are in seconds; no ticket measured leaves them empty.
var reportHeader = []string{"section", "vendor", "opened", "closed", "waiting_on_us",
	"first_reply_tickets", "first_reply_median_seconds", "first_reply_p90_seconds",
	"close_tickets", "close_median_seconds", "close_p90_seconds",
	"ticket_id", "title", "waiting_since", "waiting_seconds"}

// seconds is a duration in seconds, as short as it is exact.
func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) }

func writeReportCSV(w io.Writer, f report.Figures, loc *time.Location) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(reportHeader); err != nil {
		return err
	}
	spread := func(s report.Spread) []string {
		if s.N == 0 {
			return []string{"0", "", ""}
		}
		return []string{strconv.Itoa(s.N), seconds(s.Median), seconds(s.P90)}
	}
	row := func(section string, v report.Vendor) []string {
		r := []string{section, v.Name, strconv.Itoa(v.Opened), strconv.Itoa(v.Closed), strconv.Itoa(v.Waiting)}
		r = append(append(append(r, spread(v.FirstReply)...), spread(v.Close)...), "", "", "", "")
		return r
	}
	rows := [][]string{}
	for _, v := range f.Vendors {
		rows = append(rows, row("vendor", v))
	}
	rows = append(rows, row("total", f.Total))
	for _, x := range f.Waiting {
		rows = append(rows, []string{"waiting", x.Ticket.Provider, "", "", "", "", "", "", "", "", "",
			x.Ticket.ID, x.Ticket.Title, x.Since.In(loc).Format(time.RFC3339), seconds(x.For)})
	}
	for _, r := range rows {
		for i := range r {
			r[i] = csvSafe(r[i])
		}
		if err := cw.Write(r); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// The JSON export: the same figures, durations in seconds (null where no ticket was measured),
// times in RFC 3339 in [bot] timezone.
type (
	reportJSON struct {
		Since   string        `json:"since"`
		Until   string        `json:"until"`
		Scope   string        `json:"scope"` // "all" or "platform:chat_id"
		Vendors []vendorJSON  `json:"vendors"`
		Total   vendorJSON    `json:"total"`
		Waiting []waitingJSON `json:"waiting_on_us"`
	}
	vendorJSON struct {
		Vendor     string     `json:"vendor,omitempty"`
		Opened     int        `json:"opened"`
		Closed     int        `json:"closed"`
		Waiting    int        `json:"waiting_on_us"`
		FirstReply spreadJSON `json:"first_reply"`
		Close      spreadJSON `json:"close"`
	}
	spreadJSON struct {
		Tickets int      `json:"tickets"`
		Median  *float64 `json:"median_seconds"`
		P90     *float64 `json:"p90_seconds"`
	}
	waitingJSON struct {
		Vendor   string  `json:"vendor"`
		TicketID string  `json:"ticket_id"`
		Title    string  `json:"title"`
		Since    string  `json:"since"`
		Seconds  float64 `json:"seconds"`
	}
)

func writeReportJSON(w io.Writer, f report.Figures, scope string, loc *time.Location) error {
	spread := func(s report.Spread) spreadJSON {
		out := spreadJSON{Tickets: s.N}
		if s.N > 0 {
			m, p := s.Median.Seconds(), s.P90.Seconds()
			out.Median, out.P90 = &m, &p
		}
		return out
	}
	vendor := func(v report.Vendor) vendorJSON {
		return vendorJSON{Vendor: v.Name, Opened: v.Opened, Closed: v.Closed, Waiting: v.Waiting,
			FirstReply: spread(v.FirstReply), Close: spread(v.Close)}
	}
	out := reportJSON{Since: f.Since.In(loc).Format(time.RFC3339), Until: f.Until.In(loc).Format(time.RFC3339), Scope: scope,
		Vendors: []vendorJSON{}, Total: vendor(f.Total), Waiting: []waitingJSON{}}
	for _, v := range f.Vendors {
		out.Vendors = append(out.Vendors, vendor(v))
	}
	for _, x := range f.Waiting {
		out.Waiting = append(out.Waiting, waitingJSON{Vendor: x.Ticket.Provider, TicketID: x.Ticket.ID, Title: x.Ticket.Title,
			Since: x.Since.In(loc).Format(time.RFC3339), Seconds: x.For.Seconds()})
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
