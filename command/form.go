package command

import (
	"context"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/templates"
)

// The card's forms: a button whose command needs words (回复's text, 驳回's reason, 流转's
// handler) opens an input on the card first, on platforms with forms; its submit carries the
// button's command with the ticket's version, and the input completes it (HandleAction).

// openForm answers a transition's button whose input comes first: the card with the input, and
// nothing sent yet. A vendor that cannot, a status that does not allow it and a person who
// may not are told now rather than after they typed.
func (e *Env) openForm(ctx context.Context, r *req, p providers.Provider, tr *transition, id string) (outcome, error) {
	if !tr.can(providers.Can(p)) {
		return outcome{}, providers.Unsupported(p, string(tr.op))
	}
	t, err := e.known(ctx, p, id)
	if err != nil {
		return outcome{}, err
	}
	if o, refused := e.notFrom(ctx, r, tr, t); refused {
		return o, nil
	}
	if err := e.mayTransit(ctx, r, p, tr, t); err != nil {
		return outcome{}, err
	}
	return outcome{ticket: &t, form: string(tr.op), level: "info", text: e.text(r.en, tr.boxKey)}, nil
}

// formText is what a click's form carries: its one input, named <form>_text.
func formText(form map[string]string) string {
	for k, v := range form {
		if strings.HasSuffix(k, "_text") && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// cardForm is the card's input for op (jobReply or a transition's), submitting at version. A
// transition's submit asks first: in the platform's dialog, or with a confirmation card.
func (b *Bot) cardForm(op, ref string, version int64, caps providers.Capabilities, dialogs, en bool) *templates.Form {
	say := func(key string, args ...any) string { return b.env.text(en, key, args...) }
	if op == jobReply {
		return &templates.Form{Name: "reply", Placeholder: say("form_reply_placeholder"), Submit: say("button_send_reply"),
			Command: withVersion("reply "+ref, version)}
	}
	tr := transitionFor(op)
	if tr == nil || tr.form == "" {
		return nil
	}
	f := &templates.Form{Name: tr.form, Placeholder: say(tr.placeholderKey), Submit: say(tr.confirmButtonKey),
		Command: withVersion(string(tr.op)+" "+ref, version)}
	if dialogs {
		f.Confirm = &templates.Confirm{Title: say(tr.dialogTitleKey, "ref", ref), Text: b.env.warning(tr, caps, en)}
	} else {
		f.Command = withVersion("confirm "+string(tr.op)+" "+ref, version)
	}
	return f
}
