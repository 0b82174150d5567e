package command

import (
	"context"
	"log/slog"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
)

// rejectSpec is 驳回: the vendor's assignment of the ticket refused, with a reason its staff
// read, where the vendor can. Its button opens the reason's input on the card first.
var rejectSpec = Spec{Op: OpReject, Zh: "驳回", En: "reject", Aliases: []string{"拒绝"},
	UsageKey: "cmd_reject_usage", SummaryKey: "cmd_reject_summary",
	Ticket: true, Writes: true, Form: true, Parse: parseReject, Run: runReject}

// rejecting is 驳回 as a transition: from any status but a final one. A repeat whose outcome is
// unknown is taken as done once the ticket shows a rejection: rejecting twice could refuse a
// second assignment.
var rejecting = &transition{op: OpReject,
	can:  func(c providers.Capabilities) bool { return c.Reject },
	from: open,
	do: func(ctx context.Context, p providers.Provider, id string, d jobData) error {
		return providers.Reject(ctx, p, id, providers.RejectRequest{Reason: d.Text, Actor: d.Actor})
	},
	done:  func(t providers.Ticket, _ jobData) bool { return t.HasFlag(providers.FlagRejected) },
	after: func(t *providers.Ticket) { t.Flags = append(t.Flags, providers.FlagRejected) },
	style: "default", form: "reject", boxKey: "reject_box", placeholderKey: "form_reject_placeholder",
	opKey: "op_reject", doneKey: "rejected", laterKey: "later_rejected", keptKey: "kept_reject", failedKey: "failed_reject",
	busyKey: "reject_busy", deniedKey: "reject_denied", notFromKey: "already",
	footerKey: "rejected_footer", footerMemberKey: "rejected_footer_member",
	buttonKey: "button_reject", confirmTitleKey: "confirm_reject_title", dialogTitleKey: "confirm_reject_ticket_title",
	warningKey: "reject_warning", confirmButtonKey: "button_confirm_reject"}

// parseReject reads the ticket and the reason, which the vendor's staff read: required.
func parseReject(p *parser, args, rest string) (Command, error) {
	if err := p.ticket(args, &args); err != nil {
		return p.c, err
	}
	p.c.Text = strings.TrimSpace(args + "\n" + rest)
	if p.c.Text == "" {
		return p.c, p.usage("usage_no_reason", "text")
	}
	return p.c, nil
}

func runReject(ctx context.Context, e *Env, r *req, c *Command, p providers.Provider, log *slog.Logger) (outcome, error) {
	if c.Text == "" {
		return e.openForm(ctx, r, p, rejecting, c.Ticket.ID)
	}
	return e.transit(ctx, r, p, rejecting, c.Ticket.ID, c.Text, "", log)
}
