package bot

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// instantHandler answers "help" at once, panics on "boom", and leaves the rest to the queue.
type instantHandler struct{ recordingHandler }

func (h *instantHandler) AnswerNow(m Message) (Outgoing, bool) {
	switch m.Text {
	case "help":
		return Outgoing{Kind: KindText, Body: []byte("usage: …"), Key: "text:" + m.MessageID}, true
	case "boom":
		panic("a bug in the handler")
	}
	return Outgoing{}, false
}

func TestAnswerNow(t *testing.T) {
	h := &instantHandler{}
	d := newTestDispatcher(DispatcherConfig{Workers: 1}, h, &memDedupe{}, nil)
	d.Start()
	help := Message{Platform: "wecom", EventID: "ev1", MessageID: "m1", Text: "help"}
	for range 2 { // a redelivery is answered again: the platform asked because it missed the first
		out, ok := AnswerNow(d, help)
		if !ok || string(out.Body) != "usage: …" {
			t.Fatalf("AnswerNow(help) = %q, %v", out.Body, ok)
		}
	}
	if n := testutil.ToFloat64(d.metrics.instant.WithLabelValues("wecom")); n != 2 {
		t.Errorf("answered-in-ack counter %v, want 2", n)
	}
	for _, text := range []string{"new ksyun title", "boom"} {
		if _, ok := AnswerNow(d, Message{Platform: "wecom", MessageID: text, Text: text}); ok {
			t.Errorf("AnswerNow(%q) answered", text)
		}
	}
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, _ := h.count(); n != 0 {
		t.Errorf("the handler's queue got %d messages, want none", n)
	}
	if _, ok := AnswerNow(d, help); ok {
		t.Error("a dispatcher shutting down answered")
	}
}

// A handler that cannot answer at once, or a sink that is not a dispatcher, answers nothing.
func TestAnswerNowWithoutAnInstantHandler(t *testing.T) {
	d := newTestDispatcher(DispatcherConfig{Workers: 1}, &recordingHandler{}, &memDedupe{}, nil)
	if _, ok := AnswerNow(d, Message{Platform: "wecom", Text: "help"}); ok {
		t.Error("a plain handler answered now")
	}
	if _, ok := AnswerNow(nil, Message{Text: "help"}); ok {
		t.Error("a nil sink answered now")
	}
}
