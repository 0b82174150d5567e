package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/internal/reqid"
)

// recordingHandler counts what reached it; block, when set, holds every call until closed.
type recordingHandler struct {
	mu       sync.Mutex
	messages []Message
	actions  []Action
	block    chan struct{}
	result   ActionResult
	// ctxIDs are the request ids the handler's contexts carried, in order.
	ctxIDs []string
}

func (h *recordingHandler) HandleMessage(ctx context.Context, m Message) {
	if h.block != nil {
		<-h.block
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.messages = append(h.messages, m)
	h.ctxIDs = append(h.ctxIDs, reqid.From(ctx))
}

func (h *recordingHandler) HandleAction(ctx context.Context, a Action) ActionResult {
	if h.block != nil {
		<-h.block
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.actions = append(h.actions, a)
	h.ctxIDs = append(h.ctxIDs, reqid.From(ctx))
	return h.result
}

func (h *recordingHandler) count() (int, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.messages), len(h.actions)
}

// memDedupe is an in-memory Deduper standing in for the store.
type memDedupe struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (m *memDedupe) MarkProcessed(_ context.Context, key string, _ time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	if m.seen[key] {
		return false, nil
	}
	m.seen[key] = true
	return true, nil
}

// recordingPlatform records updates.
type recordingPlatform struct {
	mu      sync.Mutex
	updates []CardRef
	bodies  [][]byte
	updated chan struct{}
}

func (p *recordingPlatform) Name() string { return "feishu" }
func (p *recordingPlatform) Send(context.Context, string, Outgoing) (CardRef, error) {
	return CardRef{}, nil
}
func (p *recordingPlatform) Reply(context.Context, CardRef, Outgoing) (CardRef, error) {
	return CardRef{}, nil
}
func (p *recordingPlatform) Update(_ context.Context, ref CardRef, m Outgoing) error {
	p.mu.Lock()
	p.updates = append(p.updates, ref)
	p.bodies = append(p.bodies, m.Body)
	p.mu.Unlock()
	p.updated <- struct{}{}
	return nil
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newTestDispatcher(cfg DispatcherConfig, h Handler, dd Deduper, p Platform) *Dispatcher {
	plats := map[string]Platform{}
	if p != nil {
		plats["feishu"] = p
	}
	d := NewDispatcher(cfg, h, dd, plats, nil, quiet())
	return d
}

// Every delivery accepted gets a request id of its own, in the message and in the context
// the handler runs with; one that came with an id (the platform's context) keeps it.
func TestDeliveriesGetRequestIDs(t *testing.T) {
	h := &recordingHandler{}
	d := newTestDispatcher(DispatcherConfig{Workers: 1}, h, &memDedupe{}, nil)
	d.Start()
	for i, ctx := range []context.Context{context.Background(), context.Background(), reqid.With(context.Background(), "given")} {
		if err := d.HandleMessage(ctx, Message{Platform: "feishu", EventID: fmt.Sprint("ev", i), MessageID: fmt.Sprint("om", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.HandleAction(context.Background(), Action{Platform: "feishu", EventID: "ev-click"}); err != nil {
		t.Fatal(err)
	}
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.messages) != 3 || len(h.actions) != 1 {
		t.Fatalf("handled %d messages, %d actions", len(h.messages), len(h.actions))
	}
	ids := []string{h.messages[0].RequestID, h.messages[1].RequestID, h.messages[2].RequestID, h.actions[0].RequestID}
	seen := map[string]bool{}
	for i, id := range ids {
		if (i == 2 && id != "given") || (i != 2 && len(id) != 16) || seen[id] {
			t.Errorf("delivery %d: request id %q (all: %q)", i, id, ids)
		}
		seen[id] = true
	}
	for _, id := range h.ctxIDs {
		if !seen[id] {
			t.Errorf("a handler ran with request id %q in its context, not its delivery's (%q)", id, ids)
		}
	}
}

func TestDuplicateDeliveriesHandledOnce(t *testing.T) {
	h := &recordingHandler{}
	d := newTestDispatcher(DispatcherConfig{Workers: 2}, h, &memDedupe{}, nil)
	d.Start()
	m := Message{Platform: "feishu", EventID: "ev1", MessageID: "om1", Text: "help"}
	for range 3 {
		if err := d.HandleMessage(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	// Same message under a new event id (Feishu redelivers with a new event_id sometimes).
	m2 := m
	m2.EventID = "ev2"
	if err := d.HandleMessage(context.Background(), m2); err != nil {
		t.Fatal(err)
	}
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, _ := h.count(); n != 1 {
		t.Fatalf("handler ran %d times, want 1", n)
	}
}

func TestStoreIsAuthorityAcrossRestarts(t *testing.T) {
	dd := &memDedupe{}
	m := Message{Platform: "feishu", EventID: "ev1", MessageID: "om1"}
	for run := range 2 {
		h := &recordingHandler{}
		d := newTestDispatcher(DispatcherConfig{}, h, dd, nil) // a fresh process: empty memory
		d.Start()
		if err := d.HandleMessage(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		if err := d.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		want := 1 - run
		if n, _ := h.count(); n != want {
			t.Fatalf("run %d: handler ran %d times, want %d", run, n, want)
		}
	}
}

func TestFullQueueAsksForRedeliveryAndForgetsTheClaim(t *testing.T) {
	h := &recordingHandler{block: make(chan struct{})}
	d := newTestDispatcher(DispatcherConfig{Workers: 1, Queue: 1}, h, &memDedupe{}, nil)
	d.Start()
	ctx := context.Background()
	// The worker holds one message, the dedupe stage one, the queue one: soon it is full.
	var refused Message
	accepted := 0
	for i := range 10 {
		m := Message{Platform: "feishu", EventID: itoa(i)}
		err := d.HandleMessage(ctx, m)
		if errors.Is(err, ErrBusy) {
			refused = m
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		accepted++
		waitFor(t, func() bool { return len(d.queue) == 0 || accepted >= 3 })
	}
	if refused.EventID == "" {
		t.Fatal("a full queue never answered ErrBusy")
	}
	close(h.block)
	waitFor(t, func() bool { return len(d.queue) == 0 })
	// The redelivery must be accepted: the refused attempt did not count as processed.
	if err := d.HandleMessage(ctx, refused); err != nil {
		t.Fatalf("redelivery after ErrBusy: %v", err)
	}
	if err := d.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := h.count(); n != accepted+1 {
		t.Fatalf("handled %d, want %d", n, accepted+1)
	}
}

func TestFastActionAnswersWithResult(t *testing.T) {
	h := &recordingHandler{result: ActionResult{Toast: Toast{Type: "success", Text: "已关闭"}, Card: []byte(`{}`)}}
	d := newTestDispatcher(DispatcherConfig{}, h, &memDedupe{}, nil)
	res, err := d.HandleAction(context.Background(), Action{Platform: "feishu", EventID: "e1", Command: "close ksyun:1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Toast.Text != "已关闭" || string(res.Card) != "{}" {
		t.Fatalf("got %+v", res)
	}
	// A redelivered click acts once.
	res, _ = d.HandleAction(context.Background(), Action{Platform: "feishu", EventID: "e1", Command: "close ksyun:1"})
	if res.Card != nil {
		t.Fatalf("duplicate click returned a card: %+v", res)
	}
	if _, n := h.count(); n != 1 {
		t.Fatalf("action ran %d times, want 1", n)
	}
}

func TestSlowActionAnswersInProgressThenUpdatesCard(t *testing.T) {
	h := &recordingHandler{block: make(chan struct{}), result: ActionResult{Card: []byte(`{"late":true}`)}}
	p := &recordingPlatform{updated: make(chan struct{}, 1)}
	d := newTestDispatcher(DispatcherConfig{ActionWait: 10 * time.Millisecond}, h, &memDedupe{}, p)
	a := Action{Platform: "feishu", EventID: "e1", ChatID: "oc_1", MessageID: "om_card"}
	res, err := d.HandleAction(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if res.Card != nil || res.Toast.Type != "info" {
		t.Fatalf("slow click should answer in-progress without a card, got %+v", res)
	}
	close(h.block)
	select {
	case <-p.updated:
	case <-time.After(5 * time.Second):
		t.Fatal("card never updated")
	}
	if p.updates[0].MessageID != "om_card" || string(p.bodies[0]) != `{"late":true}` {
		t.Fatalf("updated %+v with %s", p.updates[0], p.bodies[0])
	}
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestShutdownDrainsQueuedWork(t *testing.T) {
	h := &recordingHandler{block: make(chan struct{})}
	d := newTestDispatcher(DispatcherConfig{Workers: 1, Queue: 10}, h, &memDedupe{}, nil)
	d.Start()
	for _, id := range []string{"1", "2", "3"} {
		if err := d.HandleMessage(context.Background(), Message{Platform: "feishu", EventID: id}); err != nil {
			t.Fatal(err)
		}
	}
	go func() { time.Sleep(20 * time.Millisecond); close(h.block) }()
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, _ := h.count(); n != 3 {
		t.Fatalf("shutdown lost work: handled %d of 3", n)
	}
	if err := d.HandleMessage(context.Background(), Message{Platform: "feishu", EventID: "4"}); !errors.Is(err, ErrBusy) {
		t.Fatalf("after shutdown: got %v, want ErrBusy", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkHandleMessageEnqueue is the ack path's part of the dispatcher: claim and enqueue,
// with production's sizes (a queue of 1024, 8 workers) and the dedupe stage and workers
// draining the queue as serve runs them, so it holds at any -benchtime. A full queue
// answers ErrBusy (the platform's 503); the benchmark then yields and tries again, and
// reports how often per message as busy/op.
func BenchmarkHandleMessageEnqueue(b *testing.B) {
	d := newTestDispatcher(DispatcherConfig{}, nopHandler{}, &memDedupe{}, nil)
	d.Start()
	ids := make([]string, b.N)
	for i := range ids {
		ids[i] = time.Now().Format("150405.000000000") + string(rune('a'+i%26)) + itoa(i)
	}
	busy := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for {
			err := d.HandleMessage(context.Background(), Message{Platform: "feishu", EventID: ids[i]})
			if err == nil {
				break
			}
			if !errors.Is(err, ErrBusy) {
				b.Fatal(err)
			}
			busy++
			runtime.Gosched()
		}
	}
	b.StopTimer()
	if err := d.Shutdown(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(busy)/float64(b.N), "busy/op")
}

// nopHandler does nothing with what reaches it.
type nopHandler struct{}

func (nopHandler) HandleMessage(context.Context, Message)            {}
func (nopHandler) HandleAction(context.Context, Action) ActionResult { return ActionResult{} }

func itoa(i int) string {
	var buf [20]byte
	n := len(buf)
	for {
		n--
		buf[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(buf[n:])
		}
	}
}

// tokenPlatform also updates cards by the click's token.
type tokenPlatform struct {
	recordingPlatform
	tokens []string
}

func (p *tokenPlatform) UpdateByToken(_ context.Context, token string, card []byte) error {
	p.mu.Lock()
	p.tokens = append(p.tokens, token)
	p.bodies = append(p.bodies, card)
	p.mu.Unlock()
	p.updated <- struct{}{}
	return nil
}

func TestSlowActionUsesTheClickTokenWhenThePlatformHasOne(t *testing.T) {
	h := &recordingHandler{block: make(chan struct{}), result: ActionResult{Card: []byte(`{"late":1}`)}}
	p := &tokenPlatform{recordingPlatform: recordingPlatform{updated: make(chan struct{}, 1)}}
	d := newTestDispatcher(DispatcherConfig{ActionWait: time.Millisecond}, h, &memDedupe{}, p)
	if _, err := d.HandleAction(context.Background(), Action{Platform: "feishu", EventID: "e", MessageID: "om", Token: "c-tok"}); err != nil {
		t.Fatal(err)
	}
	close(h.block)
	<-p.updated
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(p.tokens) != 1 || p.tokens[0] != "c-tok" || len(p.updates) != 0 {
		t.Fatalf("tokens %v, patches %v: want one update by token and no patch", p.tokens, p.updates)
	}
}

// batchDedupe counts how many store round trips a burst costs.
type batchDedupe struct {
	memDedupe
	calls int
}

func (b *batchDedupe) MarkProcessedMany(ctx context.Context, keys []string, at time.Time) ([]bool, error) {
	b.mu.Lock()
	b.calls++
	b.mu.Unlock()
	out := make([]bool, len(keys))
	for i, k := range keys {
		out[i], _ = b.MarkProcessed(ctx, k, at)
	}
	return out, nil
}

func TestBurstIsDedupedInBatches(t *testing.T) {
	h := &recordingHandler{block: make(chan struct{})}
	dd := &batchDedupe{}
	d := newTestDispatcher(DispatcherConfig{Workers: 1, Queue: 200}, h, dd, nil)
	d.Start()
	for i := range 100 {
		// Every message twice: the copy must be dropped, even across a batch.
		for range 2 {
			if err := d.HandleMessage(context.Background(), Message{Platform: "feishu", MessageID: "om_" + itoa(i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	close(h.block)
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, _ := h.count(); n != 100 {
		t.Fatalf("handled %d, want 100", n)
	}
	if dd.calls == 0 || dd.calls > 10 {
		t.Fatalf("100 messages took %d batch round trips; want a few", dd.calls)
	}
}

// ctxHandler hands each command's context to the test and holds the command until its
// context ends or release is closed.
type ctxHandler struct {
	started chan context.Context
	release chan struct{}
	ended   chan error // ctx.Err() when the command stopped waiting
}

func newCtxHandler() *ctxHandler {
	return &ctxHandler{started: make(chan context.Context, 4), release: make(chan struct{}), ended: make(chan error, 4)}
}

func (h *ctxHandler) HandleMessage(ctx context.Context, _ Message) {
	h.started <- ctx
	select {
	case <-ctx.Done():
	case <-h.release:
	}
	h.ended <- ctx.Err()
}

func (h *ctxHandler) HandleAction(ctx context.Context, _ Action) ActionResult {
	h.HandleMessage(ctx, Message{})
	return ActionResult{}
}

func TestCommandEndsAtItsTimeout(t *testing.T) {
	h := newCtxHandler()
	d := newTestDispatcher(DispatcherConfig{CommandTimeout: 50 * time.Millisecond}, h, &memDedupe{}, nil)
	d.Start()
	t.Cleanup(func() { _ = d.Shutdown(context.Background()) })
	if err := d.HandleMessage(context.Background(), Message{Platform: "feishu", EventID: "e1"}); err != nil {
		t.Fatal(err)
	}
	ctx := <-h.started
	if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > 50*time.Millisecond {
		t.Fatalf("command context has deadline %v (%v), want within 50ms", dl, ok)
	}
	select {
	case err := <-h.ended:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("command ended with %v, want its deadline", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the command was not cut at its timeout")
	}
	// The answer still has time, however late the command ended, until the dispatcher stops.
	actx, cancel := AnswerContext(ctx, time.Minute)
	defer cancel()
	if actx.Err() != nil {
		t.Fatalf("answer context ended with the command: %v", actx.Err())
	}
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-actx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("answer context outlived the dispatcher")
	}
}

func TestClickRunsUnderTheCommandTimeoutNotTheRequest(t *testing.T) {
	h := newCtxHandler()
	d := newTestDispatcher(DispatcherConfig{CommandTimeout: time.Hour, ActionWait: time.Hour}, h, &memDedupe{}, nil)
	req, hangUp := context.WithCancel(context.Background())
	answered := make(chan ActionResult, 1)
	go func() {
		res, _ := d.HandleAction(req, Action{Platform: "feishu", EventID: "c1"})
		answered <- res
	}()
	ctx := <-h.started
	if _, ok := ctx.Deadline(); !ok {
		t.Fatal("click runs without a deadline")
	}
	hangUp() // the platform's request ends: answered "in progress", the work goes on
	select {
	case res := <-answered:
		if !res.Pending {
			t.Fatalf("got %+v, want the in-progress answer", res)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the click was not answered when its request ended")
	}
	if ctx.Err() != nil {
		t.Fatalf("the click's work ended with its request: %v", ctx.Err())
	}
	close(h.release)
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestShutdownDrainsThenCancels: a command running at shutdown may finish before the
// deadline; one still running at the deadline is cancelled, and Shutdown returns only once
// it has returned.
func TestShutdownDrainsThenCancels(t *testing.T) {
	t.Run("finishes within the deadline", func(t *testing.T) {
		h := newCtxHandler()
		d := newTestDispatcher(DispatcherConfig{}, h, &memDedupe{}, nil)
		d.Start()
		if err := d.HandleMessage(context.Background(), Message{Platform: "feishu", EventID: "e1"}); err != nil {
			t.Fatal(err)
		}
		ctx := <-h.started
		shut := make(chan error, 1)
		go func() { shut <- d.Shutdown(context.Background()) }()
		// Shutdown waits for the command, whose context is still live.
		waitFor(t, func() bool { d.mu.RLock(); defer d.mu.RUnlock(); return d.closing })
		time.Sleep(20 * time.Millisecond) // a Shutdown that would not wait cancels in this time
		if ctx.Err() != nil {
			t.Fatalf("command cancelled during the drain: %v", ctx.Err())
		}
		close(h.release)
		if err := <-shut; err != nil {
			t.Fatal(err)
		}
		if err := <-h.ended; err != nil {
			t.Fatalf("command ended with %v, want it to finish", err)
		}
	})
	t.Run("cancelled at the deadline", func(t *testing.T) {
		h := newCtxHandler()
		d := newTestDispatcher(DispatcherConfig{}, h, &memDedupe{}, nil)
		d.Start()
		if err := d.HandleMessage(context.Background(), Message{Platform: "feishu", EventID: "e1"}); err != nil {
			t.Fatal(err)
		}
		<-h.started
		sctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if err := d.Shutdown(sctx); err == nil {
			t.Fatal("Shutdown reported no unfinished work")
		}
		select {
		case err := <-h.ended: // returned before Shutdown did
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("command ended with %v, want cancelled", err)
			}
		default:
			t.Fatal("Shutdown returned while the command still ran")
		}
	})
}
