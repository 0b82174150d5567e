package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// The outbox: every write to a vendor (create, reply, close) is stored as a job before it is
// tried, and every answer owed to a chat about a job is stored with the job's end. The first
// attempt runs at once, in the command's worker; a vendor that is down leaves the job pending,
// and RunOutbox retries it with exponential backoff and jitter until it gets through or its
// time is up. A job whose process died mid-call (its lease ran out while running) has an
// unknown outcome: it is checked against the vendor before it is repeated.

// Job kinds.
const (
	jobCreate = "create"
	jobReply  = "reply"
	jobClose  = "close"
	jobSay    = "say" // an answer to a chat
)

// jobData is a job's payload.
type jobData struct {
	Text  string          `json:"text,omitempty"` // reply text, close remark, or the answer
	Actor providers.Actor `json:"actor"`
	// User is the chat user's display name, for the answers.
	User   string                   `json:"user,omitempty"`
	En     bool                     `json:"en,omitempty"`
	Create *providers.CreateRequest `json:"create,omitempty"`
	// Version is the claim a close holds on its ticket (store.ClaimTicket).
	Version int64 `json:"version,omitempty"`
	// Card is an answer posted into the chat as a card (say jobs); Markdown says it is
	// markdown (WeCom's help and list), not a card.
	Card     json.RawMessage `json:"card,omitempty"`
	Markdown bool            `json:"markdown,omitempty"`
	Fallback string          `json:"fallback,omitempty"`
	// Key is the platform's idempotency key of an answer sent again (say jobs); the job id
	// when empty.
	Key string `json:"key,omitempty"`
}

// RetryConfig is [bot.retry]: how the outbox retries writes to a vendor that is down.
type RetryConfig struct {
	// Base is the first delay ("2s"); each attempt doubles it up to Max ("5m"), with jitter.
	Base string `toml:"base"`
	Max  string `toml:"max"`
	// GiveUpAfter ends the retries ("24h"): the chat is told, and the text is shown again.
	GiveUpAfter string `toml:"give_up_after"`
	// Lease is how long an attempt may run before another process takes the job over as
	// dead ("2m"); longer than any vendor call.
	Lease string `toml:"lease"`
	// Every is how often due jobs are looked for ("1s").
	Every string `toml:"every"`
}

type retryPolicy struct{ base, max, giveUp, lease, every time.Duration }

func (c RetryConfig) policy() (retryPolicy, []error) {
	p := retryPolicy{base: 2 * time.Second, max: 5 * time.Minute, giveUp: 24 * time.Hour, lease: 2 * time.Minute, every: time.Second}
	var errs []error
	for key, f := range map[string]struct {
		s   string
		dst *time.Duration
	}{"base": {c.Base, &p.base}, "max": {c.Max, &p.max}, "give_up_after": {c.GiveUpAfter, &p.giveUp}, "lease": {c.Lease, &p.lease}, "every": {c.Every, &p.every}} {
		if f.s == "" {
			continue
		}
		d, err := time.ParseDuration(f.s)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("bot.retry.%s: want a positive duration such as \"30s\", got %q", key, f.s))
			continue
		}
		*f.dst = d
	}
	return p, errs
}

// backoff is the delay before attempt n+1: base·2^(n-1) up to max, jittered into its upper
// half so that jobs failed together do not come back together.
func (p retryPolicy) backoff(n int) time.Duration {
	d := p.base
	for i := 1; i < n && d < p.max; i++ {
		d *= 2
	}
	d = min(d, p.max)
	return d/2 + rand.N(d/2+1)
}

// sayGiveUp bounds the retries of an answer to a chat.
const sayGiveUp = time.Hour

// jobEnd is how an attempt ended.
type jobEnd int

const (
	jobOK        jobEnd = iota // done
	jobQueued                  // failed for now; retried later
	jobFailed                  // failed for good
	jobDuplicate               // someone else has it (or had it)
	jobBusy                    // an answer whose chat had no room; back in its place
)

// newJob builds a job answering the request r.
func (b *Bot) newJob(kind, key string, r *req, provider, ticketID string, d jobData) store.Job {
	d.User, d.En = r.userName, r.en
	payload, _ := json.Marshal(d)
	now := b.Now()
	return store.Job{ID: kind + "/" + r.platform + "/" + key, Kind: kind, Platform: r.platform, ChatID: r.chatID,
		MessageID: r.messageID, UserID: r.userID, Provider: provider, TicketID: ticketID, Payload: payload,
		NextAt: now, CreatedAt: now, GiveUpAt: now.Add(b.retry.giveUp)}
}

// submit stores the job and tries it once, now. It returns the ticket the write produced or
// touched (nil for a reply) and, unless jobOK, the error that stopped it. The job is stored
// already started, leased to this first attempt, so the retry loop cannot pick it up while
// the person is still waiting for this attempt's answer.
func (b *Bot) submit(ctx context.Context, j store.Job, log *slog.Logger) (*providers.Ticket, jobEnd, error) {
	j.State, j.Attempts, j.LeaseEnd = store.JobRunning, 1, b.Now().Add(b.retry.lease)
	fresh, err := b.Store.EnqueueJob(ctx, j)
	if err != nil {
		return nil, jobFailed, err
	}
	if !fresh {
		return nil, jobDuplicate, nil
	}
	return b.attempt(ctx, j, true, log)
}

// attempt runs one try of a job. inline is the first try, made while the person waits, on a
// job submit stored already started: its answer is the command's own. Later tries start a
// due job here and answer through say jobs.
func (b *Bot) attempt(ctx context.Context, j store.Job, inline bool, log *slog.Logger) (*providers.Ticket, jobEnd, error) {
	unknown := false
	if !inline {
		now := b.Now()
		ok, err := b.Store.StartJob(ctx, j, now, now.Add(b.retry.lease))
		if err != nil {
			return nil, jobFailed, err
		}
		if !ok {
			b.pace.done(j.Platform, j.ChatID, j.ID, b.Now())
			return nil, jobDuplicate, nil
		}
		unknown = j.State == store.JobRunning // its last try never ended
		j.Attempts++
	}
	// What follows the call must be recorded even when shutdown cancels ctx: the job stays
	// pending for the next start instead of running forever.
	keep := context.WithoutCancel(ctx)
	var d jobData
	if err := json.Unmarshal(j.Payload, &d); err != nil {
		_ = b.Store.FinishJob(keep, j.ID, store.JobFailed, b.Now(), "bad payload: "+err.Error())
		return nil, jobFailed, err
	}
	log = log.With("job", j.ID, "attempt", j.Attempts)
	// Inline, the command's own request log (and audit entry) collects the request ids.
	rctx, reqs := ctx, (*providers.RequestLog)(nil)
	if !inline {
		rctx, reqs = providers.WithRequestLog(ctx)
	}
	t, err := b.perform(rctx, j, d, unknown, log)
	if err == nil {
		follow := b.settle(keep, j, d, t, inline, log)
		if err := b.Store.FinishJob(keep, j.ID, store.JobDone, b.Now(), "", follow...); err != nil {
			log.Error("finish job", "err", err)
		}
		if !inline && j.Kind != jobSay {
			b.auditJob(keep, j, d, "ok", fmt.Sprintf("attempt %d", j.Attempts), reqs.IDs())
			log.Info("job done after retries")
		}
		b.wakeOutbox()
		b.pace.done(j.Platform, j.ChatID, j.ID, b.Now())
		return t, jobOK, nil
	}
	if until, busy := bot.BusyUntil(err); busy && j.Kind == jobSay {
		return nil, b.putOff(keep, j, until, err), err
	}
	if retryable(err) && b.Now().Before(j.GiveUpAt) {
		if d.Version > 0 {
			// Before the job is due again, so a quick retry cannot settle it first.
			if err := b.Store.SettleClaim(keep, j.Provider, j.TicketID, d.Version, store.ClaimQueued); err != nil {
				log.Error("settle claim", "err", err)
			}
		}
		next := b.Now().Add(b.retry.backoff(j.Attempts))
		if err := b.Store.DeferJob(keep, j.ID, next, err.Error()); err != nil {
			log.Error("defer job", "err", err)
		}
		log.Warn("job deferred", "next_at", next, "err", err)
		return nil, jobQueued, err
	}
	follow := b.giveUp(keep, j, d, err, inline, log)
	if ferr := b.Store.FinishJob(keep, j.ID, store.JobFailed, b.Now(), err.Error(), follow...); ferr != nil {
		log.Error("finish job", "err", ferr)
	}
	if !inline && j.Kind != jobSay {
		b.auditJob(keep, j, d, "failed", failCode(err), reqs.IDs())
	}
	log.Warn("job failed", "err", err)
	b.wakeOutbox()
	b.pace.done(j.Platform, j.ChatID, j.ID, b.Now())
	return nil, jobFailed, err
}

// perform makes the job's call. A job tried before (or whose last try never ended) first
// asks the vendor whether it already happened.
func (b *Bot) perform(ctx context.Context, j store.Job, d jobData, unknown bool, log *slog.Logger) (*providers.Ticket, error) {
	if j.Kind == jobSay {
		return nil, b.say(ctx, j, d)
	}
	p, ok := b.Providers[j.Provider]
	if !ok {
		return nil, fmt.Errorf("provider %q is no longer configured", j.Provider)
	}
	again := unknown || j.Attempts > 1
	switch j.Kind {
	case jobCreate:
		if again {
			f, ok := p.(providers.CreatedFinder)
			if !ok {
				return nil, errCannotCheck
			}
			t, found, err := f.FindCreated(ctx, d.Create.Title, j.CreatedAt)
			if err != nil {
				return nil, err
			}
			if found {
				log.Info("create found at the vendor; not repeated", "ticket_id", t.ID)
				return &t, nil
			}
		}
		t, err := p.Create(ctx, *d.Create)
		return &t, err
	case jobReply:
		if again && p.Capabilities().Notes && b.replied(ctx, p, j, d) {
			log.Info("reply found at the vendor; not repeated")
			return nil, nil
		}
		return nil, p.Reply(ctx, j.TicketID, providers.Reply{Text: d.Text, Actor: d.Actor})
	case jobClose:
		if again {
			t, err := p.Get(ctx, j.TicketID)
			if err != nil {
				return nil, err
			}
			if t.Status.Terminal() {
				return &t, nil
			}
		}
		if err := p.Close(ctx, j.TicketID, providers.CloseRequest{Remark: d.Text, Actor: d.Actor}); err != nil {
			return nil, err
		}
		t, err := p.Get(ctx, j.TicketID)
		if err != nil {
			t = providers.Ticket{Provider: j.Provider, ID: j.TicketID, Status: providers.StatusClosed}
			if st, serr := b.Store.Ticket(ctx, j.Provider, j.TicketID); serr == nil && len(st.Snapshot) > 0 {
				_ = json.Unmarshal(st.Snapshot, &t)
				t.Status = providers.StatusClosed
			}
		}
		return &t, nil
	}
	return nil, fmt.Errorf("unknown job kind %q", j.Kind)
}

// errCannotCheck stops a create whose first try may have reached a vendor that cannot be
// asked whether it did: creating again could make a second ticket.
var errCannotCheck = errors.New("the vendor cannot be asked whether the ticket was created")

// replied reports whether the vendor shows the job's reply already (our side, its text,
// written after the job was made).
func (b *Bot) replied(ctx context.Context, p providers.Provider, j store.Job, d jobData) bool {
	notes, err := p.Notes(ctx, j.TicketID)
	if err != nil {
		return false
	}
	text := strings.TrimSpace(d.Text)
	for _, n := range notes {
		if !n.Official && strings.Contains(n.Body, text) && (n.At.IsZero() || !n.At.Before(j.CreatedAt.Add(-time.Minute))) {
			return true
		}
	}
	return false
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
	if j.Kind == jobClose && t != nil {
		// The bot's own close becomes the watched state before its claim settles: the
		// watcher holds off a ticket while a claim is open, and must then find nothing new.
		if err := b.remember(ctx, *t, "", true); err != nil {
			log.Error("store ticket", "err", err)
		}
	}
	if d.Version > 0 {
		if err := b.Store.SettleClaim(ctx, j.Provider, j.TicketID, d.Version, store.ClaimDone); err != nil {
			log.Error("settle claim", "err", err)
		}
	}
	switch j.Kind {
	case jobCreate:
		if t == nil {
			return nil
		}
		b.track(ctx, *t, j.Platform, j.ChatID, j.Platform+":"+j.UserID, log)
		if inline {
			return nil
		}
		footer := "供应商恢复后已自动提交（第 " + fmt.Sprint(j.Attempts) + " 次尝试）"
		if d.Create != nil {
			if n := priorityNote(d.Create.Priority, *t); n != "" {
				footer += "\n" + n
			}
		}
		card, err := b.ticketCard(ctx, j.Platform, j.ChatID, *t, footer, false)
		if err != nil {
			log.Error("render ticket card", "err", err)
			return []store.Job{b.answer(j, "done", say(d.En, "✅ 已在"+providerLabel(t.Provider, false)+"创建工单 "+t.Ref()+"。",
				"✅ Created ticket "+t.Ref()+" at "+providerLabel(t.Provider, true)+"."))}
		}
		a := b.answer(j, "done", "")
		a.Provider, a.TicketID = t.Provider, t.ID
		a.Payload, _ = json.Marshal(jobData{Card: card, Fallback: b.fallback(j.Platform, *t, footer)})
		return []store.Job{a}
	case jobClose:
		if inline {
			return nil
		}
		if t != nil {
			b.updateCards(ctx, j.Platform, *t, d.User+" 关闭了工单", log)
		}
		return []store.Job{b.answer(j, "done", say(d.En,
			fmt.Sprintf("✅ 工单 %s 已关闭（供应商恢复后自动提交，第 %d 次尝试）。", ref, j.Attempts),
			fmt.Sprintf("✅ Ticket %s is closed (sent once the vendor recovered, attempt %d).", ref, j.Attempts)))}
	case jobReply:
		if inline {
			return nil
		}
		return []store.Job{b.answer(j, "done", say(d.En,
			fmt.Sprintf("✅ 回复已送达工单 %s（供应商恢复后自动提交，第 %d 次尝试）。", ref, j.Attempts),
			fmt.Sprintf("✅ Your reply reached %s (sent once the vendor recovered, attempt %d).", ref, j.Attempts)))}
	}
	return nil
}

// giveUp undoes what a failed job held and returns the answers it owes: after queueing, the
// chat is told it failed, with the reply's text so nothing typed is lost.
func (b *Bot) giveUp(ctx context.Context, j store.Job, d jobData, err error, inline bool, log *slog.Logger) []store.Job {
	if d.Version > 0 {
		if serr := b.Store.SettleClaim(ctx, j.Provider, j.TicketID, d.Version, ""); serr != nil {
			log.Error("revert claim", "err", serr)
		}
	}
	if inline || j.Kind == jobSay {
		return nil
	}
	ref := j.Provider + ":" + j.TicketID
	why := failSentence(err, j.Provider, ref, d.En, b.retry.giveUp)
	var text string
	switch j.Kind {
	case jobReply:
		text = say(d.En, fmt.Sprintf("❌ 回复未能送达工单 %s：%s\n原文如下，请稍后重发：\n%s", ref, why, d.Text),
			fmt.Sprintf("❌ Your reply did not reach %s: %s\nHere is the text, please send it again later:\n%s", ref, why, d.Text))
	case jobClose:
		text = say(d.En, fmt.Sprintf("❌ 工单 %s 未能关闭：%s 请稍后再试。", ref, why),
			fmt.Sprintf("❌ Ticket %s was not closed: %s Please try again later.", ref, why))
	case jobCreate:
		title := ""
		if d.Create != nil {
			title = d.Create.Title
		}
		if errors.Is(err, errCannotCheck) {
			why = say(d.En, "无法向供应商核对工单是否已创建，为避免重复建单没有重试。请在供应商后台核对。", "the vendor cannot be asked whether the ticket exists, so it was not retried (no duplicates). Please check at the vendor.")
		}
		text = say(d.En, fmt.Sprintf("❌ 工单「%s」未能创建：%s", title, why), fmt.Sprintf("❌ The ticket %q was not created: %s", title, why))
	}
	return []store.Job{b.answer(j, "failed", text)}
}

// answer is a say job in the thread of the message j answers.
func (b *Bot) answer(j store.Job, end, text string) store.Job {
	now := b.Now()
	payload, _ := json.Marshal(jobData{Text: text})
	return store.Job{ID: "say/" + end + "/" + j.ID, Kind: jobSay, Platform: j.Platform, ChatID: j.ChatID, MessageID: j.MessageID,
		UserID: j.UserID, Payload: payload, NextAt: now, CreatedAt: now, GiveUpAt: now.Add(sayGiveUp)}
}

// failSentence says why a job failed for good, with the vendor's own code.
func failSentence(err error, provider, ref string, en bool, giveUp time.Duration) string {
	if retryable(err) {
		l := providerLabel(provider, en)
		return say(en, fmt.Sprintf("%s在 %s内一直无法访问（最后错误 %s）。", l, spanZh(giveUp), failCode(err)),
			fmt.Sprintf("%s stayed unavailable for %s (last error %s).", l, spanEN(giveUp), failCode(err)))
	}
	if ue, ok := vendorError(err, provider, ref, en); ok {
		return ue.text(en)
	}
	return say(en, "机器人内部错误，请联系管理员。", "an internal error; please tell an admin.")
}

// failCode is the vendor's code of a failure, or what kind of failure it was.
func failCode(err error) string {
	var ve *providers.VendorError
	switch {
	case errors.As(err, &ve):
		return ve.Code
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

// RunOutbox retries due jobs until ctx ends. Several replicas may run it on one database:
// StartJob lets one of them take each job.
func (b *Bot) RunOutbox(ctx context.Context) {
	t := time.NewTicker(b.retry.every)
	defer t.Stop()
	prune := time.NewTicker(time.Hour)
	defer prune.Stop()
	// room fires when a chat whose answers wait gets room again, sooner than the tick.
	room := time.NewTimer(time.Hour)
	defer room.Stop()
	for {
		room.Stop()
		if at, ok := b.pace.wakeAt(b.Now()); ok {
			room.Reset(at.Sub(b.Now()))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-b.wake:
		case <-room.C:
		case <-prune.C:
			if err := b.Store.PruneJobs(ctx, b.Now().Add(-7*24*time.Hour)); err != nil {
				b.Log.Error("prune jobs", "err", err)
			}
			continue
		}
		b.DrainOutbox(ctx)
	}
}

// outboxPage is how many due jobs one DrainOutbox takes, besides the answers it knows are
// waiting for their chat's rate (which it passes over without trying).
const outboxPage = 100

// DrainOutbox tries every job due now once, except the answers of a chat that has no room
// yet: they keep their place until it has. No send waits for its chat longer than
// outboxSendWait, so one busy chat never holds the others' jobs.
func (b *Bot) DrainOutbox(ctx context.Context) {
	ctx = bot.WithSendWait(ctx, outboxSendWait)
	limit := outboxPage + b.pace.waiting()
	jobs, err := b.Store.DueJobs(ctx, b.Now(), limit)
	if err != nil {
		if ctx.Err() == nil {
			b.Log.Error("due jobs", "err", err)
		}
		return
	}
	for _, j := range chatOrder(jobs) {
		if ctx.Err() != nil {
			return
		}
		if j.Kind == jobSay && b.pace.held(j.Platform, j.ChatID, b.Now()) {
			continue
		}
		b.attempt(ctx, j, false, b.Log.With("platform", j.Platform, "chat_id", j.ChatID))
	}
	if len(jobs) < limit {
		b.forgetGone(ctx, jobs)
	}
}

// wakeOutbox makes RunOutbox look again now: a finished job may have left answers to post.
func (b *Bot) wakeOutbox() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

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
