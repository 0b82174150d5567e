package bot

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ticketbot/ticketbot/internal/reqid"

	"github.com/ticketbot/ticketbot/internal/ttl"
	"github.com/ticketbot/ticketbot/retry"
	"github.com/ticketbot/ticketbot/templates"
)

// Handler does the work of messages and clicks: parse the command, call the vendor, post the
// result. The handlers package implements it.
type Handler interface {
	HandleMessage(ctx context.Context, m Message)
	HandleAction(ctx context.Context, a Action) ActionResult
}

// Deduper is the durable record of processed deliveries (the store).
type Deduper interface {
	MarkProcessed(ctx context.Context, key string, at time.Time) (fresh bool, err error)
}

// DispatcherConfig tunes the dispatcher; zero values take the defaults.
type DispatcherConfig struct {
	// Workers run queued messages (default 8).
	Workers int
	// Queue is how many messages may wait (default 1024). When full, platforms answer 503
	// and the sender redelivers later.
	Queue int
	// ActionWait is how long a click may wait for its result before the platform is answered
	// with an "in progress" toast (default 2.5 s: one platform wants an answer within 3 s). It is
	// the one card answer deadline: the platforms leave it to the dispatcher.
	ActionWait time.Duration
	// CommandTimeout bounds the work of one command or click (default 60 s): its context ends
	// then, and the vendor call it waits on with it. The answer is still sent (AnswerContext).
	CommandTimeout time.Duration
	// MaxActions bounds clicks running at once (default 64).
	MaxActions int
	// DedupeTTL is how long delivery ids are remembered in memory (default 10 min), and
	// DedupeMax how many at most (default 100,000, about 15 MB): the memory answers the quick
	// redeliveries (one platform's within seconds, another's after 15 s and 5 min) on the ack
	// path; the store catches the late ones (its 1 h and 6 h), so the window can be short.
	DedupeTTL time.Duration
	DedupeMax int
	// Overhear keeps group chatter the handler wants all the same (a ticket named in a chat
	// that unfurls); it runs on the ack path, so it must not wait. nil drops all chatter.
	Overhear func(Message) bool
	// Cards tells whether a message is one of the bot's cards, for thread replies that do not
	// mention the bot: only those answering a card are for the bot. nil takes every such
	// reply as possibly for the bot.
	Cards CardIndex
	// Inbox, when set, keeps deliveries the workers have no room for (the store's inbox)
	// instead of refusing them with ErrBusy; Sensitive marks those that must never be stored
	// (confidential content), which are still refused when there is no room.
	Inbox     Inbox
	Sensitive func(Message) bool
	// Toasts words what a click is told when its work outlives ActionWait, when too many
	// clicks run at once, and when its handler failed, in the language of the one who clicked;
	// the app words them from the message catalog (nil: the built-in catalog's Chinese). It
	// runs in the ack path: it must not wait for the store.
	Toasts func(Action) ActionToasts
}

// ActionToasts are the dispatcher's own answers to a click.
type ActionToasts struct {
	InProgress, Busy, Internal string
}

// CardIndex answers whether a message id is one of the bot's cards (the store, with its
// memory in front).
type CardIndex interface {
	IsCard(ctx context.Context, platform, messageID string) (bool, error)
}

func (c *DispatcherConfig) defaults() {
	if c.Workers <= 0 {
		c.Workers = 8
	}
	if c.Queue <= 0 {
		c.Queue = 1024
	}
	if c.ActionWait <= 0 {
		c.ActionWait = 2500 * time.Millisecond
	}
	if c.CommandTimeout <= 0 {
		c.CommandTimeout = 60 * time.Second
	}
	if c.MaxActions <= 0 {
		c.MaxActions = 64
	}
	if c.DedupeTTL <= 0 {
		c.DedupeTTL = 10 * time.Minute
	}
	if c.DedupeMax <= 0 {
		c.DedupeMax = 100_000
	}
	if c.Toasts == nil {
		cat := templates.DefaultCatalog()
		zh := ActionToasts{InProgress: cat.Text("toast_in_progress", false), Busy: cat.Text("toast_busy", false),
			Internal: cat.Text("toast_internal", false)}
		c.Toasts = func(Action) ActionToasts { return zh }
	}
}

// Dispatcher is the Sink every platform hands its deliveries to. It drops duplicates, queues
// messages to a bounded worker pool so the webhook is acked at once, and runs clicks within
// the platform's answer deadline.
type Dispatcher struct {
	cfg       DispatcherConfig
	h         Handler
	dedupe    Deduper
	platforms map[string]Platform
	log       *slog.Logger
	metrics   *Metrics
	now       func() time.Time

	// recent is the in-memory claim on delivery ids: the ack path answers duplicates from it
	// without touching the disk; the store stays the authority, checked by the worker. It is
	// bounded in time and count; claimMu makes its test-and-set atomic.
	recent  *ttl.Cache[string, struct{}]
	claimMu sync.Mutex
	queue   chan Message
	actions chan struct{}

	mu      sync.RWMutex // guards closing against concurrent sends on queue
	closing bool
	// storeDown is set while the store does not answer: new deliveries get ErrBusy, so the
	// platform redelivers them later, instead of being acknowledged and then lost; the ones
	// already acknowledged wait in the queue until it answers again.
	storeDown atomic.Bool
	// The inbox (spill.go): spilling is set while deliveries wait in it.
	spilling  atomic.Bool
	spillReq  chan Message
	unkept    atomic.Int64 // handed to the group commit, not yet kept (or given up)
	inboxWake chan struct{}
	spillSeq  atomic.Int64
	spills    sync.WaitGroup
	workers   sync.WaitGroup
	late      sync.WaitGroup // clicks, and the late results of those that outlived ActionWait

	// base is the context every command, click and late result runs under: Shutdown cancels
	// it once the drain is over, so nothing the dispatcher started outlives Shutdown.
	base       context.Context
	cancelBase context.CancelFunc
}

// NewDispatcher builds a dispatcher; Start runs its workers.
func NewDispatcher(cfg DispatcherConfig, h Handler, dedupe Deduper, platforms map[string]Platform, m *Metrics, log *slog.Logger) *Dispatcher {
	cfg.defaults()
	if m == nil {
		m = NewMetrics(nil)
	}
	base, cancel := context.WithCancel(context.Background())
	return &Dispatcher{
		base:       base,
		cancelBase: cancel,
		cfg:        cfg,
		h:          h,
		dedupe:     dedupe,
		platforms:  platforms,
		log:        log,
		metrics:    m,
		now:        time.Now,
		recent:     ttl.New[string, struct{}](cfg.DedupeMax, cfg.DedupeTTL),
		queue:      make(chan Message, cfg.Queue),
		actions:    make(chan struct{}, cfg.MaxActions),
	}
}

// BatchDeduper is implemented by stores that can record many delivery ids in one
// transaction; the dispatcher then dedupes a burst with one commit.
type BatchDeduper interface {
	MarkProcessedMany(ctx context.Context, keys []string, at time.Time) (fresh []bool, err error)
}

// maxBatch bounds how many queued messages one durable dedupe covers.
const maxBatch = 128

// Start launches the dedupe stage and the workers. They stop when Shutdown drains the queue.
func (d *Dispatcher) Start() {
	work := newFair(d.cfg.Workers)
	d.startInbox()
	if d.inboxWake != nil {
		work.drained = d.wakeInbox
	}
	d.workers.Add(1)
	go d.dedupeStage(work)
	for range d.cfg.Workers {
		d.workers.Add(1)
		go d.work(work)
	}
}

var _ Sink = (*Dispatcher)(nil)

// deliveryKeys are the ids a platform may redeliver a message under.
func deliveryKeys(platform, eventID, messageID string) []string {
	var keys []string
	if eventID != "" {
		keys = append(keys, platform+":event:"+eventID)
	}
	if messageID != "" {
		keys = append(keys, platform+":msg:"+messageID)
	}
	return keys
}

// claim reserves the delivery's keys in memory. It fails when any key is already claimed,
// atomically, so two concurrent redeliveries cannot both pass.
func (d *Dispatcher) claim(keys []string) bool {
	d.claimMu.Lock()
	defer d.claimMu.Unlock()
	for _, k := range keys {
		if d.recent.Contains(k) {
			return false
		}
	}
	for _, k := range keys {
		d.recent.Add(k, struct{}{})
	}
	return true
}

func (d *Dispatcher) release(keys []string) {
	d.claimMu.Lock()
	defer d.claimMu.Unlock()
	for _, k := range keys {
		d.recent.Remove(k)
	}
}

// HandleMessage claims and queues m, returning at once. A duplicate is dropped silently; a
// full queue (or a dispatcher shutting down) returns ErrBusy so the platform asks for a
// redelivery.
func (d *Dispatcher) HandleMessage(ctx context.Context, m Message) error {
	d.metrics.received.WithLabelValues(m.Platform, "message").Inc()
	if d.storeDown.Load() {
		d.metrics.rejected.WithLabelValues(m.Platform).Inc()
		return ErrBusy
	}
	if m.Overheard && m.RootID == "" && m.ParentID == "" && (d.cfg.Overhear == nil || !d.cfg.Overhear(m)) {
		// Group chatter: not for the bot, and nothing to remember about it.
		d.metrics.chatter.WithLabelValues(m.Platform).Inc()
		return nil
	}
	keys := deliveryKeys(m.Platform, m.EventID, m.MessageID)
	if !d.claim(keys) {
		d.metrics.duplicates.WithLabelValues(m.Platform).Inc()
		return nil
	}
	m.RequestID = requestID(ctx, m.RequestID)
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closing {
		d.release(keys)
		return ErrBusy
	}
	if !d.spilling.Load() {
		select {
		case d.queue <- m:
			d.metrics.queued.Inc()
			return nil
		default:
		}
	}
	// The workers have no room: the delivery waits in the store's inbox rather than be
	// refused (and, once some wait there, the chat's later ones wait behind them).
	if err := d.spill(m); err != nil {
		d.release(keys)
		d.metrics.rejected.WithLabelValues(m.Platform).Inc()
		return ErrBusy
	}
	return nil
}

// dedupeStage takes queued messages in batches (whatever is waiting, up to maxBatch), checks
// them against the store, the authority across restarts and replicas, and hands the fresh
// ones to the workers, chats taking turns (fair). The memory claim of the ack path covers only this process's lifetime.
func (d *Dispatcher) dedupeStage(work *fair) {
	defer d.workers.Done()
	defer work.close()
	batch := make([]Message, 0, maxBatch)
	var tick <-chan time.Time
	if d.cfg.Inbox != nil {
		t := time.NewTicker(inboxEvery)
		defer t.Stop()
		tick = t.C
	}
	for {
		var m Message
		select {
		case got, ok := <-d.queue:
			if !ok {
				return
			}
			m = got
		case <-tick:
			d.loadInbox(work)
			continue
		case <-d.inboxWake:
			d.loadInbox(work)
			continue
		}
		batch = append(batch[:0], m)
	fill:
		for len(batch) < maxBatch {
			select {
			case m, ok := <-d.queue:
				if !ok {
					break fill
				}
				batch = append(batch, m)
			default:
				break fill
			}
		}
		batch = d.forTheBot(batch)
		fresh := d.markBatch(batch)
		kept := batch[:0]
		for i, m := range batch {
			if !fresh[i] {
				d.metrics.queued.Dec()
				d.metrics.duplicates.WithLabelValues(m.Platform).Inc()
				continue
			}
			kept = append(kept, m)
		}
		work.put(kept...)
	}
}

// forTheBot drops the overheard thread replies that answer no card of the bot's: chatter in
// someone else's thread. It runs off the ack path, before anything durable is written; the
// card index answers from memory, or once from the store.
func (d *Dispatcher) forTheBot(batch []Message) []Message {
	if d.cfg.Cards == nil {
		return batch
	}
	kept := batch[:0]
	for _, m := range batch {
		if m.Overheard && !d.answersACard(m) {
			d.metrics.queued.Dec()
			d.metrics.chatter.WithLabelValues(m.Platform).Inc()
			continue
		}
		kept = append(kept, m)
	}
	return kept
}

// answersACard reports whether m is in the thread of (or quotes) one of the bot's cards. If
// the store cannot tell, the message is kept: the handler decides, as before.
func (d *Dispatcher) answersACard(m Message) bool {
	ctx := d.base
	for _, id := range []string{m.RootID, m.ParentID} {
		if id == "" {
			continue
		}
		ok, err := d.cfg.Cards.IsCard(ctx, m.Platform, id)
		if err != nil || ok {
			return true
		}
	}
	return false
}

// durableKey is the one id a message is recorded under: a redelivered message keeps its
// message id whatever its event id.
func durableKey(m Message) string {
	keys := deliveryKeys(m.Platform, m.EventID, m.MessageID)
	if len(keys) == 0 {
		return ""
	}
	return keys[len(keys)-1]
}

// storeRetry spaces the dedupe's tries while the store does not answer.
var storeRetry = retry.Policy{Base: 200 * time.Millisecond, Max: 5 * time.Second}

// markBatch records the batch's delivery ids. While the store does not answer it tries again
// (untilStored), so an acknowledged message is neither lost nor run twice by two replicas;
// only at shutdown are they handled without it (a rare duplicate beats a lost command).
func (d *Dispatcher) markBatch(batch []Message) []bool {
	var fresh []bool
	err := d.untilStored(func() (err error) {
		fresh, err = d.tryMarkBatch(batch)
		return err
	})
	if err != nil {
		d.log.Error("dedupe failed at shutdown; handling anyway", "err", err)
		for i := range fresh {
			fresh[i] = true
		}
	}
	return fresh
}

// untilStored runs try until the store takes it. Meanwhile new deliveries get ErrBusy (see
// storeDown), so the platform redelivers them instead of their being acknowledged and lost.
// It returns try's last error only when shutdown ends the wait.
func (d *Dispatcher) untilStored(try func() error) error {
	for n := 1; ; n++ {
		err := try()
		if err == nil {
			if d.storeDown.Swap(false) {
				d.log.Info("the store answers again; taking deliveries", "waited_tries", n-1)
			}
			return nil
		}
		if !d.storeDown.Swap(true) {
			d.log.Error("the store does not answer; deliveries are refused until it does", "err", err)
		}
		t := time.NewTimer(storeRetry.Backoff(n))
		select {
		case <-d.base.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// tryMarkBatch records the batch's delivery ids once: fresh[i] is whether batch[i] is new.
func (d *Dispatcher) tryMarkBatch(batch []Message) ([]bool, error) {
	ctx := d.base
	fresh := make([]bool, len(batch))
	keys := make([]string, 0, len(batch))
	idx := make([]int, 0, len(batch))
	for i, m := range batch {
		if k := durableKey(m); k != "" {
			keys = append(keys, k)
			idx = append(idx, i)
		} else {
			fresh[i] = true
		}
	}
	var got []bool
	var err error
	if bd, ok := d.dedupe.(BatchDeduper); ok && len(keys) > 1 {
		got, err = bd.MarkProcessedMany(ctx, keys, d.now())
	} else {
		got = make([]bool, len(keys))
		for i, k := range keys {
			if got[i], err = d.dedupe.MarkProcessed(ctx, k, d.now()); err != nil {
				break
			}
		}
	}
	if err != nil {
		return make([]bool, len(batch)), err
	}
	for j, i := range idx {
		fresh[i] = got[j]
	}
	return fresh, nil
}

func (d *Dispatcher) work(work *fair) {
	defer d.workers.Done()
	dropped := 0
	for {
		m, ok := work.take()
		if !ok {
			break
		}
		d.metrics.queued.Dec()
		if d.base.Err() != nil {
			// Shutdown gave up waiting: what is still queued is dropped, not run with a
			// context that has already ended.
			dropped++
			continue
		}
		d.run(m)
	}
	if dropped > 0 {
		d.log.Error("queued messages dropped at shutdown", "count", dropped)
	}
}

// baseKey carries the dispatcher's base context in a command's context, for AnswerContext.
type baseKey struct{}

// commandContext is the context one command or click runs in: it ends after CommandTimeout,
// or when Shutdown cancels the base context.
func (d *Dispatcher) commandContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(d.base, d.cfg.CommandTimeout)
	return context.WithValue(ctx, baseKey{}, d.base), cancel
}

// AnswerContext is the context for answering a command once its work is over: its own
// deadline may have passed (the vendor did not answer in time), yet the person is still told.
// It keeps ctx's values, ends after wait, and ends when the dispatcher that ran the command
// shuts down; never with the command's own deadline.
func AnswerContext(ctx context.Context, wait time.Duration) (context.Context, context.CancelFunc) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), wait)
	base, ok := ctx.Value(baseKey{}).(context.Context)
	if !ok {
		return actx, cancel
	}
	stop := context.AfterFunc(base, cancel)
	return actx, func() { stop(); cancel() }
}

func (d *Dispatcher) run(m Message) {
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			d.log.Error("handler panicked", "platform", m.Platform, "event_id", m.EventID, reqid.Key, m.RequestID, "panic", r)
		}
		d.metrics.handled.WithLabelValues(m.Platform, "message").Observe(time.Since(start).Seconds())
	}()
	ctx, cancel := d.commandContext()
	defer cancel()
	d.h.HandleMessage(reqid.With(ctx, m.RequestID), m)
}

// requestID is a delivery's request id: the one it came with, else its context's, else new.
func requestID(ctx context.Context, given string) string {
	if given != "" {
		return given
	}
	if id := reqid.From(ctx); id != "" {
		return id
	}
	return reqid.New()
}

// inProgress is the answer to a click whose work outlives the platform's deadline.
func (d *Dispatcher) inProgress(a Action) ActionResult {
	return ActionResult{Toast: Toast{Type: "info", Text: d.cfg.Toasts(a).InProgress}, Pending: true}
}

// HandleAction runs a click, answering with its result if it finishes within ActionWait and
// otherwise with an "in progress" toast, updating the clicked card when the work is done.
// A repeated delivery of the same click acts once.
func (d *Dispatcher) HandleAction(ctx context.Context, a Action) (ActionResult, error) {
	d.metrics.received.WithLabelValues(a.Platform, "action").Inc()
	if d.storeDown.Load() {
		return ActionResult{}, ErrBusy
	}
	keys := deliveryKeys(a.Platform, a.EventID, "")
	if !d.claim(keys) {
		d.metrics.duplicates.WithLabelValues(a.Platform).Inc()
		return d.inProgress(a), nil
	}
	a.RequestID = requestID(ctx, a.RequestID)
	d.mu.RLock()
	closing := d.closing
	if !closing {
		// Two: the click's own goroutine, and the one that applies its result if it is late,
		// both counted before Shutdown can start waiting.
		d.late.Add(2)
	}
	d.mu.RUnlock()
	if closing {
		d.release(keys)
		return ActionResult{}, ErrBusy
	}
	select {
	case d.actions <- struct{}{}:
	default:
		d.late.Add(-2)
		d.release(keys)
		return ActionResult{Toast: Toast{Type: "warning", Text: d.cfg.Toasts(a).Busy}}, nil
	}

	done := make(chan ActionResult, 1)
	go func() {
		defer d.late.Done()
		defer func() { <-d.actions }()
		start := time.Now()
		var res ActionResult
		func() {
			defer func() {
				if r := recover(); r != nil {
					d.log.Error("action handler panicked", "platform", a.Platform, "event_id", a.EventID, reqid.Key, a.RequestID, "panic", r)
					res = ActionResult{Toast: Toast{Type: "error", Text: d.cfg.Toasts(a).Internal}}
				}
			}()
			// The work runs under the dispatcher's base context, bounded by CommandTimeout:
			// the platform's request ending does not cut it short.
			cctx, cancel := d.commandContext()
			defer cancel()
			res = d.h.HandleAction(reqid.With(cctx, a.RequestID), a)
		}()
		d.metrics.handled.WithLabelValues(a.Platform, "action").Observe(time.Since(start).Seconds())
		done <- res
	}()

	timer := time.NewTimer(d.cfg.ActionWait)
	defer timer.Stop()
	select {
	case res := <-done:
		d.late.Done() // no late result to apply
		return res, nil
	case <-timer.C:
	case <-ctx.Done():
		// The platform's request ended first (the caller hung up): the result comes later.
	}
	d.metrics.lateActions.WithLabelValues(a.Platform).Inc()
	go func() {
		defer d.late.Done()
		d.finishLate(a, <-done)
	}()
	return d.inProgress(a), nil
}

// lateSendTimeout bounds the card update of a click's late result (and Shutdown cuts it).
const lateSendTimeout = 30 * time.Second

// finishLate applies a click's result after the platform was already answered.
func (d *Dispatcher) finishLate(a Action, res ActionResult) {
	if res.Card == nil {
		return
	}
	p, ok := d.platforms[a.Platform]
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(d.base, lateSendTimeout)
	defer cancel()
	// Its own goroutine, so waiting for a busy chat's slot stalls nobody: a late result sent
	// as a new card waits for the chat's room rather than be dropped as busy.
	ctx = WithSendWait(ctx, lateSendTimeout-5*time.Second)
	// The click's own update token is the precise tool (it works even for cards the bot
	// cannot PATCH); fall back to an in-place update of the message.
	if Can(p).LateUpdate && a.Token != "" {
		err := UpdateByToken(ctx, p, a.Token, res.Card)
		if err == nil {
			return
		}
		d.log.Warn("delayed card update by token failed; patching the message", "platform", a.Platform, "err", err)
	}
	ref := CardRef{Platform: a.Platform, ChatID: a.ChatID, MessageID: a.MessageID}
	err := p.Update(ctx, ref, Outgoing{Kind: KindCard, Body: res.Card, Key: ClickKey(a.EventID)})
	if errors.Is(err, ErrCannotUpdate) {
		// The platform cannot change the clicked card any more: the result comes as a new
		// card, so it is not lost.
		_, err = p.Send(ctx, a.ChatID, Outgoing{Kind: KindCard, Body: res.Card})
	}
	if err != nil {
		d.log.Error("late card update failed", "platform", a.Platform, "chat_id", a.ChatID, "err", err)
	}
}

// Shutdown stops taking work (deliveries get ErrBusy), lets the queued messages and the
// running clicks finish until ctx ends, then cancels the base context every command, click
// and late result runs under and waits for them to return: nothing the dispatcher started
// outlives Shutdown. It reports work that ctx's end cut short.
func (d *Dispatcher) Shutdown(ctx context.Context) error {
	d.mu.Lock()
	if !d.closing {
		d.closing = true
		close(d.queue)
		if d.spillReq != nil {
			// No delivery holds the read lock now, so none waits on a spill.
			close(d.spillReq)
		}
	}
	d.mu.Unlock()
	done := make(chan struct{})
	go func() {
		d.workers.Wait()
		d.late.Wait()
		d.spills.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = errors.Join(errors.New("bot: shutdown: work still running was cancelled"), ctx.Err())
	}
	d.cancelBase()
	<-done
	return err
}
