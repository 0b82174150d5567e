package command

import (
	"context"
	"log/slog"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
)

// transferSpec is 流转: the ticket handed to another handler at the vendor (their vendor id, or
// the name of a [[users]] entry that has one), with an optional remark, where the vendor can.
// Its button opens an input for the handler (and remark) on the card first.
var transferSpec = Spec{Op: OpTransfer, Zh: "流转", En: "transfer", Aliases: []string{"转交", "转派"},
	UsageKey: "cmd_transfer_usage", SummaryKey: "cmd_transfer_summary",
	Ticket: true, Writes: true, Form: true, Parse: parseTransfer, Run: runTransfer}

// transferring is 流转 as a transition: from any status but a final one; done once the vendor
// names the new handler.
var transferring = &transition{op: OpTransfer,
	can:  func(c providers.Capabilities) bool { return c.Transfer },
	from: open,
	do: func(ctx context.Context, p providers.Provider, id string, d jobData) error {
		return providers.Transfer(ctx, p, id, providers.TransferRequest{To: d.To, Remark: d.Text, Actor: d.Actor})
	},
	done:   func(t providers.Ticket, d jobData) bool { return t.HandlerID != "" && t.HandlerID == d.To },
	after:  func(*providers.Ticket) {},
	remark: "由 %s 在群聊中流转（ticketbot）",
	style:  "default", form: "transfer", boxKey: "transfer_box", placeholderKey: "form_transfer_placeholder",
	opKey: "op_transfer", doneKey: "transferred", laterKey: "later_transferred", keptKey: "kept_transfer", failedKey: "failed_transfer",
	busyKey: "transfer_busy", deniedKey: "transfer_denied", notFromKey: "already",
	footerKey: "transferred_footer", footerMemberKey: "transferred_footer_member",
	buttonKey: "button_transfer", confirmTitleKey: "confirm_transfer_title", dialogTitleKey: "confirm_transfer_ticket_title",
	warningKey: "transfer_warning", confirmButtonKey: "button_confirm_transfer"}

// parseTransfer reads the ticket, the next handler (the first word after it, or of the next
// line: the card's input) and an optional remark.
func parseTransfer(p *parser, args, rest string) (Command, error) {
	if err := p.ticket(args, &args); err != nil {
		return p.c, err
	}
	text := strings.TrimSpace(args + "\n" + rest)
	p.c.To, text = splitWord(text)
	p.c.Text = strings.TrimSpace(text)
	if p.c.To == "" {
		return p.c, p.usage("usage_no_handler", "handler")
	}
	return p.c, nil
}

func runTransfer(ctx context.Context, e *Env, r *req, c *Command, p providers.Provider, log *slog.Logger) (outcome, error) {
	if c.To == "" {
		return e.openForm(ctx, r, p, transferring, c.Ticket.ID)
	}
	return e.transit(ctx, r, p, transferring, c.Ticket.ID, c.Text, e.handlerID(p.Name(), c.To), log)
}

// handlerID is the vendor id a 流转 names: a [[users]] entry's id at the vendor when the
// name is theirs, else the word as written (a staff id).
func (e *Env) handlerID(provider, name string) string {
	for _, u := range e.Users {
		if u.Name == name {
			if id := u.VendorID(provider); id != "" {
				return id
			}
		}
	}
	return name
}
