package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// memProvider is an in-memory vendor; batch makes it a BatchGetter.
type memProvider struct {
	mu      sync.Mutex
	tickets map[string]providers.Ticket
	gets    int
	batches int
}

func (p *memProvider) Name() string                         { return "mem" }
func (p *memProvider) Capabilities() providers.Capabilities { return providers.Capabilities{} }
func (p *memProvider) Create(context.Context, providers.CreateRequest) (providers.Ticket, error) {
	return providers.Ticket{}, providers.ErrUnsupported
}
func (p *memProvider) Reply(context.Context, string, providers.Reply) error        { return nil }
func (p *memProvider) Close(context.Context, string, providers.CloseRequest) error { return nil }
func (p *memProvider) Notes(context.Context, string) ([]providers.Note, error)     { return nil, nil }
func (p *memProvider) Get(_ context.Context, id string) (providers.Ticket, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gets++
	t, ok := p.tickets[id]
	if !ok {
		return t, providers.ErrNotFound
	}
	return t, nil
}
func (p *memProvider) set(id string, s providers.Status) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.tickets[id]
	t.Status = s
	p.tickets[id] = t
}

// batchProvider adds GetMany.
type batchProvider struct{ *memProvider }

func (p batchProvider) GetMany(_ context.Context, ids []string) ([]providers.Ticket, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.batches++
	out := make([]providers.Ticket, 0, len(ids))
	for _, id := range ids {
		if t, ok := p.tickets[id]; ok {
			out = append(out, t)
		}
	}
	return out, nil
}

// textPresenter renders notices as the list of ticket refs they carry.
type textPresenter struct{}

func (textPresenter) TicketCard(_ context.Context, _, _ string, t providers.Ticket) (Outgoing, error) {
	return Outgoing{Kind: KindCard, Body: []byte(`{"card":"` + t.Ref() + `"}`)}, nil
}
func (textPresenter) Notices(_ context.Context, _, _ string, ns []NoticeView) (Outgoing, error) {
	var refs []string
	for _, n := range ns {
		refs = append(refs, n.Ticket.Ref()+"="+string(n.To))
	}
	return Outgoing{Kind: KindText, Body: []byte(strings.Join(refs, ","))}, nil
}
func (textPresenter) Summary(context.Context, string, string) (*Outgoing, error) {
	return &Outgoing{Kind: KindText, Body: []byte("summary")}, nil
}
func (textPresenter) Report(_ context.Context, _, _ string, until time.Time) (*Outgoing, error) {
	return &Outgoing{Kind: KindText, Body: []byte("report until " + until.Format(time.RFC3339))}, nil
}
func (textPresenter) Reminder(_ context.Context, _, _ string, r ReminderView) (Outgoing, error) {
	body := fmt.Sprintf("remind %s #%d %s @%s", r.Ticket.Ref(), r.N, r.Ticket.Status, r.Mention)
	if r.Escalated {
		body += fmt.Sprintf(" escalated after %s to %v", r.EscalateAfter, r.Admins)
	}
	if r.FromChat != "" {
		body += " from " + r.FromPlatform + "/" + r.FromChat
	}
	return Outgoing{Kind: KindText, Body: []byte(body)}, nil
}

// sinkPlatform records sends.
type sinkPlatform struct {
	mu   sync.Mutex
	sent []string
}

func (p *sinkPlatform) Name() string { return "feishu" }
func (p *sinkPlatform) Send(_ context.Context, chat string, m Outgoing) (CardRef, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, chat+":"+string(m.Body))
	return CardRef{}, nil
}
func (p *sinkPlatform) Reply(ctx context.Context, ref CardRef, m Outgoing) (CardRef, error) {
	return p.Send(ctx, ref.ChatID, m)
}
func (p *sinkPlatform) Update(context.Context, CardRef, Outgoing) error { return nil }
func (p *sinkPlatform) all() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.sent...)
}

type watchEnv struct {
	st   *store.SQL
	prov *memProvider
	plat *sinkPlatform
}

func newWatchEnv(t testing.TB, n int, chats ...string) *watchEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p := &memProvider{tickets: map[string]providers.Ticket{}}
	now := time.Now()
	for i := range n {
		id := fmt.Sprint(1000 + i)
		tk := providers.Ticket{Provider: "mem", ID: id, Status: providers.StatusInProgress}
		p.tickets[id] = tk
		snap, _ := json.Marshal(tk)
		if err := st.SaveTicket(ctx, store.TicketState{Provider: "mem", TicketID: id, Status: string(tk.Status), Snapshot: snap, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		for _, c := range chats {
			if err := st.Follow(ctx, store.Follow{Platform: "feishu", ChatID: c, Provider: "mem", TicketID: id, By: "feishu:ou_1", CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return &watchEnv{st: st, prov: p, plat: &sinkPlatform{}}
}

func (e *watchEnv) watcher(prov providers.Provider, policy func(string, string) ChatPolicy, now func() time.Time) *Watcher {
	w := NewWatcher(WatchConfig{ChatInterval: map[string]time.Duration{"feishu": 0}}, e.st,
		map[string]providers.Provider{"mem": prov}, map[string]Platform{"feishu": e.plat}, textPresenter{}, policy, nil, quiet())
	if now != nil {
		w.now = now
	}
	return w
}

func TestUnfollowedTicketsAreNotPolledAndClosedOnesLess(t *testing.T) {
	e := newWatchEnv(t, 3, "oc_1")
	ctx := context.Background()
	if _, err := e.st.Unfollow(ctx, "feishu", "oc_1", "mem", "1002"); err != nil {
		t.Fatal(err)
	}
	e.prov.set("1001", providers.StatusClosed)
	w := e.watcher(e.prov, nil, nil)
	if err := w.Sweep(ctx); err != nil { // sees 1001 close
		t.Fatal(err)
	}
	if e.prov.gets != 2 {
		t.Fatalf("first sweep read %d tickets, want 2 (1002 is followed by no chat)", e.prov.gets)
	}
	e.prov.gets = 0
	for range 9 {
		if err := w.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// Sweeps 2..10: the open one every time, the closed one not until sweep 11.
	if e.prov.gets != 9 {
		t.Fatalf("nine sweeps read %d tickets, want 9", e.prov.gets)
	}
	if err := w.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if e.prov.gets != 11 {
		t.Fatalf("sweep 11 should read the closed ticket again: %d reads", e.prov.gets)
	}
}

func TestQuietHoursHoldNoticesThenOneDigest(t *testing.T) {
	e := newWatchEnv(t, 3, "oc_1")
	ctx := context.Background()
	clock := time.Date(2026, 11, 21, 23, 0, 0, 0, time.FixedZone("CST", 8*3600))
	now := func() time.Time { return clock }
	policy := func(string, string) ChatPolicy {
		return ChatPolicy{Quiet: &Window{From: 22 * time.Hour, To: 8 * time.Hour}}
	}
	w := e.watcher(e.prov, policy, now)
	for _, id := range []string{"1000", "1001", "1002"} {
		e.prov.set(id, providers.StatusWaitingOnUs)
	}
	if err := w.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.plat.all(); len(got) != 0 {
		t.Fatalf("sent during quiet hours: %v", got)
	}
	clock = time.Date(2026, 11, 22, 8, 1, 0, 0, time.FixedZone("CST", 8*3600))
	if err := w.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	got := e.plat.all()
	if len(got) != 1 || strings.Count(got[0], "waiting_on_us") != 3 {
		t.Fatalf("want one digest of 3 notices after quiet hours, got %v", got)
	}
}

func TestChatFiltersAndDailySummaryOnceAcrossRestarts(t *testing.T) {
	e := newWatchEnv(t, 2, "oc_filtered", "oc_all")
	ctx := context.Background()
	clock := time.Date(2026, 11, 21, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))
	now := func() time.Time { return clock }
	policy := func(_, chat string) ChatPolicy {
		if chat == "oc_filtered" {
			return ChatPolicy{Notify: map[string]bool{"closed": true}, Summary: "09:30"}
		}
		return ChatPolicy{}
	}
	e.prov.set("1000", providers.StatusWaitingOnUs)
	e.prov.set("1001", providers.StatusClosed)
	w := e.watcher(e.prov, policy, now)
	if err := w.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	w.summaries(ctx)
	// A restarted process at the same minute must not post the summary again.
	e.watcher(e.prov, policy, now).summaries(ctx)
	if err := w.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	e.watcher(e.prov, policy, now).summaries(ctx)
	if err := w.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	var filtered, all, summaries int
	for _, s := range e.plat.all() {
		switch {
		case strings.HasPrefix(s, "oc_filtered:summary"):
			summaries++
		case strings.HasPrefix(s, "oc_filtered:"):
			filtered++
			if strings.Contains(s, "waiting_on_us") {
				t.Errorf("filtered chat got a status it did not ask for: %s", s)
			}
		case strings.HasPrefix(s, "oc_all:"):
			all++
		}
	}
	if filtered != 1 || all != 1 || summaries != 1 {
		t.Fatalf("filtered %d, all %d, summaries %d; want 1, 1, 1: %v", filtered, all, summaries, e.plat.all())
	}
}

// BenchmarkSweep10k is one sweep over 10,000 followed tickets: vendor calls per sweep (the
// batching minimum: 100 for a vendor that reads 100 ids at once), time and memory per ticket.
func BenchmarkSweep10k(b *testing.B) {
	const n = 10000
	e := newWatchEnv(b, n, "oc_1")
	for _, mode := range []string{"batch", "single"} {
		b.Run(mode, func(b *testing.B) {
			var prov providers.Provider = e.prov
			if mode == "batch" {
				prov = batchProvider{e.prov}
			}
			w := e.watcher(prov, nil, nil)
			ctx := context.Background()
			e.prov.gets, e.prov.batches = 0, 0
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := w.Sweep(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			sweeps := float64(b.N)
			calls := float64(e.prov.gets)
			if mode == "batch" {
				calls = float64(e.prov.batches)
			}
			b.ReportMetric(calls/sweeps, "vendor-calls/sweep")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/sweeps/n, "ns/ticket")
		})
	}
}

func TestPushedTicketGoesThroughTheSameDetection(t *testing.T) {
	e := newWatchEnv(t, 1, "oc_1")
	ctx := context.Background()
	w := e.watcher(e.prov, nil, nil)
	pushed := providers.Ticket{Provider: "mem", ID: "1000", Status: providers.StatusClosed}
	for range 2 { // a push delivered twice announces once
		if err := w.Observe(ctx, pushed); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Observe(ctx, providers.Ticket{Provider: "mem", ID: "nobody-follows", Status: providers.StatusClosed}); err != nil {
		t.Fatal(err)
	}
	if err := w.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.plat.all(); len(got) != 1 || got[0] != "oc_1:mem:1000=closed" {
		t.Fatalf("sent %v", got)
	}
	if e.prov.gets != 0 {
		t.Fatalf("a push should not poll the vendor (%d reads)", e.prov.gets)
	}
}

// listingProvider narrows sweeps (providers.ChangeFinder): it says which tickets may have
// changed, or fails.
type listingProvider struct {
	*memProvider
	changed []string
	err     error
	seen    []providers.Seen
}

func (p *listingProvider) MayHaveChanged(_ context.Context, seen []providers.Seen) ([]string, error) {
	p.seen = seen
	return p.changed, p.err
}

// A vendor whose list tells which followed tickets changed is read only for those; when its
// list fails, every ticket is read, as without it.
func TestSweepReadsOnlyWhatTheListSaysChanged(t *testing.T) {
	e := newWatchEnv(t, 10, "oc_1")
	ctx := context.Background()
	e.prov.set("1003", providers.StatusClosed)
	lp := &listingProvider{memProvider: e.prov, changed: []string{"1003"}}
	if !providers.Can(lp).FindChanged {
		t.Fatal("a ChangeFinder is not seen as one")
	}
	w := e.watcher(lp, nil, nil)
	if err := w.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if e.prov.gets != 1 {
		t.Fatalf("read %d tickets, want only the one the list named", e.prov.gets)
	}
	if len(lp.seen) != 10 || lp.seen[0].ID != "1000" || lp.seen[0].Status != providers.StatusInProgress {
		t.Fatalf("the list was asked about %+v", lp.seen)
	}
	if err := w.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.plat.all(); len(got) != 1 || got[0] != "oc_1:mem:1003=closed" {
		t.Fatalf("sent %v", got)
	}
	e.prov.gets = 0
	lp.err = errors.New("list: 502")
	if err := w.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if e.prov.gets != 9 { // the closed one waits for its slower turn
		t.Fatalf("after a failed list read %d tickets, want all 9 open ones", e.prov.gets)
	}
}

// seenOf takes the vendor's times from the stored snapshot.
func TestSeenOf(t *testing.T) {
	created, updated := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), time.Date(2026, 12, 6, 9, 30, 0, 0, time.UTC)
	snap, _ := json.Marshal(providers.Ticket{ID: "7", CreatedAt: created, UpdatedAt: updated})
	s := seenOf(store.TicketState{TicketID: "7", Status: "closed", RawStatus: "3", Snapshot: snap})
	if s != (providers.Seen{ID: "7", Status: providers.StatusClosed, RawStatus: "3", CreatedAt: created, UpdatedAt: updated}) {
		t.Errorf("seenOf = %+v", s)
	}
	if s := seenOf(store.TicketState{TicketID: "8"}); !s.CreatedAt.IsZero() || s.ID != "8" {
		t.Errorf("seenOf without a snapshot = %+v", s)
	}
}
