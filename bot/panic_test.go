package bot

import (
	"context"
	"testing"
)

// panicky panics on the messages and clicks it is told to, and records the rest.
type panicky struct {
	recordingHandler
	on string
}

func (h *panicky) HandleMessage(ctx context.Context, m Message) {
	if m.Text == h.on {
		panic("handler bug")
	}
	h.recordingHandler.HandleMessage(ctx, m)
}

func (h *panicky) HandleAction(ctx context.Context, a Action) ActionResult {
	if a.Command == h.on {
		panic("handler bug")
	}
	return h.recordingHandler.HandleAction(ctx, a)
}

// A panicking command must not take its worker with it: with a single worker, the messages
// after the panics are still handled.
func TestPanicsDoNotLoseTheWorker(t *testing.T) {
	h := &panicky{on: "boom"}
	d := newTestDispatcher(DispatcherConfig{Workers: 1}, h, &memDedupe{}, nil)
	d.Start()
	for i, text := range []string{"boom", "boom", "help", "boom", "list"} {
		m := Message{Platform: "feishu", EventID: "ev" + string(rune('a'+i)), MessageID: "om" + string(rune('a'+i)), Text: text}
		if err := d.HandleMessage(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.HandleAction(context.Background(), Action{Platform: "feishu", EventID: "evx", MessageID: "omx", Command: "boom"}); err != nil {
		t.Logf("a panicking click answers %v", err)
	}
	if _, err := d.HandleAction(context.Background(), Action{Platform: "feishu", EventID: "evy", MessageID: "omy", Command: "show"}); err != nil {
		t.Fatal(err)
	}
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, a := h.count(); n != 2 || a != 1 {
		t.Fatalf("after the panics %d messages and %d clicks were handled, want 2 and 1", n, a)
	}
}
