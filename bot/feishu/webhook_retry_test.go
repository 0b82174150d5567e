package feishu

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
	"github.com/ticketbot/ticketbot/store"
)

// countingHandler is a bot.Handler that counts the messages it runs, by event id.
type countingHandler struct {
	mu   sync.Mutex
	runs map[string]int
	ran  chan string
}

func (h *countingHandler) HandleMessage(_ context.Context, m bot.Message) {
	h.mu.Lock()
	h.runs[m.EventID]++
	h.mu.Unlock()
	h.ran <- m.EventID
}

func (h *countingHandler) HandleAction(context.Context, bot.Action) bot.ActionResult {
	return bot.ActionResult{}
}

func (h *countingHandler) count(eventID string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.runs[eventID]
}

// TestWebhookLateRetryHandledOnce is Feishu's last retry of an event it never saw
// acknowledged: 6 h after the first delivery, with the first delivery's timestamp. Through
// the real dispatcher and store it is handled once; the same delivery again is a duplicate,
// also after a restart (the store remembers the event id); a delivery older than the
// store's memory of ids is refused.
func TestWebhookLateRetryHandledOnce(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "retry.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &countingHandler{runs: map[string]int{}, ran: make(chan string, 8)}

	// start builds a dispatcher on the store and a webhook on the fixed clock in front of it:
	// one process's lifetime.
	start := func() (http.Handler, *bot.Dispatcher) {
		f := newWebhook(t, nil)
		d := bot.NewDispatcher(bot.DispatcherConfig{}, h, st, map[string]bot.Platform{Platform: f}, nil, slog.New(slog.DiscardHandler))
		f.sink = d
		d.Start()
		t.Cleanup(func() { _ = d.Shutdown(context.Background()) })
		return f.Handler(), d
	}
	stop := func(d *bot.Dispatcher) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := d.Shutdown(sctx); err != nil { // drains the queue: anything accepted has run
			t.Fatal(err)
		}
	}

	sixHoursOld := testNow.Add(-6 * time.Hour)
	body, hdr := feishutest.SealRequest(testKey, feishutest.TextMessageEvent("ev-late", "om_late", testChat, testUser, "list",
		feishutest.WithVerificationToken(testToken)), sixHoursOld, "nonce-late")

	handler, d := start()
	if rec := post(t, handler, body, hdr); rec.Code != http.StatusOK {
		t.Fatalf("6 h old retry: status %d (%s), want 200", rec.Code, rec.Body)
	}
	select {
	case id := <-h.ran:
		if id != "ev-late" {
			t.Fatalf("ran %q", id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the 6 h old retry was never handled")
	}
	// The same delivery again, in the same process: acked as a duplicate.
	if rec := post(t, handler, body, hdr); rec.Code != http.StatusOK {
		t.Fatalf("replay: status %d, want 200", rec.Code)
	}
	stop(d)
	if n := h.count("ev-late"); n != 1 {
		t.Fatalf("handled %d times, want 1", n)
	}

	// After a restart only the store remembers the id.
	handler, d = start()
	if rec := post(t, handler, body, hdr); rec.Code != http.StatusOK {
		t.Fatalf("replay after restart: status %d, want 200", rec.Code)
	}
	stop(d)
	if n := h.count("ev-late"); n != 1 {
		t.Fatalf("handled %d times after a restart, want 1", n)
	}

	// A day and an hour old: past what the server keeps of event ids, so refused.
	handler, d = start()
	old, oldHdr := feishutest.SealRequest(testKey, feishutest.TextMessageEvent("ev-old", "om_old", testChat, testUser, "list",
		feishutest.WithVerificationToken(testToken)), testNow.Add(-25*time.Hour), "nonce-old")
	if rec := post(t, handler, old, oldHdr); rec.Code < 400 || rec.Code >= 500 {
		t.Fatalf("25 h old: status %d, want 4xx", rec.Code)
	}
	stop(d)
	if n := h.count("ev-old"); n != 0 {
		t.Fatalf("the 25 h old delivery was handled %d times", n)
	}
}
