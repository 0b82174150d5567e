// Package command is what the bot does for each command and button: the command table (Chinese
// and English names, usage, the help card), one file per command (new.go, reply.go, close.go,
// reopen.go, reject.go, transfer.go, show.go, card.go, confirm.go, list.go, watch.go,
// language.go, help.go: each declares its table row with its parse and run functions), the
// one path of the transitions (transition.go), the language it speaks to whom (langs.go), and
// the jobs it gives the work engine.
package command

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/internal/reqid"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/templates"
	"github.com/ticketbot/ticketbot/tickets"
	"github.com/ticketbot/ticketbot/work"
)

// Deps are the collaborators of the Bot, built in main.
type Deps struct {
	// Vendors are the vendors this build knows (the app's registry); Providers the
	// configured ones.
	Vendors   *providers.Registry
	Providers map[string]providers.Provider
	Store     Store
	Renderer  *templates.Renderer
	Platforms map[string]bot.Platform
	Log       *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Bot runs commands for typed messages and card clicks alike. It implements bot.Handler.
type Bot struct {
	cfg Config
	Deps
	// refused remembers chats already told they are not allowed, so the bot answers a
	// stranger's chat once and then stays quiet.
	refusedMu sync.Mutex
	refused   map[string]bool
	// work is the durable engine every vendor write and kept answer goes through.
	work *work.Engine
	// tickets is the stored state of the tickets the bot knows.
	tickets *tickets.Book
	// env is what the commands run with, made of the parts above.
	env *Env
	// limits holds each person's command rate limiter.
	limits *limiter
	// metrics counts commands by outcome (UseMetrics; nil counts nothing).
	metrics atomic.Pointer[bot.Metrics]
}

var _ bot.Handler = (*Bot)(nil)

// New builds the Bot.
func New(cfg Config, d Deps) *Bot {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	policy, _ := cfg.Retry.Policy() // Validate reports bad values; defaults stand in for them
	b := &Bot{cfg: cfg, Deps: d, refused: map[string]bool{}, limits: newLimiter(cfg.CommandsPerMinute)}
	keep := cfg.Retention.WithDefaults()
	wc := work.Config{Policy: policy, Retryable: retryable, Log: d.Log, Now: func() time.Time { return b.Now() },
		KeepFinished: keep.Jobs, RequestID: jobRequestID}
	if d.Store != nil {
		wc.Prune = keep.pruners(d.Store)
	}
	b.work = work.New(d.Store, wc)
	b.tickets = tickets.New(d.Store, func() time.Time { return b.Now() })
	b.registerJobs()
	b.env = &Env{Vendors: d.Vendors, Providers: providerSet(d.Providers), Tickets: b.tickets, Follows: d.Store, Identities: d.Store, Owners: d.Store, Languages: d.Store, Reports: d.Store,
		Writes: jobs{b.work}, Chats: platformReader(d.Platforms), Answers: drawing{d.Renderer, d.Platforms}, Drafts: d.Store, Subscriptions: d.Store, SubscriptionLimit: cfg.SubscriptionLimit,
		DefaultProvider: cfg.DefaultProvider, Users: cfg.Users, Log: d.Log, Now: func() time.Time { return b.Now() }}
	if zone, err := cfg.Location(); err == nil {
		b.env.Zone = zone
	} else {
		b.env.Zone = bot.DefaultLocation()
	}
	return b
}

// req is who asked for what, where: the common part of a typed message and a click.
type req struct {
	platform, chatID, chatType string
	userID, userName           string
	eventID                    string
	// requestID names the delivery in the logs and the audit (package reqid).
	requestID string
	// messageID is the person's message (typed) or the clicked card (click).
	messageID string
	click     bool
	// en says answers to the person are in English; chatEn that what the whole chat shares
	// (its ticket cards) is; langs are the stored choices they came from (langs.go).
	en, chatEn bool
	langs      store.Languages
	// files are what the person sent with the message, attached where the vendor can.
	files []bot.FileRef
	chat  *Chat // nil when no [[chats]] are configured
	// version is the ticket version the clicked button was drawn at (-1: none); claimed is
	// the version this request's claim moved the ticket to (0: none).
	version, claimed int64
	// mentions are the people the message @-mentions, where the platform says who they are.
	mentions []bot.Mention
	// parentID and quote are the message this one answers (its id) or quotes (its text and
	// files, where the platform gives only those): a 建单 makes its ticket from it.
	parentID, quote string
	quoteFiles      []bot.FileRef
	// formKey names the create form a click submitted: its create is done once (deliveryKey).
	formKey string
	// asDefault are the vendors the command acted at as their configured default identity,
	// because the person has none there (actor): they are told once (tellDefaults).
	asDefault []string
}

func (r *req) user() string { return r.platform + ":" + r.userID }

// outcome is what a command produced, delivered differently for typed commands (messages in
// the chat) and clicks (a toast and the clicked card replaced).
type outcome struct {
	level string // success | info | warning | error
	text  string
	// result overrides what the audit records (queued, stale); empty means ok or the error.
	result string
	// ticket is shown as its card: a new message when fresh, else the chat's card updated.
	ticket *providers.Ticket
	notes  []providers.Note
	fresh  bool
	// form is the input the card shows in place of its buttons: jobReply or a transition's op.
	form string
	// footer is the card's last line, said in each chat's language.
	footer words
	// out is a non-ticket answer rendered from a template (help, list).
	out *bot.Outgoing
	// quiet answers a click with no toast (the reply box's 取消, a confirmation card).
	quiet bool
}

// HandleMessage runs a typed command, or treats a reply in a ticket card's thread as a
// comment to that ticket.
func (b *Bot) HandleMessage(ctx context.Context, m bot.Message) {
	r := &req{platform: m.Platform, chatID: m.ChatID, chatType: m.ChatType, userID: m.UserID,
		userName: m.UserName, eventID: m.EventID, requestID: m.RequestID, messageID: m.MessageID, files: m.Files,
		mentions: m.Mentions, parentID: m.ParentID, quote: m.Quote, quoteFiles: m.QuoteFiles,
		version: -1}
	log := b.Log.With("platform", m.Platform, "chat_id", m.ChatID, "event_id", m.EventID, reqid.Key, m.RequestID)
	if !b.admit(ctx, r, log) {
		return
	}
	r.speak(b.storedLanguages(ctx, r.platform, r.chatID, r.userID), false)
	thread := b.threadTicket(ctx, m)
	if strings.TrimSpace(m.Text) == "" && len(m.Files) > 0 && thread == nil {
		return // a file on its own, outside a ticket's thread, is not for the bot
	}
	if ok, tell := b.limits.allow(r.user(), b.Now()); !ok {
		if tell {
			// One audit row and one answer per run of refusals, not one per message.
			b.record(ctx, r, "", TicketRef{}, "limited", "too many commands", nil)
			b.replyText(ctx, r, b.env.text(r.en, "too_fast"), log)
		}
		return
	}
	if strings.TrimSpace(m.Text) == "" && len(m.Files) > 0 {
		// A file posted in a ticket card's thread is a reply with an attachment.
		o := b.run(ctx, r, Command{Spec: specFor(OpReply), Ticket: *thread, Text: b.env.text(false, "attachment_reply", "names", fileNames(m.Files))}, log)
		actx, cancel := bot.AnswerContext(ctx, answerWait)
		defer cancel()
		b.deliverTyped(actx, r, o, log)
		return
	}
	if m.Overheard && thread == nil {
		// Not said to the bot, in a chat that unfurls (Unfurls let it through): the tickets
		// it names, and nothing it might read as a command.
		b.unfurl(ctx, r, m.Text, true, log)
		return
	}
	cmd, err := Parse(b.words(), m.Text)
	var nc *NotCommandError
	var ue *UsageError
	if errors.As(err, &nc) && thread == nil && b.answerDraft(ctx, r, m.Text, log) {
		return // the title and details a guided create waits for (draft.go)
	}
	if errors.As(err, &nc) && thread == nil && !buttonWord(nc.Word) && b.unfurl(ctx, r, m.Text, false, log) {
		return // a pasted ticket reference: its card (unfurl.go)
	}
	switch {
	case errors.As(err, &nc) && thread != nil:
		// Text in a ticket card's thread that is no command is a reply to that ticket.
		cmd, err = Command{Spec: specFor(OpReply), Ticket: *thread, Text: strings.TrimSpace(m.Text)}, nil
	case errors.As(err, &ue) && thread != nil && takesTicket(ue.Spec.Op):
		// "关闭" alone in a card's thread means that card's ticket; if that is still wrong,
		// the answer is about what is wrong with it there ("回复" alone: the text is missing).
		word, rest := splitWord(strings.TrimLeft(strings.TrimSpace(m.Text), "/／"))
		cmd, err = Parse(b.words(), word+" "+thread.String()+" "+rest)
	}
	if cmd.Spec != nil && cmd.Spec.Op == OpNew && thread == nil && (m.ParentID != "" || m.Quote != "" || len(m.QuoteFiles) > 0) {
		// 建单 answering or quoting a message files the ticket from that message; its title
		// may come from there too.
		cmd.Quoted = true
		if errors.As(err, &ue) && ue.Missing == "title" {
			err = nil
		}
	}
	if errors.As(err, &ue) && ue.Spec.Op == OpNew && ue.Missing == "title" && (b.env.mayOfferForm(r.platform) || b.env.mayGuideCreate(r.platform)) {
		// 建单 alone: the create form asks for what it needs (newform.go; the guided create's
		// card of choices where cards hold no inputs, draft.go).
		r.speak(r.langs, typedEnglish(err))
		b.offerForm(ctx, r, cmd.Provider, log)
		return
	}
	if err != nil {
		r.speak(r.langs, typedEnglish(err))
		b.replyText(ctx, r, b.env.usageHint(err, b.env.Answers.Features(r.platform), r.en), log)
		return
	}
	r.speak(r.langs, cmd.English)
	o := b.run(ctx, r, cmd, log)
	actx, cancel := bot.AnswerContext(ctx, answerWait)
	defer cancel()
	b.deliverTyped(actx, r, o, log)
}

// answerWait bounds sending a command's answer, counted from the end of its work: a command
// cut at [bot] command_timeout is still answered (a vendor that did not answer in time).
const answerWait = 30 * time.Second

// takesTicket reports whether the command's first argument is a ticket.
func takesTicket(op Op) bool {
	switch op {
	case OpReply, OpClose, OpReopen, OpReject, OpTransfer, OpShow, OpWatch, OpUnwatch:
		return true
	}
	return false
}

// HandleAction runs a button's command; a form's inputs complete it (the reply box).
func (b *Bot) HandleAction(ctx context.Context, a bot.Action) bot.ActionResult {
	r := &req{platform: a.Platform, chatID: a.ChatID, userID: a.UserID, userName: a.UserName,
		eventID: a.EventID, requestID: a.RequestID, messageID: a.MessageID, click: true}
	log := b.Log.With("platform", a.Platform, "chat_id", a.ChatID, "event_id", a.EventID, reqid.Key, a.RequestID)
	if ok, _ := b.allowed(r); !ok {
		b.record(ctx, r, "", TicketRef{}, "refused", "chat not allowed", nil)
		// Nobody here has said which language they read: both.
		return bot.ActionResult{Toast: bot.Toast{Type: "error", Text: b.env.text(false, "chat_not_allowed_toast") + " / " + b.env.text(true, "chat_not_allowed_toast")}}
	}
	r.speak(b.storedLanguages(ctx, r.platform, r.chatID, r.userID), false)
	if ok, tell := b.limits.allow(r.user(), b.Now()); !ok {
		if tell {
			b.record(ctx, r, "", TicketRef{}, "limited", "too many commands", nil)
		}
		return bot.ActionResult{Toast: bot.Toast{Type: "warning", Text: b.env.text(r.en, "too_fast")}}
	}
	command, version := splitVersion(a.Command)
	r.version = version
	if c, ok := b.draftClick(r, command, a.Form); ok {
		// The guided create's cards (draft.go): its choices kept, or dropped.
		return b.actionResult(ctx, r, b.run(ctx, r, c, log), log)
	}
	if c, ok := parseFormClick(command); ok {
		// The create form: a choice redraws it; its submit is the 建单 it stands for, once
		// per form.
		cmd, again := b.formClicked(ctx, r, c, a.Form)
		if again != nil {
			return *again
		}
		r.formKey = c.key
		return b.actionResult(ctx, r, b.run(ctx, r, cmd, log), log)
	}
	if text := formText(a.Form); text != "" {
		command += "\n" + text // the form's input completes its command
	}
	cmd, err := parseButton(b.words(), command)
	var ue *UsageError
	if errors.As(err, &ue) && ue.Spec.Op == OpNew && ue.Missing == "title" && (b.env.mayOfferForm(r.platform) || b.env.mayGuideCreate(r.platform)) {
		// A 建单 button: the clicked card becomes the create form.
		return b.formResult(ctx, r, cmd.Provider)
	}
	if errors.As(err, &ue) && ue.Spec.Form && ue.Missing != "" && ue.Missing != "ticket" {
		// A button with a form (回复, 驳回, 流转): it opens the form (cmd holds the ticket), nothing
		// is sent yet.
		err = nil
	}
	// Buttons carry English command words, which say nothing of the language the person
	// reads: r.en stands as settled above.
	if err != nil {
		return bot.ActionResult{Toast: bot.Toast{Type: "error", Text: b.env.usageHint(err, b.env.Answers.Features(r.platform), r.en)}}
	}
	return b.actionResult(ctx, r, b.run(ctx, r, cmd, log), log)
}

// actionResult is a click's answer from its command's outcome: the toast, and the clicked card
// redrawn (a ticket card, a confirmation, the form).
func (b *Bot) actionResult(ctx context.Context, r *req, o outcome, log *slog.Logger) bot.ActionResult {
	ctx, cancel := bot.AnswerContext(ctx, answerWait) // drawing the answer: past the command's deadline too
	defer cancel()
	res := bot.ActionResult{Toast: bot.Toast{Type: o.level, Text: o.text}}
	switch {
	case o.ticket != nil:
		card, err := b.ticketCard(ctx, r.platform, r.chatID, *o.ticket, o.footer, o.form, o.notes...)
		if err != nil {
			log.Error("render ticket card", "err", err)
			break
		}
		res.Card = card
		if o.fresh {
			// A click that shows a ticket (刷新) makes the clicked card its living card.
			b.saveCard(ctx, r, *o.ticket, r.messageID, log)
		}
	case o.out != nil && o.out.Kind == bot.KindCard:
		res.Card = o.out.Body
	}
	if res.Toast.Text == "" && !o.quiet {
		res.Toast = bot.Toast{Type: "success", Text: b.env.text(r.en, "updated")}
	}
	return res
}

// admit checks the chat may use the bot; a chat that may not is told once, then ignored.
func (b *Bot) admit(ctx context.Context, r *req, log *slog.Logger) bool {
	ok, chat := b.allowed(r)
	if ok {
		r.chat = chat
		return true
	}
	key := r.platform + "/" + r.chatID
	b.refusedMu.Lock()
	told := b.refused[key]
	b.refused[key] = true
	b.refusedMu.Unlock()
	log.Warn("message from a chat that is not allowed", "told", told)
	b.record(ctx, r, "", TicketRef{}, "refused", "chat not allowed", nil)
	if !told {
		// Nobody here has said which language they read: both.
		b.replyText(ctx, r, b.env.text(false, "chat_not_allowed", "chat", r.chatID)+"\n"+b.env.text(true, "chat_not_allowed", "chat", r.chatID), log)
	}
	return false
}

// allowed reports whether the chat may act: every chat when no [[chats]] are configured,
// otherwise only those listed.
func (b *Bot) allowed(r *req) (bool, *Chat) {
	if len(b.cfg.Chats) == 0 {
		return true, nil
	}
	for i := range b.cfg.Chats {
		c := &b.cfg.Chats[i]
		if c.Platform == r.platform && c.ChatID == r.chatID {
			r.chat = c
			return true, c
		}
	}
	return false, nil
}

// mayWrite reports whether the person may create, reply and close: anyone, unless the chat
// names its members; its admins always may.
func (r *req) mayWrite() bool {
	if r.chat == nil || len(r.chat.Members) == 0 {
		return true
	}
	for _, m := range r.chat.Members {
		if m == r.userID {
			return true
		}
	}
	return r.isAdmin()
}

// isAdmin reports whether the person is an admin of the chat: they may close any ticket.
func (r *req) isAdmin() bool {
	if r.chat == nil {
		return false
	}
	for _, a := range r.chat.Admins {
		if a == r.userID {
			return true
		}
	}
	return false
}

// threadTicket finds the ticket whose card the message answers: a thread reply or a quote
// of the card by message id, or a ticket reference in the quoted text (where a quote
// carries only content).
func (b *Bot) threadTicket(ctx context.Context, m bot.Message) *TicketRef {
	for _, id := range []string{m.RootID, m.ParentID} {
		if id == "" {
			continue
		}
		c, err := b.Store.CardByMessage(ctx, m.Platform, id)
		if err == nil {
			return &TicketRef{Provider: c.Provider, ID: c.TicketID}
		}
	}
	if m.Quote != "" {
		if sm := quotedRef.FindStringSubmatch(m.Quote); sm != nil {
			if _, ok := b.Providers[sm[1]]; ok {
				return &TicketRef{Provider: sm[1], ID: sm[2]}
			}
		}
	}
	return nil
}

// quotedRef finds a ticket reference such as "<vendor>:1204" in quoted card text.
var quotedRef = regexp.MustCompile(`\b([a-z]+):([A-Za-z0-9_-]{1,64})\b`)

// defaultProvider is the vendor a command that names none goes to: the chat's, the
// configuration's, or the only one configured; "" when there is none.
func (e *Env) defaultProvider(r *req) string {
	switch {
	case r.chat != nil && r.chat.Provider != "":
		return r.chat.Provider
	case e.DefaultProvider != "":
		return e.DefaultProvider
	default:
		if names := e.Providers.Configured(); len(names) == 1 {
			return names[0]
		}
	}
	return ""
}

// exampleVendor is the vendor an example in an answer names: the chat's default, else the
// first configured, else the first this build knows.
func (e *Env) exampleVendor(r *req) string {
	if d := e.defaultProvider(r); d != "" {
		return d
	}
	if names := e.configuredNames(); len(names) > 0 {
		return names[0]
	}
	if all := e.Vendors.All(); len(all) > 0 {
		return all[0].Name
	}
	return "vendor"
}

// provider resolves a provider name (or the chat's default when empty).
func (e *Env) provider(r *req, name string) (providers.Provider, error) {
	if name == "" {
		if name = e.defaultProvider(r); name == "" {
			return nil, e.userErr("vendor_name_it", "example", e.exampleVendor(r)+":1204")
		}
	}
	p, ok := e.Providers.Provider(name)
	if !ok {
		return nil, e.notConfigured(name)
	}
	return p, nil
}

// UseMetrics counts on m the commands by outcome (ticketbot_commands_total), and the work
// engine's answers put off for a chat's rate and jobs given up.
func (b *Bot) UseMetrics(m *bot.Metrics) {
	b.metrics.Store(m)
	b.work.UseMetrics(m)
}

// words are what the parser needs of the bot: the vendor registry and the catalog.
func (b *Bot) words() Words { return Words{Vendors: b.Vendors, Messages: b.Renderer.Messages()} }

// Toasts are the dispatcher's own answers to a click, from the catalog (with its overrides),
// in the language of the one who clicked as far as memory knows it: they are said in the
// ack path, which does not wait for the store (an "in progress" follows the click's own
// reading of the store, so it is known by then).
func (b *Bot) Toasts(a bot.Action) bot.ActionToasts {
	chat := b.cfg.chat(a.Platform, a.ChatID)
	en := configuredLanguage(chat) == langEn
	if l, ok := b.languagesNow(a.Platform, a.ChatID, a.UserID); ok {
		en = personEnglish(l, chat, false)
	}
	return bot.ActionToasts{InProgress: b.env.text(en, "toast_in_progress"), Busy: b.env.text(en, "toast_busy"),
		Internal: b.env.text(en, "toast_internal")}
}

// typedEnglish reports whether a command that could not be read was typed in English: its
// English name, or a first word in Latin letters that is no command.
func typedEnglish(err error) bool {
	if ue, ok := errors.AsType[*UsageError](err); ok {
		return ue.English
	}
	if nc, ok := errors.AsType[*NotCommandError](err); ok {
		return isASCII(nc.Word)
	}
	return false
}
