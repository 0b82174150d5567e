package command

import (
	"context"
	"log/slog"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/report"
	"github.com/ticketbot/ticketbot/templates"
)

// reportSpec is 周报: the figures of the last seven days of the tickets this chat follows
// (package report), as a card: opened and closed per vendor (charted where the platform's
// cards can), the times to the vendor's first reply and to close, and the tickets waiting on
// us longest. The same card is posted every week (bot.Weekly, drawn by Report below). It
// writes nothing and asks no vendor.
var reportSpec = Spec{Op: OpReport, Zh: "周报", En: "report", Aliases: []string{"工单周报", "weekly"},
	UsageKey: "cmd_report_usage", SummaryKey: "cmd_report_summary", Unaudited: true, Run: runReport}

func runReport(ctx context.Context, e *Env, r *req, _ *Command, _ providers.Provider, _ *slog.Logger) (outcome, error) {
	out, err := e.weekly(ctx, r.platform, r.chatID, e.Now().In(e.Zone), r.en, true)
	return outcome{out: out, level: "info"}, err
}

// Report renders the weekly report of a chat's tickets for the week that ends at until, in
// the chat's language; nil when the week has nothing to show (bot.Presenter).
func (b *Bot) Report(ctx context.Context, platform, chatID string, until time.Time) (*bot.Outgoing, error) {
	return b.env.weekly(ctx, platform, chatID, until.In(b.env.Zone), b.chatEn(ctx, platform, chatID), false)
}

// weekly draws the report of the week up to until; an empty week draws nil unless always.
func (e *Env) weekly(ctx context.Context, platform, chatID string, until time.Time, en, always bool) (*bot.Outgoing, error) {
	f, err := report.Load(ctx, e.Reports, platform, chatID, report.Week(until), until)
	if err != nil {
		return nil, err
	}
	if f.Empty() && !always {
		return nil, nil
	}
	return e.Answers.Output(platform, "report", en, e.reportCard(f, en))
}

// reportCard words the figures for the card.
func (e *Env) reportCard(f report.Figures, en bool) templates.ReportCard {
	row := func(v report.Vendor, label string) templates.ReportRow {
		return templates.ReportRow{Label: label, Opened: v.Opened, Closed: v.Closed, Waiting: v.Waiting,
			FirstReply: e.spread(v.FirstReply, en), Close: e.spread(v.Close, en)}
	}
	card := templates.ReportCard{Since: f.Since, Until: f.Until, Empty: f.Empty(),
		Total: row(f.Total, e.text(en, "report_total"))}
	for _, v := range f.Vendors {
		card.Vendors = append(card.Vendors, row(v, e.Vendors.Label(v.Name, en)))
		card.Chart = card.Chart || v.Opened+v.Closed > 0
	}
	for _, w := range f.Waiting {
		card.Waiting = append(card.Waiting, templates.ReportWait{Ticket: w.Ticket,
			ProviderLabel: e.Vendors.Label(w.Ticket.Provider, en), For: e.span(w.For, en)})
	}
	return card
}

// spread is "median / P90" in words, "—" when nothing was measured.
func (e *Env) spread(s report.Spread, en bool) string {
	if s.N == 0 {
		return "—"
	}
	return e.span(s.Median, en) + " / " + e.span(s.P90, en)
}

// span says a duration to the minute, or in days and hours from a day on.
func (e *Env) span(d time.Duration, en bool) string {
	m := int(d / time.Minute)
	days, hours, mins := m/(24*60), m/60%24, m%60
	switch {
	case days > 0 && hours == 0:
		return e.text(en, "report_span_d", "d", days)
	case days > 0:
		return e.text(en, "report_span_dh", "d", days, "h", hours)
	case hours > 0 && mins == 0:
		return e.text(en, "report_span_h", "h", hours)
	case hours > 0:
		return e.text(en, "report_span_hm", "h", hours, "m", mins)
	case mins > 0:
		return e.text(en, "report_span_m", "m", mins)
	}
	return e.text(en, "report_span_lt_m")
}
