package command

import (
	"context"
	"log/slog"

	"github.com/ticketbot/ticketbot/providers"
)

// showSpec is 查看 (刷新): the ticket read from its vendor, with its last notes.
var showSpec = Spec{Op: OpShow, Zh: "查看", En: "show", Aliases: []string{"刷新", "refresh"},
	UsageKey: "cmd_show_usage", SummaryKey: "cmd_show_summary",
	Ticket: true, Parse: parseTicketOnly, Run: runShow}

// parseTicketOnly reads a ticket and nothing more.
func parseTicketOnly(p *parser, args, rest string) (Command, error) {
	if err := p.ticket(args, &args); err != nil {
		return p.c, err
	}
	return p.c, p.nothingMore(args, rest)
}

func runShow(ctx context.Context, e *Env, r *req, c *Command, p providers.Provider, log *slog.Logger) (outcome, error) {
	t, err := e.fetch(ctx, p, c.Ticket.ID)
	if err != nil {
		return outcome{}, err
	}
	return outcome{ticket: &t, notes: e.recentNotes(ctx, p, t.ID, log), fresh: true, level: "success", text: e.text(r.en, "refreshed")}, nil
}

// recentNotes are the conversation's last entries, for 刷新; a failure only leaves them out.
func (e *Env) recentNotes(ctx context.Context, p providers.Provider, id string, log *slog.Logger) []providers.Note {
	if !providers.Can(p).Notes {
		return nil
	}
	ns, err := p.Notes(ctx, id)
	if err != nil {
		log.Warn("notes", "provider", p.Name(), "ticket_id", id, "err", err)
		return nil
	}
	return ns[max(0, len(ns)-3):]
}
