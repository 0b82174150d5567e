package command

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/templates"
)

// The create form: 建单 with no title, on a platform whose cards hold forms, answers with a
// form (vendor, title, details, priority, type, and the vendor's own fields with their real
// choices) instead of a usage hint, so nobody types the option lines blind. Its submit
// becomes the 建单 a person would type, and takes the same path with the same checks. The
// vendor, and a field others depend on (a product, which decides the categories),
// are selects outside the form: choosing one draws the card again for it. The card carries
// a key drawn with the form: the create's job is named by it, so a form submitted twice
// creates once. A submit the bot cannot take (a vendor no longer configured, a title left
// out, a choice gone stale at the vendor) draws the form again with what was filled in.

// newFormWord is the submit's command: "newform <key> [vendor=… product=…]", which no person
// types; "newform <key> pick …" is a select's change.
const (
	newFormWord = "newform"
	newFormPick = "pick"
)

// The form's input names; the vendors' fields are named as providers names them.
const (
	formVendor   = "vendor"
	formTitle    = "title"
	formContent  = "content"
	formPriority = "priority"
	formType     = "type"
)

// choiceWait bounds reading a vendor's choices while a click waits for its answer: past it the
// form is drawn with the fields it has (and says which it could not read).
const choiceWait = 1500 * time.Millisecond

// formClick is a click on the create form: its submit, or a choice made outside the form.
type formClick struct {
	key  string
	pick bool
	// state is what the card was drawn for: the vendor and the fields chosen outside the form.
	state map[string]string
}

// parseFormClick reads "newform <key> [pick] [name=value …]"; ok is false for any other click.
func parseFormClick(command string) (c formClick, ok bool) {
	words := strings.Fields(command)
	if len(words) < 2 || words[0] != newFormWord {
		return c, false
	}
	c.key, c.state = words[1], map[string]string{}
	for _, w := range words[2:] {
		if w == newFormPick {
			c.pick = true
			continue
		}
		if k, v, found := strings.Cut(w, "="); found && k != "" {
			c.state[k] = v
		}
	}
	return c, true
}

// command is the click's command for the card drawn from f: its submit, or its picks.
func (c formClick) command(pick bool) string {
	parts := []string{newFormWord, c.key}
	if pick {
		parts = append(parts, newFormPick)
	}
	for _, k := range slices.Sorted(maps.Keys(c.state)) {
		if v := c.state[k]; v != "" && !strings.ContainsAny(v, " \t\n=") {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, " ")
}

// newFormCard draws the create form for r with the values given (f's Vendor, Title, …, and
// values of the vendor's fields), its choices from the configured vendors, the catalog and
// the vendor's lists, under key (a fresh one when "").
func (e *Env) newFormCard(ctx context.Context, r *req, key string, f templates.NewForm, values map[string]string) (*bot.Outgoing, error) {
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
	if key == "" {
		key = formKey()
	}
	click := formClick{key: key, state: map[string]string{formVendor: f.Vendor}}
	var picks []string
	if p, ok := e.Providers.Provider(f.Vendor); ok && e.Answers.Features(r.platform).Forms {
		// Where cards hold no inputs (the guided create) the vendor's fields are typed lines.
		f.Fields, f.Notes = e.formFields(ctx, r, p, values)
		for _, ff := range f.Fields {
			if ff.Pick {
				click.state[ff.Name] = ff.Value
				picks = append(picks, ff.Label)
				if r.en {
					picks[len(picks)-1] = strings.ToLower(ff.Label)
				}
			}
		}
	}
	f.Command, f.Pick = click.command(false), click.command(true)
	if !e.Answers.Features(r.platform).Forms {
		// The guided create's card of choices: its selects go with the submit itself.
		f.Command, f.Pick = newFormWord+" "+key, ""
	}
	if len(f.Vendors) > 1 || len(picks) > 0 {
		extra := ""
		if len(picks) > 0 {
			extra = e.text(r.en, "form_new_and") + list(picks, r.en)
		}
		f.PickFirst = e.text(r.en, "form_new_pick_first", "extra", extra)
	}
	return e.Answers.Output(r.platform, "newform", r.en, f)
}

// formFields are p's own fields with their current choices, each showing the value given if
// the vendor still offers it, else its default; a field whose choices cannot be read now is
// left out and named in the notes (the create then takes the configured default).
func (e *Env) formFields(ctx context.Context, r *req, p providers.Provider, values map[string]string) (fields []templates.FormField, notes []string) {
	ctx, cancel := context.WithTimeout(ctx, choiceWait)
	defer cancel()
	specs := providers.CreateFields(p)
	chosen := map[string]string{}
	for _, spec := range specs {
		label := e.fieldLabel(spec.Name, r.en)
		cs, err := e.choices(ctx, p, spec.Name, chosen[spec.Parent], false)
		if err != nil || len(cs) == 0 {
			if err != nil {
				e.Log.Warn("read a vendor's choices for the create form", "provider", p.Name(), "field", spec.Name, "err", err)
			}
			notes = append(notes, e.text(r.en, "field_unavailable", "vendor", e.Vendors.Label(p.Name(), r.en), "field", label))
			continue
		}
		ff := templates.FormField{Name: spec.Name, Label: label}
		for _, c := range cs {
			ff.Choices = append(ff.Choices, templates.Choice{Value: c.Value, Label: c.Label})
		}
		if c, ok := providers.FindChoice(cs, values[spec.Name]); ok && values[spec.Name] != "" {
			ff.Value = c.Value
		} else if c, ok := providers.DefaultChoice(cs); ok {
			ff.Value = c.Value
		}
		chosen[spec.Name] = ff.Value
		ff.Pick = slices.ContainsFunc(specs, func(s providers.Field) bool { return s.Parent == spec.Name })
		fields = append(fields, ff)
	}
	return fields, notes
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

// newButton is the 建单 button of the help and list cards, where the platform's cards hold
// the create form: a click turns the card into the form.
func (e *Env) newButton(r *req) *templates.Button {
	if !e.mayOfferForm(r.platform) {
		return nil
	}
	return &templates.Button{Text: e.text(r.en, "button_new"), Type: "primary", Command: "new"}
}

// filledForm is what a form click carries: the values shown and the vendor's fields.
func filledForm(c formClick, form map[string]string) (f templates.NewForm, values map[string]string) {
	clean := func(name string) string { return strings.TrimSpace(form[name]) }
	f = templates.NewForm{Vendor: cmpOr(clean(formVendor), c.state[formVendor]), Title: oneLine(clean(formTitle)),
		Content: clean(formContent), Priority: clean(formPriority), Type: clean(formType)}
	values = map[string]string{}
	for _, name := range fieldOrder {
		if v := cmpOr(clean(name), c.state[name]); v != "" {
			values[name] = v
		}
	}
	return f, values
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// typedNew is the 建单 a form's values stand for, as a person would type it.
func typedNew(f templates.NewForm, values map[string]string) string {
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
	for _, name := range fieldOrder {
		if v := values[name]; v != "" {
			lines = append(lines, strings.ReplaceAll(name, "_", " ")+": "+v)
		}
	}
	return strings.Join(lines, "\n")
}

// oneLine keeps a title to its line: a title with a line break would start the details.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// formClicked answers a click on the create form. A choice outside the form draws the card
// again for it; a submit the bot can take is returned as the 建单 it stands for, with the
// form's key to name its create; anything else draws the form again with what was filled in
// and the reason.
func (b *Bot) formClicked(ctx context.Context, r *req, c formClick, form map[string]string) (Command, *bot.ActionResult) {
	f, values := filledForm(c, form)
	again := func(level, problem string) (Command, *bot.ActionResult) {
		f.Problem = problem
		res := &bot.ActionResult{}
		if problem != "" {
			res.Toast = bot.Toast{Type: level, Text: problem}
		}
		out, err := b.env.newFormCard(ctx, r, c.key, f, values)
		if err == nil && out.Kind == bot.KindCard {
			res.Card = out.Body
		}
		if err != nil {
			b.Log.Error("render the create form", "err", err)
		}
		return Command{}, res
	}
	if c.pick {
		if _, changed := form[formVendor]; changed && form[formVendor] != c.state[formVendor] {
			values = map[string]string{} // another vendor: its own fields, from its defaults
		}
		f.Problem = ""
		return again("", "")
	}
	p, ok := b.env.Providers.Provider(f.Vendor)
	if !ok {
		if f.Vendor == "" {
			return again("error", b.env.text(r.en, "form_new_no_vendor"))
		}
		stale := f.Vendor
		f.Vendor = "" // drawn again with the vendors there are
		return again("error", b.env.text(r.en, "form_new_stale_vendor", "vendor", b.env.Vendors.Label(stale, r.en)))
	}
	if f.Title == "" {
		// Typed, a title may stand on the details' first line; the form has its own box.
		return again("error", b.env.usageHint(b.env.noTitle(), b.env.Answers.Features(r.platform), r.en))
	}
	if stale, value := b.staleChoice(ctx, p, values); stale != "" {
		delete(values, stale)
		return again("error", b.env.text(r.en, "field_stale", "vendor", b.env.Vendors.Label(p.Name(), r.en),
			"field", b.env.fieldLabel(stale, r.en), "value", value))
	}
	cmd, err := parseButton(b.words(), typedNew(f, values))
	if err != nil {
		return again("error", b.env.usageHint(err, b.env.Answers.Features(r.platform), r.en))
	}
	return cmd, nil
}

// staleChoice finds a field whose value the vendor no longer offers (a product removed since
// the form was drawn): the submit reads the choices afresh, as the vendor would check them
// on create, and names the value as the form showed it. A list that cannot be read now is
// left for the create to find.
func (b *Bot) staleChoice(ctx context.Context, p providers.Provider, values map[string]string) (field, shown string) {
	ctx, cancel := context.WithTimeout(ctx, choiceWait)
	defer cancel()
	for _, spec := range providers.CreateFields(p) {
		v, parent := values[spec.Name], values[spec.Parent]
		if v == "" {
			continue
		}
		shown = v
		if kept, err := b.env.choices(ctx, p, spec.Name, parent, false); err == nil {
			if c, ok := providers.FindChoice(kept, v); ok {
				shown = c.Label
			}
		}
		fresh, err := b.env.choices(ctx, p, spec.Name, parent, true)
		if err != nil {
			return "", ""
		}
		if _, ok := providers.FindChoice(fresh, v); !ok {
			return spec.Name, shown
		}
	}
	return "", ""
}

// offerForm answers 建单 without a title with the create form, the vendor named preselected.
func (b *Bot) offerForm(ctx context.Context, r *req, vendor string, log *slog.Logger) {
	out, err := b.env.newFormCard(ctx, r, "", templates.NewForm{Vendor: vendor}, nil)
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
func (b *Bot) formResult(ctx context.Context, r *req, vendor string) bot.ActionResult {
	out, err := b.env.newFormCard(ctx, r, "", templates.NewForm{Vendor: vendor}, nil)
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
