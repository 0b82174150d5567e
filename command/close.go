package command

import (
	"context"
	"log/slog"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
)

// closeSpec is 关闭, by the ticket's creator or a chat admin.
var closeSpec = Spec{Op: OpClose, Zh: "关闭", En: "close", Aliases: []string{"关单"},
	UsageKey: "cmd_close_usage", SummaryKey: "cmd_close_summary",
	Ticket: true, Writes: true, Parse: parseRemark, Run: runClose}

// closing is 关闭 as a transition: any vendor that can close, from any status but a final one.
var closing = &transition{op: OpClose,
	can:  func(c providers.Capabilities) bool { return c.Close },
	from: open,
	do: func(ctx context.Context, p providers.Provider, id string, d jobData) error {
		return p.Close(ctx, id, providers.CloseRequest{Remark: d.Text, Actor: d.Actor})
	},
	done:   func(t providers.Ticket, _ jobData) bool { return t.Status.Terminal() },
	after:  func(t *providers.Ticket) { t.Status = providers.StatusClosed },
	remark: "由 %s 在群聊中关闭（ticketbot）", style: "danger",
	opKey: "op_close", doneKey: "closed", laterKey: "later_closed", keptKey: "kept_close", failedKey: "failed_close",
	busyKey: "close_busy", deniedKey: "close_denied", notFromKey: "already", byKey: "closed_by",
	footerKey: "closed_footer", footerMemberKey: "closed_footer_member",
	buttonKey: "button_close", confirmTitleKey: "confirm_close_title", dialogTitleKey: "confirm_close_ticket_title",
	warningKey: "close_warning", confirmButtonKey: "button_confirm_close"}

// parseRemark reads the ticket and an optional remark (关闭, 重开).
func parseRemark(p *parser, args, rest string) (Command, error) {
	if err := p.ticket(args, &args); err != nil {
		return p.c, err
	}
	p.c.Text = strings.TrimSpace(args + "\n" + rest)
	return p.c, nil
}

func runClose(ctx context.Context, e *Env, r *req, c *Command, p providers.Provider, log *slog.Logger) (outcome, error) {
	return e.transit(ctx, r, p, closing, c.Ticket.ID, c.Text, "", log)
}
