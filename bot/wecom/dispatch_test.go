package wecom

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
)

// memDeduper is an in-memory bot.Deduper.
type memDeduper struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (d *memDeduper) MarkProcessed(_ context.Context, key string, _ time.Time) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen[key] {
		return false, nil
	}
	d.seen[key] = true
	return true, nil
}

// echoHandler answers each message by replying with its text and each click with the card.
type echoHandler struct{ p *WeCom }

func (h echoHandler) HandleMessage(ctx context.Context, m bot.Message) {
	ref := bot.CardRef{Platform: m.Platform, ChatID: m.ChatID, MessageID: m.MessageID}
	_, _ = h.p.Reply(ctx, ref, bot.Outgoing{Kind: bot.KindText, Body: []byte("收到：" + m.Text)})
}

func (h echoHandler) HandleAction(context.Context, bot.Action) bot.ActionResult {
	return bot.ActionResult{Toast: bot.Toast{Type: "success", Text: "ok"}, Card: []byte(testCard)}
}

// TestWithDispatcher runs the HTTP callback through the real dispatcher: the message is
// acknowledged at once, answered later through its response_url, and a redelivery is
// dropped; a click is answered in the passive reply.
func TestWithDispatcher(t *testing.T) {
	s := newSetup(t, nil)
	d := bot.NewDispatcher(bot.DispatcherConfig{}, echoHandler{s.bot}, &memDeduper{seen: map[string]bool{}},
		map[string]bot.Platform{Platform: s.bot}, nil, slog.New(slog.DiscardHandler))
	s.bot.sink = d
	d.Start()
	defer func() { _ = d.Shutdown(context.Background()) }()

	ctx := context.Background()
	p := wecomtest.TextMessage("m1", testChat, testUser, "list", wecomtest.WithResponseURL(s.fake.ResponseURL(testChat)))
	for range 2 { // WeCom delivering it twice
		if r, err := s.fake.PostCallback(ctx, s.callbackURL(), p); err != nil || r.Status != 200 || len(r.Body) != 0 {
			t.Fatalf("%d %q %v", r.Status, r.Body, err)
		}
	}
	sent, ok := s.fake.WaitFor(wsWait, func(x []wecomtest.Sent) bool { return len(x) >= 1 })
	if !ok || sent[0].Channel != "response_url" || sent[0].Content() != "收到：list" {
		t.Fatalf("sent %+v", sent)
	}
	r, err := s.fake.PostClick(ctx, s.callbackURL(), "c1", testChat, testUser, "tb-1", "show ksyun:1204")
	if err != nil || r.Plain == nil {
		t.Fatalf("%d %q %v", r.Status, r.Body, err)
	}
	if typ, card := openUpdate(t, r.Plain); typ != "update_template_card" || card["task_id"] != "tb-1" {
		t.Fatalf("%s", r.Plain)
	}
	if err := d.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(s.fake.Sent()); n != 1 {
		t.Fatalf("the redelivered message was answered again: %d sends", n)
	}
}
