package command

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/ticketbot/ticketbot/providers"
)

// run executes one parsed command and records it in the audit table: every command that
// failed, and every one that succeeded unless its spec is Unaudited.
func (b *Bot) run(ctx context.Context, r *req, c Command, log *slog.Logger) outcome {
	ctx, reqs := providers.WithRequestLog(ctx)
	o, err := b.env.exec(ctx, r, &c, log)
	result, detail := auditResult(o, err)
	b.metrics.Load().Command(string(c.Spec.Op), result)
	ticket := c.Ticket
	if o.ticket != nil && ticket.ID == "" {
		ticket = TicketRef{Provider: o.ticket.Provider, ID: o.ticket.ID}
	}
	if err != nil || !c.Spec.Unaudited {
		defer func() { b.record(ctx, r, string(c.Spec.Op), ticket, result, detail, reqs.IDs()) }()
	}
	if err == nil {
		if len(r.asDefault) > 0 {
			b.env.tellDefaults(ctx, r, &o)
		}
		return o
	}
	var ue *userError
	if errors.As(err, &ue) {
		return outcome{level: "error", text: ue.text(r.en)}
	}
	var use *UsageError
	if errors.As(err, &use) {
		return outcome{level: "error", text: b.env.usageHint(err, b.env.Answers.Features(r.platform))}
	}
	if ue, ok := b.env.vendorError(err, c.Ticket.Provider, c.Ticket.String(), r.en); ok {
		log.Warn("vendor refused", "command", string(c.Spec.Op), "err", err)
		return outcome{level: "error", text: ue.text(r.en)}
	}
	text, id := b.env.internalError(r.en)
	detail = "error id " + id
	log.Error("command failed", "command", string(c.Spec.Op), "error_id", id, "err", err)
	return outcome{level: "error", text: text}
}

func (e *Env) exec(ctx context.Context, r *req, c *Command, log *slog.Logger) (outcome, error) {
	if c.Secret != "" && r.chatType != "p2p" {
		// Said in a group, the secret is no secret any more; sending it on would only add a
		// second copy. Nothing goes to the vendor and nothing is echoed.
		return outcome{}, e.userErr("secret_in_group")
	}
	if c.Spec.Writes && !r.mayWrite() {
		ue := e.userErr("members_only")
		ue.denied = true
		return outcome{}, ue
	}
	if c.Spec.Run == nil {
		return outcome{}, fmt.Errorf("command %s has no handler", c.Spec.Op)
	}
	var p providers.Provider
	if c.Spec.Ticket {
		var err error
		if p, err = e.provider(r, c.Ticket.Provider); err != nil {
			return outcome{}, err
		}
		c.Ticket.Provider = p.Name()
	}
	return c.Spec.Run(ctx, e, r, c, p, log)
}

// fetch reads the ticket from the vendor and remembers what it saw.
func (e *Env) fetch(ctx context.Context, p providers.Provider, id string) (providers.Ticket, error) {
	t, err := p.Get(ctx, id)
	if err != nil {
		return t, err
	}
	if err := e.Tickets.Remember(ctx, t, "", false); err != nil {
		e.Log.Error("store ticket", "provider", t.Provider, "ticket_id", t.ID, "err", err)
	}
	return t, nil
}

// known is the ticket as last seen, read from the vendor only when the bot has never seen it:
// drawing the reply box must not wait for a vendor.
func (e *Env) known(ctx context.Context, p providers.Provider, id string) (providers.Ticket, error) {
	if t, ok := e.Tickets.Last(ctx, p.Name(), id); ok {
		return t, nil
	}
	return e.fetch(ctx, p, id)
}
