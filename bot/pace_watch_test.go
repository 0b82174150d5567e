package bot

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// busyPlatform has no room in one chat until a time (as a platform's limiter says), and
// records every call that went out.
type busyPlatform struct {
	clk      *fakeClock
	busyChat string

	mu    sync.Mutex
	until time.Time
	tried int // calls into the busy chat refused
	calls []string
}

func (p *busyPlatform) Name() string { return "feishu" }

func (p *busyPlatform) call(op, chat, body string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if chat == p.busyChat && p.clk.now().Before(p.until) {
		p.tried++
		return &BusyError{RetryAt: p.until}
	}
	p.calls = append(p.calls, op+" "+chat+" "+body)
	return nil
}

func (p *busyPlatform) Send(_ context.Context, chat string, m Outgoing) (CardRef, error) {
	return CardRef{Platform: "feishu", ChatID: chat, MessageID: "om_x"}, p.call("send", chat, string(m.Body))
}

func (p *busyPlatform) Reply(ctx context.Context, ref CardRef, m Outgoing) (CardRef, error) {
	return p.Send(ctx, ref.ChatID, m)
}

func (p *busyPlatform) Update(_ context.Context, ref CardRef, m Outgoing) error {
	return p.call("update", ref.ChatID, string(m.Body))
}

func (p *busyPlatform) of(chat string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, c := range p.calls {
		if strings.Contains(c, " "+chat+" ") {
			out = append(out, c)
		}
	}
	return out
}

// counter reads the value of a counter on reg for one platform.
func counter(t *testing.T, reg *prometheus.Registry, name, platform string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "platform" && l.GetValue() == platform {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// TestBusyChatNoticesWaitWhileOthersGo: the platform has no room in one chat for a minute
// (answers to commands took it). Its notice and its card's redraw wait, not failed, not
// retried before the minute, nothing lost; another chat's go out at once; when the minute is
// over, the busy chat gets its notice and its redraw.
func TestBusyChatNoticesWaitWhileOthersGo(t *testing.T) {
	e := newWatchEnv(t, 1, "oc_busy", "oc_free")
	ctx := context.Background()
	clk := &fakeClock{t: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
	for _, chat := range []string{"oc_busy", "oc_free"} {
		if err := e.st.SaveCard(ctx, store.Card{Platform: "feishu", ChatID: chat, MessageID: "om_card_" + chat,
			Provider: "mem", TicketID: "1000", UpdatedAt: clk.now()}); err != nil {
			t.Fatal(err)
		}
	}
	p := &busyPlatform{clk: clk, busyChat: "oc_busy", until: clk.now().Add(time.Minute)}
	reg := prometheus.NewRegistry()
	m := NewWatchMetrics(reg)
	w := NewWatcher(WatchConfig{ChatInterval: map[string]time.Duration{"feishu": 0}, Now: clk.now}, e.st,
		map[string]providers.Provider{"mem": e.prov}, map[string]Platform{"feishu": p}, textPresenter{}, nil, m, quiet())
	e.prov.set("1000", providers.StatusWaitingOnUs)
	if err := w.Sweep(ctx); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	if err := w.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Deliver took %v: it waited for the busy chat", d)
	}
	free := p.of("oc_free")
	if len(free) != 2 || !strings.HasPrefix(free[0], "send") || !strings.HasPrefix(free[1], "update") {
		t.Fatalf("the free chat got %v, want its notice and its card's redraw", free)
	}
	if got := p.of("oc_busy"); len(got) != 0 || p.tried != 1 {
		t.Fatalf("the busy chat got %v after %d tries, want nothing after one", got, p.tried)
	}
	// Held, not failed: nothing deferred or counted as a failed delivery.
	pending, err := e.st.PendingNotices(ctx, clk.now(), 100)
	if err != nil || len(pending) != 2 {
		t.Fatalf("pending %+v %v, want the busy chat's notice and redraw", pending, err)
	}
	for _, n := range pending {
		if n.ChatID != "oc_busy" || n.Attempts != 0 {
			t.Fatalf("notice %+v", n)
		}
	}
	if f, b := counter(t, reg, "ticketbot_notices_failed_total", "feishu"), counter(t, reg, "ticketbot_notices_busy_total", "feishu"); f != 0 || b != 1 {
		t.Fatalf("failed %v busy %v, want 0 and 1", f, b)
	}

	// Within the minute the busy chat is not tried again.
	clk.add(30 * time.Second)
	if err := w.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if p.tried != 1 || len(p.of("oc_busy")) != 0 {
		t.Fatalf("tried %d times, sent %v", p.tried, p.of("oc_busy"))
	}
	// Once it has room: the notice, then the redraw, each once.
	clk.add(30 * time.Second)
	if err := w.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	got := p.of("oc_busy")
	if len(got) != 2 || !strings.HasPrefix(got[0], "send") || !strings.Contains(got[0], "mem:1000=waiting_on_us") || !strings.HasPrefix(got[1], "update") {
		t.Fatalf("the busy chat got %v", got)
	}
	if err := w.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(p.of("oc_busy")) + len(p.of("oc_free")); n != 4 {
		t.Fatalf("%d calls in all, want 4 (nothing twice)", n)
	}
}
