package bot

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// downDedupe is a store that can be taken away and brought back.
type downDedupe struct {
	memDedupe
	down  atomic.Bool
	tries atomic.Int32
}

func (d *downDedupe) MarkProcessed(ctx context.Context, key string, at time.Time) (bool, error) {
	d.tries.Add(1)
	if d.down.Load() {
		return false, errors.New("connection refused")
	}
	return d.memDedupe.MarkProcessed(ctx, key, at)
}

// While the store does not answer, a message already acknowledged waits and is handled once
// when it is back, and new deliveries are refused (the platform redelivers them), not
// acknowledged and lost.
func TestStoreDownRefusesDeliveriesAndLosesNone(t *testing.T) {
	h := &recordingHandler{}
	dd := &downDedupe{}
	d := newTestDispatcher(DispatcherConfig{Workers: 2}, h, dd, nil)
	d.Start()
	defer d.Shutdown(context.Background())
	dd.down.Store(true)

	// Acknowledged before anyone knew the store was gone.
	if err := d.HandleMessage(context.Background(), Message{Platform: "feishu", EventID: "ev1", MessageID: "om1"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !d.storeDown.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the dispatcher never noticed the store was down")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Now deliveries are refused: the platform keeps them and redelivers.
	if err := d.HandleMessage(context.Background(), Message{Platform: "feishu", EventID: "ev2", MessageID: "om2"}); !errors.Is(err, ErrBusy) {
		t.Fatalf("a delivery while the store is down = %v, want ErrBusy", err)
	}
	if _, err := d.HandleAction(context.Background(), Action{Platform: "feishu", EventID: "ev3"}); !errors.Is(err, ErrBusy) {
		t.Fatalf("a click while the store is down = %v, want ErrBusy", err)
	}
	if n, _ := h.count(); n != 0 {
		t.Fatalf("handled %d messages without the store", n)
	}
	// Wait for a retry, then bring it back: the acknowledged message is handled once, and the
	// refused one, redelivered, too.
	for tries := dd.tries.Load(); dd.tries.Load() < tries+1; {
		if time.Now().After(deadline) {
			t.Fatal("the dispatcher does not try the store again")
		}
		time.Sleep(5 * time.Millisecond)
	}
	dd.down.Store(false)
	for n, _ := h.count(); n < 1; n, _ = h.count() {
		if time.Now().After(deadline) {
			t.Fatal("the acknowledged message was never handled")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for d.HandleMessage(context.Background(), Message{Platform: "feishu", EventID: "ev2", MessageID: "om2"}) != nil {
		if time.Now().After(deadline) {
			t.Fatal("deliveries are still refused after the store came back")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.messages) != 2 || h.messages[0].MessageID != "om1" || h.messages[1].MessageID != "om2" {
		t.Fatalf("handled %+v, want om1 then om2 once each", h.messages)
	}
}
