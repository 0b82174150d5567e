package command

import (
	"context"
	"log/slog"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/templates"
)

// confirmSpec is the step before a close on a platform without confirmation dialogs.
var confirmSpec = Spec{Op: OpConfirm, Zh: "确认", En: "confirm", Button: true, UsageKey: "cmd_confirm_usage",
	Ticket: true, Parse: parseConfirm, Run: runConfirm}

// parseConfirm reads "confirm close <vendor>:1204": the command a confirmation card asks about.
func parseConfirm(p *parser, args, rest string) (Command, error) {
	inner, err := parseButton(p.words, strings.TrimSpace(args+"\n"+rest))
	if err != nil || inner.Spec.Op != OpClose {
		return p.c, p.usage("usage_confirm_close", "")
	}
	p.c.Ticket, p.c.Text = inner.Ticket, strings.TrimSpace(args)
	return p.c, nil
}

func runConfirm(ctx context.Context, e *Env, r *req, c *Command, p providers.Provider, _ *slog.Logger) (outcome, error) {
	return e.confirm(ctx, r, p, c)
}

// closeWarning is what a person is told before a close: the vendor stops working on the
// ticket, and some vendors let only its creator close it.
func (e *Env) closeWarning(caps providers.Capabilities, en bool) string {
	if caps.CloseCreatorOnly {
		return e.text(en, "close_warning_creator_only")
	}
	return e.text(en, "close_warning")
}

// confirm answers the 关闭 button of a platform without confirmation dialogs: the
// clicked card turns into 「确认关闭 <vendor>:1204？」 with 确认关闭 / 取消, and nothing reaches
// the vendor until 确认关闭. Its button carries the version the ticket card was drawn at, so a
// confirmation of a stale card loses like the stale click would.
func (e *Env) confirm(ctx context.Context, r *req, p providers.Provider, c *Command) (outcome, error) {
	t, err := e.known(ctx, p, c.Ticket.ID)
	if err != nil {
		return outcome{}, err
	}
	ref := t.Ref()
	if t.Status.Terminal() {
		return outcome{ticket: &t, level: "info", text: e.already(r.en, ref, t.Status)}, nil
	}
	if err := e.mayClose(ctx, r, p, t); err != nil {
		return outcome{}, err
	}
	closeCmd := "close " + ref
	if r.version >= 0 {
		closeCmd = withVersion(closeCmd, r.version)
	}
	data := templates.ConfirmCard{Ticket: t, ProviderLabel: e.Vendors.Label(t.Provider, r.en),
		Title: e.text(r.en, "confirm_close_title", "ref", ref), Text: e.closeWarning(providers.Can(p), r.en),
		Buttons: []templates.Button{
			{Text: e.text(r.en, "button_confirm_close"), Type: "danger", Command: closeCmd},
			{Text: e.text(r.en, "button_cancel"), Command: "card " + ref},
		}}
	out, err := e.Answers.Output(r.platform, "confirm", r.en, data)
	return outcome{out: out, quiet: true}, err
}
