package command

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/work"
)

// The handlers' jobs in the work engine: every write to a vendor (create, reply, and the
// transitions: close, reopen, reject, transfer) is
// stored as a job before it is tried, and every answer owed to a chat about a job is stored
// with the job's end. The first attempt runs at once, in the command's worker; a vendor that
// is down leaves the job pending, and the engine retries it with its backoff until it gets
// through or its time is up. A job whose process died mid-call (its lease ran out while
// running) has an unknown outcome: it is checked against the vendor before it is repeated.

// Job kinds; a transition's job is its op (transition.go).
const (
	jobCreate = "create"
	jobReply  = "reply"
	jobSay    = "say" // an answer to a chat
)

// jobData is a job's payload.
type jobData struct {
	Text string `json:"text,omitempty"` // reply text, a transition's remark or reason, or the answer
	// To is the next handler of a transfer, as the vendor names them.
	To    string          `json:"to,omitempty"`
	Actor providers.Actor `json:"actor"`
	// User is the chat user's display name, for the answers.
	User   string                   `json:"user,omitempty"`
	En     bool                     `json:"en,omitempty"`
	Create *providers.CreateRequest `json:"create,omitempty"`
	// Files are what the person sent with the message: references only, fetched from the
	// platform again at each try (their content is never stored).
	Files []bot.FileRef `json:"files,omitempty"`
	// Version is the claim a transition (or a clicked reply) holds on its ticket
	// (store.ClaimTicket).
	Version int64 `json:"version,omitempty"`
	// Card is an answer posted into the chat as a card (say jobs); Markdown says it is
	// markdown (help and list with no card template), not a card.
	Card     json.RawMessage `json:"card,omitempty"`
	Markdown bool            `json:"markdown,omitempty"`
	Fallback string          `json:"fallback,omitempty"`
	// Key is the platform's idempotency key of an answer sent again (say jobs); the job id
	// when empty.
	Key string `json:"key,omitempty"`
	// RequestID names the delivery that made the job, in its later attempts' log lines.
	RequestID string `json:"request_id,omitempty"`
}

// jobRequestID is the request id a job's payload names (work.Config.RequestID).
func jobRequestID(j store.Job) string {
	var d struct {
		RequestID string `json:"request_id"`
	}
	_ = json.Unmarshal(j.Payload, &d)
	return d.RequestID
}

// sayGiveUp bounds the retries of an answer to a chat.
const sayGiveUp = time.Hour

// newJob builds a job answering the request r.
func (e *Env) newJob(kind, key string, r *req, provider, ticketID string, d jobData) store.Job {
	d.User, d.En, d.RequestID = r.userName, r.en, r.requestID
	payload, _ := json.Marshal(d)
	now := e.Now()
	return store.Job{ID: jobID(kind, r.platform, key), Kind: kind, Platform: r.platform, ChatID: r.chatID,
		MessageID: r.messageID, UserID: r.userID, Provider: provider, TicketID: ticketID, Payload: payload,
		NextAt: now, CreatedAt: now}
}

// jobID names the job of kind for the request key (deliveryKey) on platform.
func jobID(kind, platform, key string) string { return kind + "/" + platform + "/" + key }

// jobs is the Writer of the running bot: its work engine.
type jobs struct{ e *work.Engine }

// Submit stores the job and tries it once, now, through the work engine.
func (w jobs) Submit(ctx context.Context, j store.Job, log *slog.Logger) (*providers.Ticket, work.End, error) {
	a, end, err := w.e.Submit(ctx, j, log)
	if v, ok := a.Value.(*jobRun); ok {
		return v.t, end, err
	}
	return nil, end, err
}

// jobRun is what one attempt of a job carries from Do to its end.
type jobRun struct {
	d    jobData
	t    *providers.Ticket
	reqs *providers.RequestLog
	bad  bool // the payload could not be read: nothing to settle, nothing to say
}

// errBadPayload fails a job whose payload cannot be read: trying again would fail the same way.
type errBadPayload struct{ err error }

func (e errBadPayload) Error() string { return "bad payload: " + e.err.Error() }

// registerJobs tells the engine what the handlers' jobs do: the vendor writes, and the
// answers to chats.
func (b *Bot) registerJobs() {
	vendor := work.Kind{Do: b.doVendor, Done: b.doneVendor, Deferred: b.deferVendor, Failed: b.failVendor, Ended: b.endedVendor}
	for _, k := range []string{jobCreate, jobReply} {
		b.work.Register(k, vendor)
	}
	for _, tr := range transitions {
		b.work.Register(string(tr.op), vendor)
	}
	b.work.Register(jobSay, work.Kind{Paced: true, GiveUpAfter: sayGiveUp, Do: b.doSay})
}

// decode reads the attempt's payload once.
func decode(a *work.Attempt) (*jobRun, error) {
	if v, ok := a.Value.(*jobRun); ok {
		return v, nil
	}
	v := &jobRun{}
	a.Value = v
	if err := json.Unmarshal(a.Job.Payload, &v.d); err != nil {
		v.bad = true
		return v, errBadPayload{err}
	}
	return v, nil
}

func (b *Bot) doVendor(ctx context.Context, a *work.Attempt) error {
	v, err := decode(a)
	if err != nil {
		return err
	}
	// Inline, the command's own request log (and audit entry) collects the request ids.
	if !a.Inline {
		ctx, v.reqs = providers.WithRequestLog(ctx)
	}
	v.t, err = b.perform(ctx, a.Job, v.d, a.Again, a.Log)
	return err
}

func (b *Bot) doneVendor(ctx context.Context, a *work.Attempt) []store.Job {
	v := a.Value.(*jobRun)
	return b.settle(ctx, a.Job, v.d, v.t, a.Inline, a.Log)
}

// deferVendor settles a transition's claim as queued before the job is due again, so a quick
// retry cannot settle it first.
func (b *Bot) deferVendor(ctx context.Context, a *work.Attempt, _ error) {
	v := a.Value.(*jobRun)
	if v.d.Version > 0 {
		if err := b.tickets.Settle(ctx, a.Job.Provider, a.Job.TicketID, v.d.Version, store.ClaimQueued); err != nil {
			a.Log.Error("settle claim", "err", err)
		}
	}
}

func (b *Bot) failVendor(ctx context.Context, a *work.Attempt, err error) []store.Job {
	v, _ := a.Value.(*jobRun)
	if v == nil || v.bad {
		return nil
	}
	return b.giveUp(ctx, a.Job, v.d, err, a.Inline, a.Log)
}

// endedVendor audits a write that ended in the background (inline, the command audits it).
func (b *Bot) endedVendor(ctx context.Context, a *work.Attempt, err error) {
	v, _ := a.Value.(*jobRun)
	if a.Inline || v == nil || v.bad {
		return
	}
	if err != nil {
		b.auditJob(ctx, a.Job, v.d, "failed", failCode(err), v.reqs.IDs())
		return
	}
	b.auditJob(ctx, a.Job, v.d, "ok", fmt.Sprintf("attempt %d", a.Job.Attempts), v.reqs.IDs())
	a.Log.Info("job done after retries")
}

func (b *Bot) doSay(ctx context.Context, a *work.Attempt) error {
	v, err := decode(a)
	if err != nil {
		return err
	}
	return b.say(ctx, a.Job, v.d)
}

// perform makes the job's call. A job tried before (or whose last try never ended) first
// asks the vendor whether it already happened.
func (b *Bot) perform(ctx context.Context, j store.Job, d jobData, again bool, log *slog.Logger) (*providers.Ticket, error) {
	p, ok := b.Providers[j.Provider]
	if !ok {
		return nil, fmt.Errorf("provider %q is no longer configured", j.Provider)
	}
	switch j.Kind {
	case jobCreate:
		if again {
			if !providers.Can(p).FindCreated {
				return nil, errCannotCheck
			}
			t, found, err := providers.FindCreated(ctx, p, d.Create.Title, j.CreatedAt)
			if err != nil {
				return nil, err
			}
			if found {
				log.Info("create found at the vendor; not repeated", "ticket_id", t.ID)
				return &t, nil
			}
		}
		var t providers.Ticket
		var err error
		if len(d.Files) > 0 {
			files, ferr := b.jobFiles(ctx, p, j, d)
			if ferr != nil {
				return nil, ferr
			}
			t, err = providers.CreateWithFiles(ctx, p, *d.Create, files)
		} else {
			t, err = p.Create(ctx, *d.Create)
		}
		if err != nil && !providers.Can(p).FindCreated && retryable(err) {
			return nil, b.env.unconfirmedCreate(p.Name(), err)
		}
		return &t, err
	case jobReply:
		if again && providers.Can(p).Notes {
			// Not known whether the last try got through: find out first, and when the
			// vendor cannot be asked now, try again later rather than reply twice.
			found, err := b.replied(ctx, p, j, d)
			if err != nil {
				return nil, err
			}
			if found {
				log.Info("reply found at the vendor; not repeated")
				return nil, nil
			}
		}
		rep := providers.Reply{Text: d.Text, Actor: d.Actor}
		if len(d.Files) > 0 {
			files, err := b.jobFiles(ctx, p, j, d)
			if err != nil {
				return nil, err
			}
			return nil, providers.ReplyWithFiles(ctx, p, j.TicketID, rep, files)
		}
		return nil, p.Reply(ctx, j.TicketID, rep)
	}
	if tr := transitionFor(j.Kind); tr != nil {
		return b.performTransition(ctx, p, tr, j, d, again)
	}
	return nil, fmt.Errorf("unknown job kind %q", j.Kind)
}

// performTransition makes a transition's call and reads the ticket it left. A job tried
// before is first checked at the vendor (tr.done), so it is never done twice.
func (b *Bot) performTransition(ctx context.Context, p providers.Provider, tr *transition, j store.Job, d jobData, again bool) (*providers.Ticket, error) {
	if again {
		t, err := p.Get(ctx, j.TicketID)
		if err != nil {
			return nil, err
		}
		if tr.done(t, d) {
			return &t, nil
		}
	}
	if err := tr.do(ctx, p, j.TicketID, d); err != nil {
		return nil, err
	}
	t, err := p.Get(ctx, j.TicketID)
	if err != nil {
		// The call went through; the card shows what it did until the next read.
		t = providers.Ticket{Provider: j.Provider, ID: j.TicketID}
		if last, ok := b.tickets.Last(ctx, j.Provider, j.TicketID); ok {
			t = last
		}
		tr.after(&t)
	}
	return &t, nil
}

// jobFiles fetches the files of the job's message for a vendor that takes them.
func (b *Bot) jobFiles(ctx context.Context, p providers.Provider, j store.Job, d jobData) ([]providers.File, error) {
	if err := b.env.takesFiles(p, j.Kind == jobReply); err != nil {
		return nil, err
	}
	return b.fetchFiles(ctx, j.Platform, j.MessageID, d.Files, p)
}

// unconfirmedCreate ends a create that failed for now at a vendor that cannot be asked
// afterwards whether the ticket was made: it is not retried (that could file it twice), and
// the person is asked to check first.
func (e *Env) unconfirmedCreate(provider string, err error) *userError {
	return e.userErrBy("unconfirmed_create", func(en bool) []any { return []any{"vendor", e.Vendors.Label(provider, en), "code", failCode(err)} })
}

// errCannotCheck stops a create whose first try may have reached a vendor that cannot be
// asked whether it did: creating again could make a second ticket.
var errCannotCheck = errors.New("the vendor cannot be asked whether the ticket was created")

// replied reports whether the vendor shows the job's reply already (our side, its text,
// written after the job was made).
func (b *Bot) replied(ctx context.Context, p providers.Provider, j store.Job, d jobData) (bool, error) {
	notes, err := p.Notes(ctx, j.TicketID)
	if err != nil {
		return false, err
	}
	text := strings.TrimSpace(d.Text)
	for _, n := range notes {
		if !n.Official && strings.Contains(n.Body, text) && (n.At.IsZero() || !n.At.Before(j.CreatedAt.Add(-time.Minute))) {
			return true, nil
		}
	}
	return false, nil
}

// say posts an answer: a ticket card into the chat, or a sentence in the thread of the
// message it answers. The job id keys the send, so a retried post is not doubled.
func (b *Bot) say(ctx context.Context, j store.Job, d jobData) error {
	p, ok := b.Platforms[j.Platform]
	if !ok {
		return fmt.Errorf("platform %q is not configured", j.Platform)
	}
	key := d.Key
	if key == "" {
		key = j.ID
	}
	if len(d.Card) > 0 {
		out := bot.Outgoing{Kind: bot.KindCard, Body: d.Card, Key: key, Fallback: d.Fallback}
		if d.Markdown {
			out.Kind = bot.KindMarkdown
		}
		ref, err := p.Send(ctx, j.ChatID, out)
		if err != nil {
			return sayError{err}
		}
		if j.TicketID != "" && ref.MessageID != "" {
			return b.Store.SaveCard(ctx, store.Card{Platform: j.Platform, ChatID: j.ChatID, MessageID: ref.MessageID,
				Provider: j.Provider, TicketID: j.TicketID, UpdatedAt: b.Now()})
		}
		return nil
	}
	ref := bot.CardRef{Platform: j.Platform, ChatID: j.ChatID, MessageID: j.MessageID}
	if _, err := p.Reply(ctx, ref, bot.Outgoing{Kind: bot.KindText, Body: []byte(d.Text), Key: key}); err != nil {
		return sayError{err}
	}
	return nil
}

// sayError marks a failed post to a chat: always worth another try until the job's time is up.
type sayError struct{ err error }

func (e sayError) Error() string { return e.err.Error() }
func (e sayError) Unwrap() error { return e.err }

// settle records what a done job changed and returns the answers it owes. Inline, the
// command answers itself; later, the chat is told in the thread of the person's message.
func (b *Bot) settle(ctx context.Context, j store.Job, d jobData, t *providers.Ticket, inline bool, log *slog.Logger) []store.Job {
	ref := j.Provider + ":" + j.TicketID
	tr := transitionFor(j.Kind)
	if tr != nil && t != nil {
		// The bot's own transition becomes the watched state before its claim settles: the
		// watcher holds off a ticket while a claim is open, and must then find nothing new.
		if err := b.tickets.Remember(ctx, *t, "", true); err != nil {
			log.Error("store ticket", "err", err)
		}
	}
	if d.Version > 0 {
		if err := b.tickets.Settle(ctx, j.Provider, j.TicketID, d.Version, store.ClaimDone); err != nil {
			log.Error("settle claim", "err", err)
		}
	}
	switch j.Kind {
	case jobCreate:
		if t == nil {
			return nil
		}
		b.env.track(ctx, *t, j.Platform, j.ChatID, j.Platform+":"+j.UserID, log)
		if inline {
			return nil
		}
		footer := func(en bool) string {
			f := b.env.text(en, "later_created_footer", "attempt", j.Attempts)
			if d.Create != nil {
				if n := b.env.priorityNote(d.Create.Priority, *t, en); n != "" {
					f += "\n" + n
				}
			}
			return f
		}
		card, err := b.ticketCard(ctx, j.Platform, j.ChatID, *t, footer, "")
		if err != nil {
			log.Error("render ticket card", "err", err)
			return []store.Job{b.answer(j, "done", b.env.text(d.En, "later_created", "vendor", b.Vendors.Label(t.Provider, d.En), "ref", t.Ref()))}
		}
		a := b.answer(j, "done", "")
		a.Provider, a.TicketID = t.Provider, t.ID
		a.Payload, _ = json.Marshal(jobData{Card: card, Fallback: b.fallback(ctx, j.Platform, j.ChatID, *t, footer)})
		return []store.Job{a}
	case jobReply:
		// Our side answered: the ticket's reminders count from now.
		if err := b.tickets.Answered(ctx, j.Provider, j.TicketID, b.Now()); err != nil {
			log.Error("record the answer", "err", err)
		}
		if inline {
			return nil
		}
		return []store.Job{b.answer(j, "done", b.env.text(d.En, "later_replied", "ref", ref, "attempt", j.Attempts))}
	}
	if tr == nil || inline {
		return nil
	}
	if t != nil {
		b.updateCards(ctx, j.Platform, *t, b.env.actedBy(tr, d.User), log)
	}
	return []store.Job{b.answer(j, "done", b.env.text(d.En, tr.laterKey, "ref", ref, "attempt", j.Attempts, "to", d.To))}
}

// giveUp undoes what a failed job held and returns the answers it owes: after queueing, the
// chat is told it failed, with the reply's text so nothing typed is lost.
func (b *Bot) giveUp(ctx context.Context, j store.Job, d jobData, err error, inline bool, log *slog.Logger) []store.Job {
	if d.Version > 0 {
		if serr := b.tickets.Settle(ctx, j.Provider, j.TicketID, d.Version, ""); serr != nil {
			log.Error("revert claim", "err", serr)
		}
	}
	if inline || j.Kind == jobSay {
		return nil
	}
	ref := j.Provider + ":" + j.TicketID
	why := b.env.failSentence(err, j.Provider, ref, d.En, b.work.Policy().GiveUpAfter)
	var text string
	switch j.Kind {
	case jobReply:
		text = b.env.text(d.En, "failed_reply", "ref", ref, "why", why, "text", d.Text)
	case jobCreate:
		title := ""
		if d.Create != nil {
			title = d.Create.Title
		}
		if errors.Is(err, errCannotCheck) {
			why = b.env.text(d.En, "failed_unchecked_create")
		}
		text = b.env.text(d.En, "failed_create", "title", title, "why", why)
	default:
		if tr := transitionFor(j.Kind); tr != nil {
			text = b.env.text(d.En, tr.failedKey, "ref", ref, "why", why, "to", d.To)
		}
	}
	return []store.Job{b.answer(j, "failed", text)}
}

// answer is a say job in the thread of the message j answers.
func (b *Bot) answer(j store.Job, end, text string) store.Job {
	now := b.Now()
	payload, _ := json.Marshal(jobData{Text: text})
	return store.Job{ID: "say/" + end + "/" + j.ID, Kind: jobSay, Platform: j.Platform, ChatID: j.ChatID, MessageID: j.MessageID,
		UserID: j.UserID, Payload: payload, NextAt: now, CreatedAt: now}
}

// failSentence says why a job failed for good, with the vendor's own code.
func (e *Env) failSentence(err error, provider, ref string, en bool, giveUp time.Duration) string {
	if retryable(err) {
		span := spanZh(giveUp)
		if en {
			span = spanEN(giveUp)
		}
		return e.text(en, "failed_down", "vendor", e.Vendors.Label(provider, en), "span", span, "code", failCode(err))
	}
	if ue, ok := e.vendorError(err, provider, ref, en); ok {
		return ue.text(en)
	}
	return e.text(en, "failed_internal")
}

// failCode is the vendor's code of a failure, or what kind of failure it was.
func failCode(err error) string {
	var ve *providers.VendorError
	var coded interface{ ErrorCode() string } // a platform's error (bot/<platform>.APIError)
	switch {
	case errors.As(err, &ve):
		return ve.Code
	case errors.As(err, &coded) && coded.ErrorCode() != "":
		return coded.ErrorCode()
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "error"
}

// retryable reports whether a failure may pass: the vendor said so (5xx, throttling,
// timeouts), the network failed, our own shutdown cut the call, or a chat could not be
// reached. Anything else (refused, not found, bad input) will fail the same way again.
func retryable(err error) bool {
	var ve *providers.VendorError
	if errors.As(err, &ve) {
		return ve.Temporary
	}
	var se sayError
	var ne net.Error
	return errors.As(err, &se) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || errors.As(err, &ne)
}

// RunOutbox runs the work engine until ctx ends: due jobs retried, finished ones pruned.
func (b *Bot) RunOutbox(ctx context.Context) { b.work.Run(ctx) }

// DrainOutbox tries every job due now once (work.Engine.Drain).
func (b *Bot) DrainOutbox(ctx context.Context) { b.work.Drain(ctx) }

// spanZh says a configured span the way people do: "24 小时", "30 分钟", "1 小时 30 分钟"
// (a Go duration prints "24h0m0s").
func spanZh(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h > 0 && m > 0:
		return fmt.Sprintf("%d 小时 %d 分钟", h, m)
	case h > 0:
		return fmt.Sprintf("%d 小时", h)
	case m > 0:
		return fmt.Sprintf("%d 分钟", m)
	}
	return fmt.Sprintf("%d 秒", int(d/time.Second))
}

// spanEN is spanZh in English: "24 hours", "30 minutes".
func spanEN(d time.Duration) string {
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h > 0 && m > 0:
		return plural(h, "hour") + " " + plural(m, "minute")
	case h > 0:
		return plural(h, "hour")
	case m > 0:
		return plural(m, "minute")
	}
	return plural(int(d/time.Second), "second")
}
