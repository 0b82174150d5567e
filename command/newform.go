package command

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/templates"
)

// The create form: 建单 with no title, on a platform whose cards hold forms, answers with a
// form (vendor, title, details, priority, type) instead of a usage hint, so nobody types the
// option lines blind. Its submit becomes the 建单 a person would type, and takes the same path
// with the same checks. The submit carries a key drawn with the form: the create's job is named
// by it, so a form submitted twice creates once. A submit the bot cannot take (a vendor no
// longer configured, a title left out) draws the form again with what was filled in.

// newFormWord is the submit's command: "newform <key>", which no person types.
const newFormWord = "newform"

// The form's input names.
const (
	formVendor   = "vendor"
	formTitle    = "title"
	formContent  = "content"
	formPriority = "priority"
	formType     = "type"
)

// newFormCard draws the create form for r with the values given (f's Vendor, Title, …), its
// choices from the configured vendors and the catalog, and a fresh key on its submit unless
// f.Command already holds one.
func (e *Env) newFormCard(r *req, f templates.NewForm) (*bot.Outgoing, error) {
	for _, name := range e.configuredNames() {
		f.Vendors = append(f.Vendors, templates.Choice{Value: name, Label: e.Vendors.Label(name, r.en)})
	}
	if f.Vendor == "" {
		f.Vendor = e.defaultProvider(r)
	}
	m := e.Answers.Messages()
	for _, level := range []string{providers.PriorityUrgent, providers.PriorityHigh, providers.PriorityNormal, providers.PriorityLow} {
		f.Priorities = append(f.Priorities, templates.Choice{Value: level, Label: m.Priority(providers.Ticket{PriorityLevel: level}, r.en)})
	}
	for _, ty := range []string{"incident", "request", "question"} {
		f.Types = append(f.Types, templates.Choice{Value: ty, Label: e.text(r.en, "type_"+ty)})
	}
	if f.Command == "" {
		f.Command = newFormWord + " " + formKey()
	}
	return e.Answers.Output(r.platform, "newform", r.en, f)
}

// formKey names one drawn form.
func formKey() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// mayOfferForm reports whether 建单 without a title is answered with the form: the platform's
// cards hold forms and the bot can draw one there.
func (e *Env) mayOfferForm(platform string) bool {
	return e.Answers.Features(platform).Forms && e.Answers.Has(platform, "newform")
}

// submittedForm reads a create form's submit: the 建单 it stands for, as a person would type
// it, and the form's key; ok is false for any other click.
func submittedForm(command string, form map[string]string) (f templates.NewForm, typed, key string, ok bool) {
	word, key, _ := strings.Cut(strings.TrimSpace(command), " ")
	if word != newFormWord || key == "" {
		return f, "", "", false
	}
	clean := func(name string) string { return strings.TrimSpace(form[name]) }
	f = templates.NewForm{Vendor: clean(formVendor), Title: oneLine(clean(formTitle)), Content: clean(formContent),
		Priority: clean(formPriority), Type: clean(formType), Command: newFormWord + " " + key}
	lines := []string{"new " + f.Vendor + " " + f.Title}
	if f.Content != "" {
		lines = append(lines, f.Content)
	}
	if f.Priority != "" {
		lines = append(lines, "priority: "+f.Priority)
	}
	if f.Type != "" {
		lines = append(lines, "type: "+f.Type)
	}
	return f, strings.Join(lines, "\n"), key, true
}

// oneLine keeps a title to its line: a title with a line break would start the details.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// submitForm runs a create form's submit: the typed 建单 it stands for, unless the form can
// not be taken as filled in, which draws it again with the values kept and the reason.
func (b *Bot) submitForm(ctx context.Context, r *req, f templates.NewForm, typed string) (Command, *bot.ActionResult) {
	again := func(problem string) (Command, *bot.ActionResult) {
		f.Problem = problem
		res := &bot.ActionResult{Toast: bot.Toast{Type: "error", Text: problem}}
		if out, err := b.env.newFormCard(r, f); err == nil && out.Kind == bot.KindCard {
			res.Card = out.Body
		}
		return Command{}, res
	}
	if _, ok := b.env.Providers.Provider(f.Vendor); !ok {
		label := f.Vendor
		if label == "" {
			return again(b.env.text(r.en, "form_new_no_vendor"))
		}
		return again(b.env.text(r.en, "form_new_stale_vendor", "vendor", b.env.Vendors.Label(label, r.en)))
	}
	if f.Title == "" {
		// Typed, a title may stand on the details' first line; the form has its own box.
		return again(b.env.usageHint(b.env.noTitle(), b.env.Answers.Features(r.platform), r.en))
	}
	cmd, err := parseButton(b.words(), typed)
	if err != nil {
		return again(b.env.usageHint(err, b.env.Answers.Features(r.platform), r.en))
	}
	return cmd, nil
}

// offerForm answers 建单 without a title with the create form, the vendor named preselected.
func (b *Bot) offerForm(ctx context.Context, r *req, vendor string, log *slog.Logger) {
	out, err := b.env.newFormCard(r, templates.NewForm{Vendor: vendor})
	if err != nil {
		log.Error("render the create form", "err", err)
		b.replyText(ctx, r, b.env.usageHint(b.env.noTitle(), b.env.Answers.Features(r.platform), r.en), log)
		return
	}
	actx, cancel := bot.AnswerContext(ctx, answerWait)
	defer cancel()
	b.deliverTyped(actx, r, outcome{out: out, level: "info"}, log)
}

// formResult turns the clicked card into the create form (a 建单 button).
func (b *Bot) formResult(r *req, vendor string) bot.ActionResult {
	out, err := b.env.newFormCard(r, templates.NewForm{Vendor: vendor})
	if err != nil {
		text, id := b.env.internalError(r.en)
		b.Log.Error("render the create form", "error_id", id, "err", err)
		return bot.ActionResult{Toast: bot.Toast{Type: "error", Text: text}}
	}
	return bot.ActionResult{Card: out.Body, Toast: bot.Toast{Type: "info", Text: b.env.text(r.en, "form_new_opened")}}
}

// noTitle is the usage mistake of a 建单 without its title.
func (e *Env) noTitle() *UsageError {
	return &UsageError{Spec: specFor(OpNew), Problem: e.text(false, "usage_no_title"), ProblemEN: e.text(true, "usage_no_title"),
		Missing: "title"}
}
