package command

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/templates"
)

// The guided create, where cards hold no text inputs (bot.Features.Forms false, and the platform
// has the card templates "newform" and "draft"): 建单 without a title answers with a card of
// choices (vendor, priority, type: newform_guided.go draws it); its submit keeps the
// choices as the person's draft in the chat (the store, so any replica takes the next message)
// and turns the card into a waiting card; the person's next message in the chat that is no
// command brings the title (its first line) and the details (the rest), and becomes the 建单 the
// create form's submit would make, through the same path, its create named by the card's key
// so one card creates once. A command meanwhile runs as usual and leaves the draft alone;
// 取消 (or the waiting card's button) drops it; after draftLife it is gone and the message is
// answered as any text that is no command.

// draftLife is how long a draft waits for its message.
const draftLife = 15 * time.Minute

// The guided create's button steps, carried by its cards as "newform <key>" (the submit, the
// card's choices with it) and "newform <key> cancel" (the waiting card's button). They are not
// rows of the command table: nobody types them, and only the guided create's cards carry them.
const (
	OpDraft       Op = "newform"
	OpDraftCancel Op = "newform cancel"
)

var (
	// draftSpec keeps a card's choices: a write, as 建单 is (members only where a chat names
	// them), so nobody who may not create gets as far as a draft.
	draftSpec       = Spec{Op: OpDraft, Zh: newFormWord, En: newFormWord, Button: true, Writes: true, Run: runDraft}
	draftCancelSpec = Spec{Op: OpDraftCancel, Zh: newFormWord, En: newFormWord, Button: true, Run: runDraftCancel}
)

// draftCancelWord is the waiting card's button's word after the card's key.
const draftCancelWord = "cancel"

// DraftStore keeps the drafts (the store), and finds the jobs that tell a card's create was
// made already.
type DraftStore interface {
	SaveDraft(ctx context.Context, d store.Draft) error
	TakeDraft(ctx context.Context, platform, chatID, userID, formKey string, since time.Time) (store.Draft, error)
	Job(ctx context.Context, id string) (store.Job, error)
}

// draftClick reads a click on a guided create's card: its submit with the choices made, or the
// waiting card's 取消; ok is false for any other click, and on platforms without the guided
// create. The key is checked when the step runs, so a forged one is answered and audited.
func (b *Bot) draftClick(r *req, command string, form map[string]string) (Command, bool) {
	words := strings.Fields(command)
	if len(words) < 2 || words[0] != newFormWord || !b.env.mayGuideCreate(r.platform) {
		return Command{}, false
	}
	if len(words) == 3 && words[2] == draftCancelWord {
		return Command{Spec: &draftCancelSpec, Text: words[1]}, true
	}
	return Command{Spec: &draftSpec, Text: words[1], Provider: strings.TrimSpace(form[formVendor]),
		Priority: strings.TrimSpace(form[formPriority]), Type: strings.TrimSpace(form[formType])}, true
}

// validFormKey accepts what formKey draws, with room: a forged key must not name odd jobs.
func validFormKey(key string) bool {
	if key == "" || len(key) > 64 {
		return false
	}
	for _, c := range key {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// runDraft keeps the choices of a submitted card as the person's draft and answers with the
// waiting card. A card whose create was made, a vendor no longer configured and a choice the
// card never offered are answered, and nothing is kept.
func runDraft(ctx context.Context, e *Env, r *req, c *Command, _ providers.Provider, _ *slog.Logger) (outcome, error) {
	key := c.Text
	if !validFormKey(key) {
		return outcome{}, e.userErr("draft_bad_card")
	}
	// The card's create is the job named by its key (deliveryKey): there is one once the
	// card's draft was answered, whatever came of it.
	if _, err := e.Drafts.Job(ctx, jobID(jobCreate, r.platform, (&req{formKey: key}).deliveryKey())); err == nil {
		return outcome{level: "error", text: e.text(r.en, "draft_used"), result: "stale"}, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return outcome{}, fmt.Errorf("find the card's create: %w", err)
	}
	if _, ok := e.Providers.Provider(c.Provider); !ok {
		// The card again, with what was chosen, for another vendor.
		problem := e.text(r.en, "form_guided_no_vendor")
		if c.Provider != "" {
			problem = e.text(r.en, "form_guided_stale_vendor", "vendor", e.Vendors.Label(c.Provider, r.en))
		}
		card, err := e.guidedCard(ctx, r, key, templates.NewForm{Priority: c.Priority, Type: c.Type, Problem: problem})
		if err != nil {
			return outcome{}, err
		}
		return outcome{level: "error", text: problem, out: card, result: "refused"}, nil
	}
	// Only what the card offers: its option ids are the normalized values.
	if pr, ok := providers.ParsePriority(c.Priority); c.Priority != "" && (!ok || pr != c.Priority) {
		return outcome{}, e.userErr("draft_bad_choice", "value", truncateRunes(c.Priority, 20))
	}
	if ty, ok := typeValue(c.Type); c.Type != "" && (!ok || ty != c.Type) {
		return outcome{}, e.userErr("draft_bad_choice", "value", truncateRunes(c.Type, 20))
	}
	d := store.Draft{Platform: r.platform, ChatID: r.chatID, UserID: r.userID, FormKey: key, Provider: c.Provider,
		Priority: c.Priority, Type: c.Type, CreatedAt: e.Now()}
	if err := e.Drafts.SaveDraft(ctx, d); err != nil {
		return outcome{}, err
	}
	card, err := e.draftCard(r, d)
	if err != nil {
		return outcome{}, err
	}
	return outcome{level: "info", text: e.text(r.en, "draft_saved", "minutes", int(draftLife/time.Minute)), out: card}, nil
}

// draftCard draws the waiting card of d.
func (e *Env) draftCard(r *req, d store.Draft) (*bot.Outgoing, error) {
	v := templates.DraftCard{Vendor: e.Vendors.Label(d.Provider, r.en), Minutes: int(draftLife / time.Minute),
		Cancel: newFormWord + " " + d.FormKey + " " + draftCancelWord}
	if d.Priority != "" {
		v.Priority = e.Answers.Messages().Priority(providers.Ticket{PriorityLevel: d.Priority}, r.en)
	}
	if d.Type != "" {
		v.Type = e.text(r.en, "type_"+d.Type)
	}
	return e.Answers.Output(r.platform, "draft", r.en, v)
}

// runDraftCancel drops the person's draft of the card (the waiting card's 取消) and draws the
// create card again, its choices kept under a fresh key. Someone else's card, or a draft
// answered or expired, has nothing to drop: the card stays as it is.
func runDraftCancel(ctx context.Context, e *Env, r *req, c *Command, _ providers.Provider, _ *slog.Logger) (outcome, error) {
	if !validFormKey(c.Text) {
		return outcome{}, e.userErr("draft_bad_card")
	}
	d, err := e.Drafts.TakeDraft(ctx, r.platform, r.chatID, r.userID, c.Text, e.Now().Add(-draftLife))
	if errors.Is(err, store.ErrNotFound) {
		return outcome{level: "warning", text: e.text(r.en, "draft_none"), result: "stale"}, nil
	}
	if err != nil {
		return outcome{}, err
	}
	said := e.text(r.en, "draft_cancelled")
	card, err := e.guidedCard(ctx, r, "", templates.NewForm{Vendor: d.Provider, Priority: d.Priority, Type: d.Type, Problem: said})
	if err != nil {
		return outcome{}, err
	}
	return outcome{level: "info", text: said, out: card}, nil
}

// draftMemory is the store's memory of the drafts waiting, where it keeps one (store.Cached).
type draftMemory interface {
	DraftWaitingNow(platform, chatID, userID string, since time.Time) (waiting, known bool)
}

// draftMayWait is for the ack path, which must not wait for the database: false only when the
// store's memory knows that no draft of the person waits in the chat, so their text that is
// no command is answered as such at once; otherwise the queue takes it (answerDraft).
func (b *Bot) draftMayWait(platform, chatID, userID string) bool {
	m, ok := b.env.Drafts.(draftMemory)
	if !ok {
		return true
	}
	waiting, known := m.DraftWaitingNow(platform, chatID, userID, b.Now().Add(-draftLife))
	return waiting || !known
}

// answerDraft takes the person's draft in the chat, if one waits, and answers it with text (a
// message that is no command): 取消 drops it; anything else is its title (the first line) and
// details (the rest), created as the card's 建单. It reports false when no draft waits (or the
// platform has none): the message is answered as any text that is no command.
func (b *Bot) answerDraft(ctx context.Context, r *req, text string, log *slog.Logger) bool {
	if !b.env.mayGuideCreate(r.platform) {
		return false
	}
	d, err := b.env.Drafts.TakeDraft(ctx, r.platform, r.chatID, r.userID, "", b.Now().Add(-draftLife))
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			log.Error("take the draft", "err", err)
		}
		return false
	}
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if isCancel(text) {
		b.record(ctx, r, string(OpDraftCancel), TicketRef{}, "ok", "", nil)
		b.replyText(ctx, r, b.env.text(r.en, "draft_cancelled"), log)
		return true
	}
	if _, ok := b.env.Providers.Provider(d.Provider); !ok {
		b.record(ctx, r, string(OpNew), TicketRef{}, "refused", "vendor no longer configured", nil)
		b.replyText(ctx, r, b.env.text(r.en, "draft_stale_vendor", "vendor", b.env.Vendors.Label(d.Provider, r.en)), log)
		return true
	}
	kept := d
	title, content, _ := strings.Cut(text, "\n")
	// What the person writes last wins over the card: a priority or type line of theirs.
	for _, line := range strings.Split(content, "\n") {
		switch k, _, _ := option(line); k {
		case "priority":
			d.Priority = ""
		case "type":
			d.Type = ""
		}
	}
	cmd, again := b.draftCommand(ctx, r, d, strings.TrimSpace(title), strings.TrimSpace(content))
	if again != nil {
		// What was written can be written again: the choices wait for it, as long as they
		// would have.
		if err := b.env.Drafts.SaveDraft(ctx, kept); err != nil {
			log.Error("keep the draft", "err", err)
		}
		b.replyText(ctx, r, again.Toast.Text+"\n"+b.env.text(r.en, "draft_again"), log)
		return true
	}
	r.formKey = d.FormKey
	o := b.run(ctx, r, cmd, log)
	actx, cancel := bot.AnswerContext(ctx, answerWait)
	defer cancel()
	b.deliverTyped(actx, r, o, log)
	return true
}

// noTitle reports a 建单 without its title: where the platform can, a card asks for it.
func noTitle(err error) bool {
	ue, ok := errors.AsType[*UsageError](err)
	return ok && ue.Spec.Op == OpNew && ue.Missing == "title"
}

// isCancel reports the word that drops a draft: 取消 or cancel, alone.
func isCancel(text string) bool {
	t := strings.TrimRight(strings.TrimLeft(text, "/／"), "。.!！")
	return t == "取消" || strings.EqualFold(t, draftCancelWord)
}
