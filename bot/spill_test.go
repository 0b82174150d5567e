package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/store"
)

// memInbox is the store's inbox and delivery ids in memory.
type memInbox struct {
	memDedupe
	mu2   sync.Mutex
	rows  []store.Spilled
	down  bool
	fails int // spills refused while down
}

func (b *memInbox) failed() int {
	b.mu2.Lock()
	defer b.mu2.Unlock()
	return b.fails
}

func (b *memInbox) Spill(_ context.Context, d store.Spilled) error {
	b.mu2.Lock()
	defer b.mu2.Unlock()
	if b.down {
		b.fails++
		return errors.New("connection refused")
	}
	b.rows = append(b.rows, d)
	return nil
}

func (b *memInbox) setDown(down bool) {
	b.mu2.Lock()
	defer b.mu2.Unlock()
	b.down = down
}

func (b *memInbox) TakeInbox(_ context.Context, limit int) ([]store.Spilled, error) {
	b.mu2.Lock()
	defer b.mu2.Unlock()
	n := min(limit, len(b.rows))
	out := slices.Clone(b.rows[:n])
	b.rows = b.rows[n:]
	return out, nil
}

// InboxSize counts deliveries, as the store does.
func (b *memInbox) InboxSize(context.Context) (int, error) {
	b.mu2.Lock()
	defer b.mu2.Unlock()
	n := 0
	for _, r := range b.rows {
		n += r.Count
	}
	return n, nil
}

// waitKept waits until every delivery handed to the group commit is in the inbox.
func waitKept(t *testing.T, d *Dispatcher) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for d.unkept.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries handed over and not kept", d.unkept.Load())
		}
		time.Sleep(time.Millisecond)
	}
}

// A burst far beyond the workers and the queue is acknowledged, not refused: what has no
// room waits in the inbox and is handled once, each chat in its order. Confidential content
// is never kept there: with no room it is refused as before (the platform redelivers).
func TestBurstBeyondTheQueueWaitsInTheInbox(t *testing.T) {
	h := &recordingHandler{block: make(chan struct{})}
	inbox := &memInbox{}
	d := newTestDispatcher(DispatcherConfig{Workers: 1, Queue: 2, Inbox: inbox,
		Sensitive: func(m Message) bool { return strings.Contains(m.Text, "机密") }}, h, inbox, nil)
	d.Start()
	const n = 40
	for i := range n {
		m := Message{Platform: "feishu", ChatID: fmt.Sprint("oc_", i%2), EventID: fmt.Sprint("ev", i), MessageID: fmt.Sprint("om", i), Text: fmt.Sprint(i)}
		if err := d.HandleMessage(context.Background(), m); err != nil {
			t.Fatalf("delivery %d refused: %v", i, err)
		}
	}
	waitKept(t, d)
	if n, _ := inbox.InboxSize(context.Background()); n == 0 {
		t.Fatal("nothing waited in the inbox")
	}
	// A redelivery of one still waiting is not kept twice.
	before, _ := inbox.InboxSize(context.Background())
	if err := d.HandleMessage(context.Background(), Message{Platform: "feishu", ChatID: "oc_1", EventID: "ev-re", MessageID: "om39", Text: "39"}); err != nil {
		t.Fatalf("redelivery: %v", err)
	}
	waitKept(t, d)
	if after, _ := inbox.InboxSize(context.Background()); after != before {
		t.Fatalf("a redelivery was kept again: %d → %d", before, after)
	}
	if err := d.HandleMessage(context.Background(), Message{Platform: "feishu", ChatID: "oc_0", EventID: "ev-s", MessageID: "om-s", Text: "机密: pw"}); !errors.Is(err, ErrBusy) {
		t.Fatalf("confidential content with no room: %v, want ErrBusy", err)
	}
	close(h.block)
	deadline := time.Now().Add(10 * time.Second)
	for got, _ := h.count(); got < n; got, _ = h.count() {
		if time.Now().After(deadline) {
			t.Fatalf("handled %d of %d", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.messages) != n {
		t.Fatalf("handled %d, want %d", len(h.messages), n)
	}
	last := map[string]int{}
	for _, m := range h.messages {
		var i int
		fmt.Sscan(m.Text, &i)
		if prev, ok := last[m.ChatID]; ok && i <= prev {
			t.Fatalf("%s: %d after %d: out of order", m.ChatID, i, prev)
		}
		last[m.ChatID] = i
	}
}

// What waits in the inbox when the process stops is handled after the next start.
func TestInboxSurvivesARestart(t *testing.T) {
	inbox := &memInbox{}
	first := &recordingHandler{block: make(chan struct{})}
	d := newTestDispatcher(DispatcherConfig{Workers: 1, Queue: 1, Inbox: inbox}, first, inbox, nil)
	d.Start()
	// Two bursts, so two batches: the workers take the first whole once nothing else waits
	// for them, and the second stays in the inbox behind it.
	for i := range 10 {
		if err := d.HandleMessage(context.Background(), Message{Platform: "feishu", ChatID: "oc", EventID: fmt.Sprint("ev", i), MessageID: fmt.Sprint("om", i)}); err != nil {
			t.Fatal(err)
		}
		if i == 4 {
			waitKept(t, d)
		}
	}
	waitKept(t, d)
	kept, _ := inbox.InboxSize(context.Background())
	if kept == 0 {
		t.Fatal("nothing kept")
	}
	close(first.block)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = d.Shutdown(ctx)
	left, _ := inbox.InboxSize(context.Background())
	firstN, _ := first.count()

	second := &recordingHandler{}
	d2 := newTestDispatcher(DispatcherConfig{Workers: 2, Inbox: inbox}, second, inbox, nil)
	d2.Start()
	deadline := time.Now().Add(10 * time.Second)
	for got, _ := second.count(); got < left; got, _ = second.count() {
		if time.Now().After(deadline) {
			t.Fatalf("after the restart: handled %d of the %d left", got, left)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := d2.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, _ := second.count(); firstN+got != 10 {
		t.Fatalf("handled %d + %d, want 10 in all", firstN, got)
	}
}

// A delivery handled before (the store says so) and redelivered while the workers are full
// waits in the inbox like any other, and is dropped as a duplicate when it is taken.
func TestInboxDedupesWhatItHandsOut(t *testing.T) {
	inbox := &memInbox{}
	if _, err := inbox.MarkProcessed(context.Background(), "feishu:msg:om-done", time.Now()); err != nil {
		t.Fatal(err)
	}
	h := &recordingHandler{block: make(chan struct{})}
	d := newTestDispatcher(DispatcherConfig{Workers: 1, Queue: 1, Inbox: inbox}, h, inbox, nil)
	d.Start()
	for i := range 6 {
		if err := d.HandleMessage(context.Background(), Message{Platform: "feishu", ChatID: "oc", EventID: fmt.Sprint("ev", i), MessageID: fmt.Sprint("om", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.HandleMessage(context.Background(), Message{Platform: "feishu", ChatID: "oc", EventID: "ev-late", MessageID: "om-done"}); err != nil {
		t.Fatal(err)
	}
	close(h.block)
	deadline := time.Now().Add(10 * time.Second)
	for got, _ := h.count(); got < 6; got, _ = h.count() {
		if time.Now().After(deadline) {
			t.Fatalf("handled %d of 6", got)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range h.messages {
		if m.MessageID == "om-done" {
			t.Fatal("a delivery handled before was handled again")
		}
	}
	if len(h.messages) != 6 {
		t.Fatalf("handled %d, want 6", len(h.messages))
	}
}

// A kept batch reads back as the messages it was made of; a row kept before batches (one
// message, not an array) reads as a batch of one; anything else is refused.
func TestDecodeBatch(t *testing.T) {
	ms := []Message{{Platform: "feishu", ChatID: "oc_1", MessageID: "om_1", Text: "帮助"}, {Platform: "wecom", ChatID: "wr1", MessageID: "m2"}}
	payload, err := json.Marshal(ms)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		payload string
		want    []Message
	}{
		{"batch", string(payload), ms},
		{"one message kept before batches", ` {"Platform":"feishu","ChatID":"oc_1","MessageID":"om_1","Text":"帮助"}`, ms[:1]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeBatch([]byte(tc.payload))
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("decodeBatch = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "[", "{", "42"} {
		if _, err := decodeBatch([]byte(bad)); err == nil {
			t.Errorf("decodeBatch(%q) succeeded", bad)
		}
	}
}

// A burst handed to the group commit while the store does not answer is not dropped: the
// commit tries again until the store takes it, new deliveries are refused meanwhile (the
// platform redelivers them), and once the store answers every one is handled.
func TestInboxKeepsTryingWhileTheStoreIsDown(t *testing.T) {
	inbox := &memInbox{}
	inbox.setDown(true)
	h := &recordingHandler{block: make(chan struct{})}
	d := newTestDispatcher(DispatcherConfig{Workers: 1, Queue: 1, Inbox: inbox}, h, inbox, nil)
	d.Start()
	sent := 0
	for i := range 8 {
		err := d.HandleMessage(context.Background(), Message{Platform: "feishu", ChatID: "oc", EventID: fmt.Sprint("ev", i), MessageID: fmt.Sprint("om", i)})
		if errors.Is(err, ErrBusy) && d.storeDown.Load() {
			break // the first commit failed already (a slow machine): the rest are refused
		}
		if err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
		sent++
	}
	deadline := time.Now().Add(10 * time.Second)
	for inbox.failed() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("nothing was handed to the inbox")
		}
		time.Sleep(time.Millisecond)
	}
	for !d.storeDown.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the failed commit did not refuse new deliveries")
		}
		time.Sleep(time.Millisecond)
	}
	if err := d.HandleMessage(context.Background(), Message{Platform: "feishu", ChatID: "oc", EventID: "ev-new", MessageID: "om-new"}); !errors.Is(err, ErrBusy) {
		t.Fatalf("a delivery while the store is down: %v, want ErrBusy", err)
	}
	inbox.setDown(false)
	close(h.block)
	for got, _ := h.count(); got < sent; got, _ = h.count() {
		if time.Now().After(deadline) {
			t.Fatalf("handled %d of %d after the store came back", got, sent)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, _ := h.count(); got != sent {
		t.Fatalf("handled %d, want %d", got, sent)
	}
}
