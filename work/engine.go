// Package work is the durable engine: every write the bot owes a vendor (create, reply,
// close) and every answer it owes a chat is a job in the store, with an idempotency key (its
// id), a lease, one backoff with jitter, a give-up, per-chat pacing for chat sends, and
// pruning of what is finished. What a kind of job does is registered by its owner (Kind);
// the engine owns when and how often, so that nothing is lost and nothing is done twice
// whichever process runs it, whenever one dies.
//
// The life of a job: Submit stores it already started (leased to the first attempt, made at
// once while the person waits) or Keep stores it due later; Drain (from Run) takes due jobs
// (pending ones, and running ones whose lease ran out: their process died mid-call) and
// starts each with a compare-and-set, so of several loops or replicas one tries it. An
// attempt ends done, deferred (failed for now: due again after Backoff), or failed (for good,
// or its time is up); the jobs it leads to (the chat's answers) are stored with its end in
// one transaction. An attempt whose earlier try may have reached the other side is told so
// (Attempt.Again), and checks there before it repeats anything.
package work

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/internal/reqid"
	"github.com/ticketbot/ticketbot/retry"
	"github.com/ticketbot/ticketbot/store"
)

// Job is one unit of durable work, as the store keeps it.
type Job = store.Job

// Store is what the engine needs of the store.
type Store interface {
	EnqueueJob(ctx context.Context, j Job) (bool, error)
	Job(ctx context.Context, id string) (Job, error)
	DueJobsByChat(ctx context.Context, now time.Time, limit, perChat int) ([]Job, error)
	StartJob(ctx context.Context, j Job, now, leaseEnd time.Time) (bool, error)
	FinishJob(ctx context.Context, j Job, state string, at time.Time, lastErr string, next ...Job) error
	DeferJob(ctx context.Context, j Job, next time.Time, lastErr string) error
	PruneJobs(ctx context.Context, before time.Time) error
}

// End is how an attempt ended.
type End int

const (
	OK        End = iota // done
	Queued               // failed for now; retried later
	Failed               // failed for good (or its time is up)
	Duplicate            // someone else has it, or had it
	Busy                 // a chat send whose chat had no room; back in its place
)

// Attempt is one try of a job, handed to its Kind.
type Attempt struct {
	Job Job
	// Inline is the first try, made at once by whoever submitted the job (the person is
	// waiting: its answer is the command's own).
	Inline bool
	// Again says an earlier try may have reached the other side: it was tried before, or its
	// process died mid-call. The kind checks there before it repeats anything.
	Again bool
	Log   *slog.Logger
	// Value is the kind's own, kept from Do for Done, Failed and Ended.
	Value any
}

// Kind is what one kind of job does. Do is required; the rest may be nil.
type Kind struct {
	// Paced marks a chat send: a chat over its platform's rate (bot.BusyError) holds it in
	// the chat's order instead of failing it.
	Paced bool
	// GiveUpAfter, when set, overrides the policy's for this kind (a job whose GiveUpAt is
	// unset when stored gets CreatedAt plus this).
	GiveUpAfter time.Duration
	// Do makes the job's call.
	Do func(ctx context.Context, a *Attempt) error
	// Done records what a success changed; it returns the jobs it leads to, stored with the
	// job's end.
	Done func(ctx context.Context, a *Attempt) []Job
	// Deferred is told that a failed attempt will be tried again.
	Deferred func(ctx context.Context, a *Attempt, err error)
	// Failed undoes what the job held when it fails for good; it returns the jobs that
	// leads to (telling the chat), stored with the job's end.
	Failed func(ctx context.Context, a *Attempt, err error) []Job
	// Ended is told after the job's end is stored (err nil: done): for audit and logs.
	Ended func(ctx context.Context, a *Attempt, err error)
}

// Config is how an Engine runs.
type Config struct {
	Policy retry.Policy
	// Retryable reports whether a failure may pass (an outage, a timeout); anything else
	// fails the job for good. Nil: nothing is retried.
	Retryable func(error) bool
	Log       *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// KeepFinished is how long done and failed jobs are kept (7 days when zero).
	KeepFinished time.Duration
	// Prune is what else is forgotten with the finished jobs (old delivery ids, notices).
	Prune []Pruner
	// RequestID, when set, reads from a job the request id of the delivery that made it, so
	// a later attempt's log lines and vendor calls name it too (package reqid).
	RequestID func(Job) string
}

// Pruner forgets one kind of record once it is older than Keep.
type Pruner struct {
	What  string // for the log: "delivery ids"
	Keep  time.Duration
	Prune func(ctx context.Context, before time.Time) error
}

// DeliveryRetention is how long a delivery id is kept after it was processed: a webhook must
// refuse any delivery older than this (one platform takes 7 h, another 5 minutes), or a
// replay would run again.
const DeliveryRetention = 24 * time.Hour

// pruneEvery is how often finished jobs and old delivery ids are forgotten; each replica
// does it, harmlessly.
const pruneEvery = time.Hour

// drainPage is how many due jobs one Drain takes, and drainPerChat how many of one chat: a
// chat over its send rate can take one answer at a time, however many wait for it, so a pass
// reads its first few and leaves the rest in the store.
const (
	drainPage    = 100
	drainPerChat = 3
)

// Engine runs jobs. It is safe for concurrent use.
type Engine struct {
	st    Store
	cfg   Config
	kinds map[string]Kind
	wake  chan struct{}
	// armed is when Run's room timer fires (unix ns; 0: none set): Keep wakes Run only for a
	// job due sooner.
	armed atomic.Int64
	pace  pacing
	// quiet lets one "answer waits" line a second through: a flood of answers to a busy chat
	// would otherwise log one line each.
	quiet *bot.LogSampler
	// drainMu makes Drains take turns: two at once would try the same due page.
	drainMu sync.Mutex
}

// New makes an engine over st. Register every kind before the first Submit or Run.
func New(st Store, cfg Config) *Engine {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Retryable == nil {
		cfg.Retryable = func(error) bool { return false }
	}
	if cfg.KeepFinished <= 0 {
		cfg.KeepFinished = 7 * 24 * time.Hour
	}
	return &Engine{st: st, cfg: cfg, kinds: map[string]Kind{}, wake: make(chan struct{}, 1), quiet: bot.NewLogSampler(time.Second)}
}

// Register says what jobs of kind do. It panics on a kind without Do or registered twice:
// both are wiring mistakes.
func (e *Engine) Register(kind string, k Kind) {
	if k.Do == nil {
		panic("work: kind " + kind + " has no Do")
	}
	if _, dup := e.kinds[kind]; dup {
		panic("work: kind " + kind + " registered twice")
	}
	e.kinds[kind] = k
}

// Policy is the engine's retry policy.
func (e *Engine) Policy() retry.Policy { return e.cfg.Policy }

func (e *Engine) now() time.Time { return e.cfg.Now() }

// giveUpAt fills in when a job stored now is given up.
func (e *Engine) giveUpAt(j Job) Job {
	if !j.GiveUpAt.IsZero() {
		return j
	}
	span := e.cfg.Policy.GiveUpAfter
	if k := e.kinds[j.Kind]; k.GiveUpAfter > 0 {
		span = k.GiveUpAfter
	}
	if j.CreatedAt.IsZero() {
		j.CreatedAt = e.now()
	}
	j.GiveUpAt = j.CreatedAt.Add(span)
	return j
}

// Submit stores j and tries it once, now. The job is stored already started, leased to this
// first attempt, so no runner picks it up while the person waits for this attempt's answer.
// Duplicate means a job with j's id exists: it was submitted before.
func (e *Engine) Submit(ctx context.Context, j Job, log *slog.Logger) (*Attempt, End, error) {
	a := &Attempt{Job: j, Inline: true, Log: log}
	if _, ok := e.kinds[j.Kind]; !ok {
		return a, Failed, fmt.Errorf("work: unknown job kind %q", j.Kind)
	}
	j = e.giveUpAt(j)
	j.State, j.Attempts, j.LeaseEnd = store.JobRunning, 1, e.now().Add(e.cfg.Policy.Lease)
	fresh, err := e.st.EnqueueJob(ctx, j)
	for n := 1; err != nil; n++ {
		// The store does not answer (a database that went away): the write waits for it as
		// long as the command may, rather than be refused and lost.
		if n == 1 {
			log.Warn("the store does not answer; the write waits for it", "err", err)
		}
		if !retry.Sleep(ctx, storeWait.Backoff(n)) {
			return a, Failed, err
		}
		j.LeaseEnd = e.now().Add(e.cfg.Policy.Lease)
		fresh, err = e.st.EnqueueJob(ctx, j)
	}
	if !fresh {
		return a, Duplicate, nil
	}
	return e.attempt(ctx, j, true, log)
}

// Behind reports whether a send to the chat now would overtake answers waiting for the
// chat's rate (or the chat has no room yet): the sender keeps it with Keep and ErrBehind.
func (e *Engine) Behind(platform, chat string) bool {
	return e.pace.behind(platform, chat, e.now())
}

// Keep stores a chat send the chat could not take now, to be sent as soon as it can. cause
// is why: a chat over its send rate (a bot.BusyError) or with earlier answers waiting for it
// (ErrBehind) keeps j in the chat's order, due when the chat has room; anything else (an
// outage) is retried after the policy's Base.
func (e *Engine) Keep(ctx context.Context, j Job, cause error, log *slog.Logger) error {
	until, busy := bot.BusyUntil(cause)
	paced := busy || errors.Is(cause, ErrBehind)
	switch {
	case busy:
		e.pace.busy(j.Platform, j.ChatID, until)
		if ok, n := e.quiet.Allow("busy"); ok {
			log.Info("answer waits for the chat's send rate", "retry_at", until, "suppressed", n)
		}
	case paced:
		e.pace.busy(j.Platform, j.ChatID, time.Time{})
		if ok, n := e.quiet.Allow("behind"); ok {
			log.Info("answer waits behind the chat's earlier answers", "suppressed", n)
		}
	default:
		log.Warn("answer not sent now; kept to send again", "err", cause)
	}
	now := e.now()
	if paced {
		j.NextAt, j.CreatedAt = e.pace.place(j.Platform, j.ChatID, j.ID, now)
	} else {
		j.NextAt = now.Add(e.cfg.Policy.Base)
		if j.CreatedAt.IsZero() {
			j.CreatedAt = now
		}
	}
	j = e.giveUpAt(j)
	if _, err := e.st.EnqueueJob(context.WithoutCancel(ctx), j); err != nil {
		e.pace.done(j.Platform, j.ChatID, j.ID, e.now())
		return err
	}
	if armed := e.armed.Load(); !j.NextAt.After(e.now()) || armed == 0 || j.NextAt.UnixNano() < armed {
		// Due now, or sooner than Run means to look. One placed behind its chat's wait, due
		// when Run's timer fires anyway, needs no pass of its own: a pass per kept answer
		// was a pass per message at a burst.
		e.Wake()
	}
	return nil
}

// attempt runs one try of j. Inline, j was stored started by Submit; otherwise it is a due
// job as DueJobs returned it, started here.
func (e *Engine) attempt(ctx context.Context, j Job, inline bool, log *slog.Logger) (*Attempt, End, error) {
	if !inline && e.cfg.RequestID != nil {
		// Inline, the caller's context and log already name the delivery.
		if id := e.cfg.RequestID(j); id != "" {
			ctx, log = reqid.With(ctx, id), log.With(reqid.Key, id)
		}
	}
	a := &Attempt{Job: j, Inline: inline, Log: log}
	// What follows the call must be recorded even when shutdown cancels ctx: the job stays
	// pending for the next start instead of running forever.
	keep := context.WithoutCancel(ctx)
	k, ok := e.kinds[j.Kind]
	if !inline {
		now := e.now()
		started, err := e.st.StartJob(ctx, j, now, now.Add(e.cfg.Policy.Lease))
		if err != nil {
			return a, Failed, err
		}
		if !started {
			e.pace.done(j.Platform, j.ChatID, j.ID, e.now())
			return a, Duplicate, nil
		}
		a.Again = j.State == store.JobRunning || j.Attempts > 0 // its last try never ended, or failed
		if j.State == store.JobRunning {
			e.pace.metricsOf().JobLease("takeover")
		}
		a.Job.Attempts++
	}
	a.Log = log.With("job", j.ID, "attempt", a.Job.Attempts)
	if !ok {
		err := fmt.Errorf("work: unknown job kind %q", j.Kind)
		if ferr := e.st.FinishJob(keep, a.Job, store.JobFailed, e.now(), err.Error()); ferr != nil {
			a.Log.Error("finish job", "err", ferr)
		}
		a.Log.Error("job of a kind nobody does; failed", "kind", j.Kind)
		return a, Failed, err
	}
	err := k.Do(ctx, a)
	if err == nil {
		var follow []Job
		if k.Done != nil {
			follow = k.Done(keep, a)
		}
		e.finish(keep, a, k, store.JobDone, nil, follow)
		return a, OK, nil
	}
	if until, busy := bot.BusyUntil(err); busy && k.Paced {
		return a, e.putOff(keep, a, until, err), err
	}
	if e.cfg.Retryable(err) && e.now().Before(j.GiveUpAt) {
		if k.Deferred != nil {
			k.Deferred(keep, a, err)
		}
		next := e.now().Add(e.cfg.Policy.Backoff(a.Job.Attempts))
		if err := e.st.DeferJob(keep, a.Job, next, err.Error()); err != nil {
			e.storeFailed(a, "defer job", err)
		}
		a.Log.Warn("job deferred", "next_at", next, "err", err)
		return a, Queued, err
	}
	var follow []Job
	if k.Failed != nil {
		follow = k.Failed(keep, a, err)
	}
	e.finish(keep, a, k, store.JobFailed, err, follow)
	e.pace.metricsOf().JobGivenUp(j.Kind)
	a.Log.Warn("job failed", "err", err)
	return a, Failed, err
}

// storeFailed logs a failed end of an attempt. A lost lease is no error of ours: the attempt
// ran past its lease (a paused process, a vendor slower than the lease) and another took the
// job over; it is counted, so a lease too short for the vendors shows.
func (e *Engine) storeFailed(a *Attempt, what string, err error) {
	if errors.Is(err, store.ErrLeaseLost) {
		e.pace.metricsOf().JobLease("lost")
		a.Log.Warn("job taken over by another attempt after its lease ran out; this attempt ends without a word", "what", what)
		return
	}
	a.Log.Error(what, "err", err)
}

// finish stores a's end with the jobs it leads to, in one transaction.
func (e *Engine) finish(ctx context.Context, a *Attempt, k Kind, state string, cause error, follow []Job) {
	for i := range follow {
		follow[i] = e.giveUpAt(follow[i])
	}
	msg := ""
	if cause != nil {
		msg = cause.Error()
	}
	if err := e.st.FinishJob(ctx, a.Job, state, e.now(), msg, follow...); err != nil {
		e.storeFailed(a, "finish job", err)
		if errors.Is(err, store.ErrLeaseLost) {
			// Another attempt owns the job now: it checks the vendor before repeating the
			// write and gives the answers; this one says nothing more.
			e.pace.done(a.Job.Platform, a.Job.ChatID, a.Job.ID, e.now())
			return
		}
	}
	if k.Ended != nil {
		k.Ended(ctx, a, cause)
	}
	e.Wake()
	e.pace.done(a.Job.Platform, a.Job.ChatID, a.Job.ID, e.now())
}

// putOff puts back a chat send whose chat had no room: not a failure, so not given up for it
// before its time. It keeps its place (its NextAt), ahead of the chat's later answers, and
// the chat is held until until; a send that could only go after its give-up time is given up.
func (e *Engine) putOff(ctx context.Context, a *Attempt, until time.Time, cause error) End {
	j := a.Job
	e.pace.busy(j.Platform, j.ChatID, until)
	if until.After(j.GiveUpAt) {
		a.Log.Error("answer given up: its chat stays over its send rate past the answer's time", "retry_at", until, "err", cause)
		if err := e.st.FinishJob(ctx, j, store.JobFailed, e.now(), cause.Error()); err != nil {
			e.storeFailed(a, "finish job", err)
		}
		e.pace.done(j.Platform, j.ChatID, j.ID, e.now())
		return Failed
	}
	if err := e.st.DeferJob(ctx, j, j.NextAt, cause.Error()); err != nil {
		e.storeFailed(a, "defer job", err)
	}
	e.pace.add(j.Platform, j.ChatID, j.ID) // the chat's next answers go behind it
	if ok, n := e.quiet.Allow("put off"); ok {
		a.Log.Info("answer waits for its chat's send rate", "retry_at", until, "suppressed", n)
	}
	return Busy
}

// Drain tries every job due now once, except the chat sends of a chat that has no room yet:
// they keep their place until it has. No send waits for its chat longer than sendWait, so
// one busy chat never holds the others' jobs.
func (e *Engine) Drain(ctx context.Context) {
	e.drainMu.Lock()
	defer e.drainMu.Unlock()
	ctx = bot.WithSendWait(ctx, sendWait)
	limit := drainPage
	jobs, err := e.st.DueJobsByChat(ctx, e.now(), limit, drainPerChat)
	if err != nil {
		if ctx.Err() == nil {
			e.cfg.Log.Error("due jobs", "err", err)
		}
		return
	}
	for _, j := range e.chatOrder(jobs) {
		if ctx.Err() != nil {
			return
		}
		if e.kinds[j.Kind].Paced && e.pace.held(j.Platform, j.ChatID, e.now()) {
			continue
		}
		e.attempt(ctx, j, false, e.cfg.Log.With("platform", j.Platform, "chat_id", j.ChatID))
	}
	if len(jobs) < limit {
		e.forgetGone(ctx, jobs)
	}
}

// Wake makes Run look for due jobs now: a finished job may have left answers to post.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Waiting is how many chat sends this process keeps waiting for their chat's rate.
func (e *Engine) Waiting() int { return e.pace.waiting() }

// Run drains due jobs every Policy.Every, when woken, and when a busy chat gets room again,
// and prunes what is finished, until ctx ends. Several replicas may run it on one database:
// StartJob lets one of them take each job.
func (e *Engine) Run(ctx context.Context) {
	t := time.NewTicker(e.cfg.Policy.Every)
	defer t.Stop()
	prune := time.NewTicker(pruneEvery)
	defer prune.Stop()
	e.prune(ctx)
	// room fires when a chat whose answers wait gets room again, sooner than the tick.
	room := time.NewTimer(time.Hour)
	defer room.Stop()
	for {
		room.Stop()
		if at, ok := e.pace.wakeAt(e.now()); ok {
			room.Reset(at.Sub(e.now()))
			e.armed.Store(at.UnixNano())
		} else {
			e.armed.Store(0)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-e.wake:
		case <-room.C:
		case <-prune.C:
			e.prune(ctx)
			continue
		}
		e.Drain(ctx)
	}
}

// prune forgets finished jobs after KeepFinished, and what Config.Prune names after its Keep.
func (e *Engine) prune(ctx context.Context) {
	now := e.now()
	if err := e.st.PruneJobs(ctx, now.Add(-e.cfg.KeepFinished)); err != nil && ctx.Err() == nil {
		e.cfg.Log.Warn("forgetting finished jobs failed; will retry", "err", err)
	}
	for _, p := range e.cfg.Prune {
		if err := p.Prune(ctx, now.Add(-p.Keep)); err != nil && ctx.Err() == nil {
			e.cfg.Log.Warn("forgetting old "+p.What+" failed; will retry", "err", err)
		}
	}
}

// KeepFinished is how long finished jobs are kept; what else is finished (sent notices)
// is kept as long.
func (e *Engine) KeepFinished() time.Duration { return e.cfg.KeepFinished }

// chatOrder puts each chat's due sends oldest first, in the places the chat's sends hold in
// jobs (the other chats' and the vendor jobs stay where they are): a send kept for the
// chat's rate is due no sooner than the chat has room, so one owed to the chat meanwhile may
// be due before it, though made after.
func (e *Engine) chatOrder(jobs []Job) []Job {
	byChat := map[laneKey][]Job{}
	for _, j := range jobs {
		if e.kinds[j.Kind].Paced {
			k := laneKey{j.Platform, j.ChatID}
			byChat[k] = append(byChat[k], j)
		}
	}
	for _, js := range byChat {
		slices.SortStableFunc(js, func(a, b Job) int {
			if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
	}
	out := make([]Job, 0, len(jobs))
	next := map[laneKey]int{}
	for _, j := range jobs {
		if !e.kinds[j.Kind].Paced {
			out = append(out, j)
			continue
		}
		k := laneKey{j.Platform, j.ChatID}
		out = append(out, byChat[k][next[k]])
		next[k]++
	}
	return out
}

// forgetGone drops kept sends that are no longer waiting (done or failed, here or by another
// process), so their chat's answers go straight out again. due is the current page of due
// jobs; it is consulted only when complete (not cut at its limit).
func (e *Engine) forgetGone(ctx context.Context, due []Job) {
	seen := make(map[string]bool, len(due))
	// A chat with drainPerChat jobs read may have more due: its other kept answers were not
	// read, not gone.
	perChat := map[laneKey]int{}
	for _, j := range due {
		seen[j.ID] = true
		perChat[laneKey{j.Platform, j.ChatID}]++
	}
	now := e.now()
	e.pace.settle(now, perChat)
	for _, k := range e.pace.unheldKept(now, func(k laneKey) bool { return perChat[k] >= drainPerChat }) {
		if seen[k.id] {
			continue
		}
		j, err := e.st.Job(ctx, k.id)
		if errors.Is(err, store.ErrNotFound) || err == nil && (j.State == store.JobDone || j.State == store.JobFailed) {
			e.pace.done(k.key.platform, k.key.chat, k.id, now)
		}
	}
}

// storeWait spaces the tries of a store that does not answer.
var storeWait = retry.Policy{Base: 200 * time.Millisecond, Max: 5 * time.Second}
