package command

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/work"
)

// closeSpec is 关闭, by the ticket's creator or a chat admin.
var closeSpec = Spec{Op: OpClose, Zh: "关闭", En: "close", Aliases: []string{"关单"},
	UsageKey: "cmd_close_usage", SummaryKey: "cmd_close_summary",
	Ticket: true, Writes: true, Parse: parseClose, Run: runClose}

// parseClose reads the ticket and an optional remark.
func parseClose(p *parser, args, rest string) (Command, error) {
	if err := p.ticket(args, &args); err != nil {
		return p.c, err
	}
	p.c.Text = strings.TrimSpace(args + "\n" + rest)
	return p.c, nil
}

func runClose(ctx context.Context, e *Env, r *req, c *Command, p providers.Provider, log *slog.Logger) (outcome, error) {
	return e.close(ctx, r, p, c.Ticket.ID, c.Text, log)
}

// close closes the ticket if the person may: its creator (through the bot or by vendor
// identity) or an admin of the chat. The vendor may refuse still (CloseCreatorOnly).
func (e *Env) close(ctx context.Context, r *req, p providers.Provider, id, remark string, log *slog.Logger) (outcome, error) {
	ref := p.Name() + ":" + id
	st, serr := e.Tickets.State(ctx, p.Name(), id)
	if serr == nil && r.version >= 0 && st.Version != r.version {
		return e.lostClaim(r, st), nil // a repeated or stale click: no vendor call at all
	}
	t, err := e.fetch(ctx, p, id)
	if err != nil && retryable(err) {
		// The vendor is down: close from what the bot knows; the outbox delivers the close.
		t, err = e.known(ctx, p, id)
	}
	if err != nil {
		return outcome{}, err
	}
	if t.Status.Terminal() {
		o := outcome{ticket: &t, level: "info", text: e.already(r.en, ref, t.Status)}
		// Read again: someone's close may have won while the vendor was asked.
		if now, err := e.Tickets.State(ctx, p.Name(), id); err == nil && now.ActedOp == "close" && now.ActedBy != "" {
			o.text = e.text(r.en, "closed_by", "ref", ref, "who", now.ActedBy)
		}
		return o, nil
	}
	if err := e.mayClose(ctx, r, p, t); err != nil {
		return outcome{}, err
	}
	actor, err := e.actor(ctx, r, p.Name())
	if err != nil {
		return outcome{}, err
	}
	if remark == "" {
		name := actor.Name
		if name == "" {
			name = "群成员"
		}
		remark = fmt.Sprintf("由 %s 在群聊中关闭（ticketbot）", name)
	}
	if lost, ok := e.claim(ctx, r, p.Name(), id, "close"); !ok {
		return lost, nil
	}
	j := e.newJob(jobClose, r.deliveryKey(), r, p.Name(), id, jobData{Text: remark, Actor: actor, Version: r.claimed})
	nt, end, err := e.Writes.Submit(ctx, j, log)
	switch end {
	case work.Queued:
		o := e.queuedOutcome(r, p.Name(), jobClose, err)
		o.ticket = &t
		return o, nil
	case work.Duplicate:
		return outcome{level: "info", text: e.text(r.en, "close_busy")}, nil
	case work.Failed:
		return outcome{}, err
	}
	log.Info("ticket closed", "provider", p.Name(), "ticket_id", id)
	if nt != nil {
		t = *nt
	}
	return outcome{ticket: &t, level: "success", footer: e.closedBy(actor.Name),
		text: e.text(r.en, "closed", "ref", ref)}, nil
}

// mayClose refuses a close by anyone but the ticket's creator (through the bot, or by their
// vendor identity) and the chat's admins.
func (e *Env) mayClose(ctx context.Context, r *req, p providers.Provider, t providers.Ticket) error {
	st, _ := e.Tickets.State(ctx, p.Name(), t.ID)
	if st.CreatorUserID == r.user() || r.isAdmin() {
		return nil
	}
	// The creator at the vendor (a ticket filed in its console) by their bound or configured id.
	id, err := e.identityOf(ctx, r.platform, r.userID, p.Name())
	if err != nil {
		return err
	}
	if id.id != "" && id.id == t.CreatorID {
		return nil
	}
	ref := t.Ref()
	ue := e.userErr("close_denied", "ref", ref)
	ue.denied = true
	return ue
}

// already says the ticket is in a final status already.
func (e *Env) already(en bool, ref string, s providers.Status) string {
	return e.text(en, "already", "ref", ref, "status", e.Answers.Messages().Status(s, en))
}

// closedBy is the card's footer after a close: who closed it (a chat member with no name).
func (e *Env) closedBy(who string) words {
	return func(en bool) string {
		if who == "" {
			return e.text(en, "closed_footer_member")
		}
		return e.text(en, "closed_footer", "who", who)
	}
}
