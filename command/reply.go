package command

import (
	"context"
	"log/slog"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/work"
)

// replySpec is 回复: text (and files, or confidential content one to one) to a ticket.
var replySpec = Spec{Op: OpReply, Zh: "回复", En: "reply", Aliases: []string{"评论", "comment"},
	UsageKey: "cmd_reply_usage", SummaryKey: "cmd_reply_summary",
	Ticket: true, Writes: true, Form: true, Parse: (*parser).reply, Run: runReply}

func runReply(ctx context.Context, e *Env, r *req, c *Command, p providers.Provider, log *slog.Logger) (outcome, error) {
	if c.Secret != "" {
		return e.replySecret(ctx, r, p, c.Ticket.ID, c.Text, c.Secret, log)
	}
	if c.Text == "" {
		// The 回复 button opens the reply box; nothing is sent yet.
		t, err := e.known(ctx, p, c.Ticket.ID)
		if err != nil {
			return outcome{}, err
		}
		return outcome{ticket: &t, form: jobReply, level: "info", text: e.text(r.en, "reply_box")}, nil
	}
	if r.click {
		// The reply box's 提交: one submission, however often it is clicked.
		if lost, ok := e.claim(ctx, r, p.Name(), c.Ticket.ID, "reply"); !ok {
			return lost, nil
		}
	}
	return e.reply(ctx, r, p, c.Ticket.ID, c.Text, log)
}

// replySecret sends confidential content (and any plain text with it) to the ticket. The
// answer never repeats the content.
func (e *Env) replySecret(ctx context.Context, r *req, p providers.Provider, id, text, secret string, log *slog.Logger) (outcome, error) {
	if !providers.Can(p).SecretReply {
		return outcome{}, e.noSecrets(p.Name())
	}
	// Confidential content is never stored, so this reply is not kept in the work engine:
	// it is tried once, and a vendor that is down is told to the person.
	actor, err := e.actor(ctx, r, p.Name())
	if err != nil {
		return outcome{}, err
	}
	if err := providers.ReplySecret(ctx, p, id, secret, actor); err != nil {
		if retryable(err) {
			return outcome{}, e.notKept(p.Name(), err)
		}
		return outcome{}, err
	}
	log.Info("confidential reply sent", "provider", p.Name(), "ticket_id", id)
	if err := e.Tickets.Answered(ctx, p.Name(), id, e.Now()); err != nil {
		log.Error("record the answer", "err", err)
	}
	if text != "" {
		if _, err := e.reply(ctx, r, p, id, text, log); err != nil {
			return outcome{}, err
		}
	}
	ref := p.Name() + ":" + id
	return outcome{level: "success", text: e.text(r.en, "secret_sent", "ref", ref)}, nil
}

// notKept answers a confidential write the vendor could not take now: unlike every other
// write it was not kept for a retry, because the bot stores no confidential content.
func (e *Env) notKept(provider string, err error) *userError {
	return e.userErrBy("secret_not_kept", func(en bool) []any { return []any{"vendor", e.Vendors.Label(provider, en), "code", failCode(err)} })
}

func (e *Env) noSecrets(provider string) *userError {
	return e.userErrBy("secret_refused", func(en bool) []any { return []any{"vendor", e.Vendors.Label(provider, en)} })
}

// reply sends text to the ticket as a comment.
func (e *Env) reply(ctx context.Context, r *req, p providers.Provider, id, text string, log *slog.Logger) (outcome, error) {
	actor, err := e.actor(ctx, r, p.Name())
	if err != nil {
		return outcome{}, err
	}
	rep := providers.Reply{Text: text, Actor: actor}
	if err := e.mayAttach(p, r.files, true); err != nil {
		return outcome{}, err
	}
	// Through the work engine, files too (fetched again at each try): a vendor that is down
	// gets it later, and a try whose outcome is unknown is checked at the vendor first.
	j := e.newJob(jobReply, r.deliveryKey(), r, p.Name(), id, jobData{Text: text, Actor: rep.Actor, Version: r.claimed, Files: r.files})
	_, end, err := e.Writes.Submit(ctx, j, log)
	switch end {
	case work.Queued:
		return e.queuedOutcome(r, p.Name(), jobReply, err), nil
	case work.Duplicate:
		return outcome{level: "info", text: e.text(r.en, "reply_busy")}, nil
	case work.Failed:
		return outcome{}, err
	}
	ref := p.Name() + ":" + id
	log.Info("reply sent", "provider", p.Name(), "ticket_id", id)
	o := outcome{level: "success", text: e.text(r.en, "replied", "ref", ref)}
	// Redraw the card; the reply itself went through even if this read fails.
	if t, err := e.fetch(ctx, p, id); err == nil {
		o.ticket = &t
	} else if t, err := e.known(ctx, p, id); err == nil {
		o.ticket = &t
	}
	return o, nil
}

func (p *parser) reply(args, rest string) (Command, error) {
	if err := p.ticket(args, &args); err != nil {
		return p.c, err
	}
	p.c.Text, p.c.Secret = secretLines(strings.TrimSpace(args + "\n" + rest))
	p.c.Text = strings.TrimSpace(p.c.Text)
	if p.c.Text == "" && p.c.Secret == "" {
		return p.c, p.usage("usage_no_text", "text")
	}
	return p.c, nil
}
