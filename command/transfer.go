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
var transferSpec = Spec{Op: OpTransfer, Zh: "流转", En: "transfer", Aliases: []string{"转交"},
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
	to, err := e.handlerID(ctx, r, p, c.To)
	if err != nil {
		return outcome{}, err
	}
	return e.transit(ctx, r, p, transferring, c.Ticket.ID, c.Text, to, log)
}

// handlerID is the vendor id a 流转 names: someone @-mentioned, by their configured or bound
// identity there (绑定); a [[users]] entry's id at the vendor when the name is theirs; else the
// word as written (a staff id).
func (e *Env) handlerID(ctx context.Context, r *req, p providers.Provider, name string) (string, error) {
	if who, ok := strings.CutPrefix(name, "@"); ok {
		m, ok := r.mentioned(who)
		if !ok {
			return "", e.userErr("transfer_who_unknown", "who", truncateRunes(who, 20))
		}
		id, err := e.identityOf(ctx, r.platform, m.UserID, p.Name())
		if err != nil {
			return "", err
		}
		if id.id == "" {
			return "", e.userErrBy("transfer_unbound", func(en bool) []any {
				return []any{"who", truncateRunes(who, 20), "vendor", e.Vendors.Label(p.Name(), en), "name", p.Name(),
					"noun", nounIn(providers.IdentityNoun(p), en)}
			})
		}
		return id.id, nil
	}
	for _, u := range e.Users {
		if u.Name == name {
			if id := u.VendorID(p.Name()); id != "" {
				return id, nil
			}
		}
	}
	return name, nil
}
