package command

import (
	"context"
	"log/slog"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/templates"
)

// confirmSpec is the step before a transition on a platform without confirmation dialogs.
var confirmSpec = Spec{Op: OpConfirm, Zh: "确认", En: "confirm", Button: true, UsageKey: "cmd_confirm_usage",
	Ticket: true, Parse: parseConfirm, Run: runConfirm}

// parseConfirm reads "confirm close <vendor>:1204" (or any transition, with what it carries:
// "confirm reject <vendor>:1204\n<reason>"): the command a confirmation card asks about.
func parseConfirm(p *parser, args, rest string) (Command, error) {
	text := strings.TrimSpace(args + "\n" + rest)
	inner, err := parseButton(p.words, text)
	if err != nil || transitionFor(string(inner.Spec.Op)) == nil {
		return p.c, p.usage("usage_confirm_what", "")
	}
	p.c.Ticket, p.c.Text, p.c.Inner = inner.Ticket, text, &inner
	return p.c, nil
}

func runConfirm(ctx context.Context, e *Env, r *req, c *Command, p providers.Provider, _ *slog.Logger) (outcome, error) {
	return e.confirm(ctx, r, p, c)
}

// confirm answers a transition's button on a platform without confirmation dialogs: the
// clicked card turns into 「确认关闭 <vendor>:1204？」 with 确认关闭 / 取消 (重新打开 alike), and
// nothing reaches the vendor until the confirming button. It carries the version the ticket
// card was drawn at, so a confirmation of a stale card loses like the stale click would. A
// vendor that cannot, a status that does not allow it and a person who may not are told now.
func (e *Env) confirm(ctx context.Context, r *req, p providers.Provider, c *Command) (outcome, error) {
	tr := transitionFor(string(c.Inner.Spec.Op))
	caps := providers.Can(p)
	if !tr.can(caps) {
		return outcome{}, providers.Unsupported(p, string(tr.op))
	}
	t, err := e.known(ctx, p, c.Ticket.ID)
	if err != nil {
		return outcome{}, err
	}
	if o, refused := e.notFrom(ctx, r, tr, t); refused {
		return o, nil
	}
	if err := e.mayTransit(ctx, r, p, tr, t); err != nil {
		return outcome{}, err
	}
	ref := t.Ref()
	// The confirming button carries what the inner command did (a form's reason or handler).
	cmd := string(tr.op) + " " + ref
	if c.Inner.To != "" {
		cmd += " " + c.Inner.To
	}
	if c.Inner.Text != "" {
		cmd += "\n" + c.Inner.Text
	}
	if r.version >= 0 {
		cmd = withVersion(cmd, r.version)
	}
	text := e.warning(tr, caps, r.en)
	if c.Inner.To != "" || c.Inner.Text != "" {
		text += "\n" + strings.TrimSpace(c.Inner.To+" "+c.Inner.Text)
	}
	data := templates.ConfirmCard{Ticket: t, ProviderLabel: e.Vendors.Label(t.Provider, r.en),
		Title: e.text(r.en, tr.confirmTitleKey, "ref", ref), Text: text,
		Buttons: []templates.Button{
			{Text: e.text(r.en, tr.confirmButtonKey), Type: "danger", Command: cmd},
			{Text: e.text(r.en, "button_cancel"), Command: "card " + ref},
		}}
	out, err := e.Answers.Output(r.platform, "confirm", r.en, data)
	return outcome{out: out, quiet: true}, err
}
