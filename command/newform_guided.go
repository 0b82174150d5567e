package command

import (
	"context"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/templates"
)

// The guided create's seam with the create form (newform.go): where cards hold no inputs the
// same card template name draws a card of choices, and the values a draft and the person's
// message give are read and checked by the form's own submit. guidedCard and draftCommand are
// the only calls into the form's code, so a change of its signatures is answered here.

// mayGuideCreate reports whether 建单 without a title is answered with the guided create: the
// platform's cards hold no inputs, it has a create card to choose on, and a vendor is configured
// to choose.
func (e *Env) mayGuideCreate(platform string) bool {
	return !e.Answers.Features(platform).Forms && e.Answers.Has(platform, "newform") && e.Answers.Has(platform, "draft") &&
		len(e.Providers.Configured()) > 0
}

// guidedCard draws the create card of choices under key (a fresh one when ""), showing f's values.
func (e *Env) guidedCard(ctx context.Context, r *req, key string, f templates.NewForm) (*bot.Outgoing, error) {
	return e.newFormCard(ctx, r, key, f, nil)
}

// draftCommand is the 建单 a draft and the person's message (title, details) stand for, as the
// create form's submit reads and checks it: one path for a form's values on every platform. A
// message it cannot take comes back as the form's answer, whose toast says why.
func (b *Bot) draftCommand(ctx context.Context, r *req, d store.Draft, title, content string) (Command, *bot.ActionResult) {
	form := map[string]string{formVendor: d.Provider, formTitle: title, formContent: content, formPriority: d.Priority, formType: d.Type}
	return b.formClicked(ctx, r, formClick{key: d.FormKey, state: map[string]string{}}, form)
}
