package bot

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// listProvider is a memProvider whose list a subscription can use: tickets created from a
// time (counted in seconds, as a vendor would), narrowed by state and customer, newest first,
// in pages of size; it counts its list calls.
type listProvider struct {
	*memProvider
	size  int
	lists int
	// undated lists entries without their creation time, as a list that does not show it;
	// from is the window last asked for.
	undated bool
	from    time.Time
}

func (p *listProvider) ListFilters() []providers.ListFilter {
	return []providers.ListFilter{
		{Key: providers.FilterStatus, Names: []string{"状态", "status"}, Statuses: []providers.Status{providers.StatusWaitingOnUs}},
		{Key: "customer", Names: []string{"客户", "customer"}},
	}
}

func (p *listProvider) ListPageSize() int { return p.size }

func (p *listProvider) ListTickets(_ context.Context, q providers.ListQuery) ([]providers.Ticket, int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lists++
	p.from = q.CreatedFrom
	if q.Size > p.size || q.Page < 1 {
		return nil, 0, fmt.Errorf("page %d of %d: out of bounds", q.Page, q.Size)
	}
	from := q.CreatedFrom.Truncate(time.Second)
	var match []providers.Ticket
	for _, t := range p.tickets {
		switch {
		case !q.CreatedFrom.IsZero() && t.CreatedAt.Before(from):
		case len(q.Statuses) > 0 && !slices.Contains(q.Statuses, t.Status):
		case q.Filters["customer"] != "" && t.Customer != q.Filters["customer"]:
		default:
			t.LatestNote = nil // a list entry carries no notes
			if p.undated {
				t.CreatedAt = time.Time{}
			}
			match = append(match, t)
		}
	}
	sort.Slice(match, func(i, j int) bool {
		if !match[i].CreatedAt.Equal(match[j].CreatedAt) {
			return match[i].CreatedAt.After(match[j].CreatedAt)
		}
		return match[i].ID > match[j].ID
	})
	lo := min((q.Page-1)*q.Size, len(match))
	return match[lo:min(lo+q.Size, len(match))], int64(len(match)), nil
}

func (p *listProvider) add(t providers.Ticket) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t.Provider = "mem"
	p.tickets[t.ID] = t
}

func (p *listProvider) calls() (lists, gets int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lists, p.gets
}

// subEnv is a store, a listing vendor with tickets opened before the subscription, and a
// watcher on a clock the test moves.
type subEnv struct {
	st    *store.SQL
	path  string
	prov  *listProvider
	plat  *sinkPlatform
	clock *fakeClock
	t0    time.Time
}

func newSubEnv(t testing.TB, size int) *subEnv {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.db")
	st, err := store.OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	e := &subEnv{st: st, path: path, prov: &listProvider{memProvider: &memProvider{tickets: map[string]providers.Ticket{}}, size: size},
		plat: &sinkPlatform{}, clock: &fakeClock{t: t0}, t0: t0}
	e.prov.add(providers.Ticket{ID: "old", Title: "上周的", Status: providers.StatusInProgress, CreatedAt: t0.Add(-72 * time.Hour)})
	return e
}

func (e *subEnv) watcher() *Watcher {
	w := NewWatcher(WatchConfig{ChatInterval: map[string]time.Duration{"feishu": 0}, Now: e.clock.now}, e.st,
		map[string]providers.Provider{"mem": e.prov}, map[string]Platform{"feishu": e.plat}, notePresenter{}, nil, nil, quiet())
	return w
}

func (e *subEnv) subscribe(t testing.TB, sub store.Subscription) store.Subscription {
	t.Helper()
	sub.Platform, sub.Provider, sub.By = "feishu", "mem", "feishu:ou_1"
	sub.CreatedAt, sub.Cursor = e.clock.now(), e.clock.now()
	got, _, err := e.st.Subscribe(context.Background(), sub)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// sweep runs one sweep and delivery, and returns what the chat was sent by it.
func (e *subEnv) sweep(t testing.TB, w *Watcher) []string {
	t.Helper()
	before := len(e.plat.all())
	ctx := context.Background()
	if err := w.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	return e.plat.all()[before:]
}

// A ticket opened at the vendor after the subscription (in its console, by anyone) is
// followed and posted in the next sweep, once: not again in later sweeps, nor by another
// watcher on the same store after a restart. Tickets opened before it, and tickets of another
// customer, are not; the cursor moves to the newest ticket read.
func TestSubscriptionFindsNewTicketsOnce(t *testing.T) {
	e := newSubEnv(t, 100)
	sub := e.subscribe(t, store.Subscription{ChatID: "oc_1", Filters: map[string]string{"customer": "金山"}})
	w := e.watcher()
	if got := e.sweep(t, w); len(got) != 0 {
		t.Fatalf("nothing new yet, but the chat got %q", got)
	}
	e.clock.add(time.Minute)
	e.prov.add(providers.Ticket{ID: "1204", Title: "磁盘告警", Customer: "金山", Status: providers.StatusOpen, CreatedAt: e.clock.now()})
	e.prov.add(providers.Ticket{ID: "1205", Title: "别家的", Customer: "别家", Status: providers.StatusOpen, CreatedAt: e.clock.now()})
	got := e.sweep(t, w)
	if len(got) != 1 || !strings.Contains(got[0], "mem:1204 new") {
		t.Fatalf("the sweep after the ticket was opened sent %q, want one notice of mem:1204", got)
	}
	fs, _ := e.st.Followers(context.Background(), "mem", "1204")
	if len(fs) != 1 || fs[0].ChatID != "oc_1" || fs[0].By != SubscriptionBy(sub.N) {
		t.Fatalf("followers of 1204 = %+v", fs)
	}
	for _, id := range []string{"old", "1205"} {
		if fs, _ := e.st.Followers(context.Background(), "mem", id); len(fs) != 0 {
			t.Errorf("%s is followed: %+v", id, fs)
		}
	}
	subs, _ := e.st.Subscriptions(context.Background(), "feishu", "oc_1")
	if want := e.clock.now(); !subs[0].Cursor.Equal(want) {
		t.Errorf("cursor = %v, want the newest ticket's creation %v", subs[0].Cursor, want)
	}
	e.clock.add(time.Minute)
	if got := e.sweep(t, w); len(got) != 0 {
		t.Fatalf("a later sweep sent %q again", got)
	}
	restarted := e.watcher()
	if got := e.sweep(t, restarted); len(got) != 0 {
		t.Fatalf("after a restart the chat got %q again", got)
	}
}

// A list whose entries show no creation time (the vendor applies the window itself): the
// ticket is found once, and the cursor moves to when the sweep began, by our clock, so the
// next sweep asks from then (less the skew) rather than from the subscription's start.
func TestSubscriptionListWithoutCreationTimes(t *testing.T) {
	e := newSubEnv(t, 100)
	e.prov.undated = true
	e.subscribe(t, store.Subscription{ChatID: "oc_1"})
	w := e.watcher()
	e.clock.add(time.Minute)
	e.prov.add(providers.Ticket{ID: "1204", Title: "磁盘告警", Status: providers.StatusOpen, CreatedAt: e.clock.now()})
	e.clock.add(time.Minute)
	began := e.clock.now()
	if got := e.sweep(t, w); len(got) != 1 || !strings.Contains(got[0], "mem:1204 new") {
		t.Fatalf("sent %q", got)
	}
	e.clock.add(10 * time.Minute)
	if got := e.sweep(t, w); len(got) != 0 {
		t.Fatalf("sent %q again", got)
	}
	e.prov.mu.Lock()
	from := e.prov.from
	e.prov.mu.Unlock()
	if want := began.Add(-providers.FindSkew); !from.Equal(want) {
		t.Errorf("the next sweep listed from %v, want %v", from, want)
	}
}

// A crash after a ticket's notice was recorded but before the chat followed it finds the
// ticket again and posts nothing new: the notice is keyed by the chat and the ticket.
func TestSubscriptionCrashBeforeFollowPostsOnce(t *testing.T) {
	e := newSubEnv(t, 100)
	sub := e.subscribe(t, store.Subscription{ChatID: "oc_1"})
	e.clock.add(time.Minute)
	tk := providers.Ticket{ID: "1204", Title: "磁盘告警", Status: providers.StatusOpen, CreatedAt: e.clock.now()}
	e.prov.add(tk)
	w := e.watcher()
	tk.Provider = "mem"
	n := w.notice("feishu", "oc_1", "mem", "1204", NoticeNew, noticePayload{View: NoticeView{Ticket: tk, Kind: NoticeNew, Subscription: sub.N}})
	n.ID = "sub:feishu/oc_1:mem:1204"
	if _, err := e.st.EnqueueNotice(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	got := e.sweep(t, w)
	if len(got) != 1 || !strings.Contains(got[0], "mem:1204 new") {
		t.Fatalf("sent %q, want the one notice of 1204", got)
	}
	if fs, _ := e.st.Followers(context.Background(), "mem", "1204"); len(fs) != 1 {
		t.Fatalf("followers = %+v", fs)
	}
}

// More new tickets than a page: every one is found once, over several pages of one sweep.
func TestSubscriptionPagesThroughTheWindow(t *testing.T) {
	e := newSubEnv(t, 3)
	e.subscribe(t, store.Subscription{ChatID: "oc_1"})
	e.clock.add(time.Minute)
	for i := range 8 {
		e.prov.add(providers.Ticket{ID: fmt.Sprint(2000 + i), Title: "t", Status: providers.StatusOpen, CreatedAt: e.clock.now().Add(time.Duration(i) * time.Second)})
	}
	e.sweep(t, e.watcher())
	for i := range 8 {
		if fs, _ := e.st.Followers(context.Background(), "mem", fmt.Sprint(2000+i)); len(fs) != 1 {
			t.Errorf("ticket %d followed by %d chats", 2000+i, len(fs))
		}
	}
	if lists, _ := e.prov.calls(); lists != 3 {
		t.Errorf("%d list calls for 8 new tickets in pages of 3, want 3", lists)
	}
}

// A subscription with states finds a ticket when it enters them, whenever it was opened; the
// ticket's later changes are announced as any followed ticket's, and its replies from before
// it was found are not announced as new.
func TestSubscriptionByStateFindsTicketsEnteringIt(t *testing.T) {
	e := newSubEnv(t, 100)
	e.subscribe(t, store.Subscription{ChatID: "oc_1", Statuses: []string{string(providers.StatusWaitingOnUs)}})
	w := e.watcher()
	if got := e.sweep(t, w); len(got) != 0 {
		t.Fatalf("no ticket waits on us yet: %q", got)
	}
	e.prov.mu.Lock()
	old := e.prov.tickets["old"]
	old.Status = providers.StatusWaitingOnUs
	old.LatestNote = &providers.Note{ID: "n1", Official: true, Body: "请提供日志"}
	e.prov.tickets["old"] = old
	e.prov.mu.Unlock()
	got := e.sweep(t, w)
	if len(got) != 1 || !strings.Contains(got[0], "mem:old new") {
		t.Fatalf("sent %q, want the notice of the ticket that now waits on us", got)
	}
	if got := e.sweep(t, w); len(got) != 0 {
		t.Fatalf("the first full read of the found ticket announced %q; it should be quiet", got)
	}
	e.prov.set("old", providers.StatusInProgress)
	e.sweep(t, w)
	e.prov.set("old", providers.StatusPendingConfirm)
	if got := e.sweep(t, w); len(got) != 1 || !strings.Contains(got[0], "mem:old resolved_pending_confirm") {
		t.Fatalf("a later change of the found ticket sent %q", got)
	}
}

// A chat on a platform this process does not run is another replica's to serve.
func TestSubscriptionOfAnotherPlatformIsLeft(t *testing.T) {
	e := newSubEnv(t, 100)
	sub := store.Subscription{Platform: "other", ChatID: "c", Provider: "mem", By: "x", CreatedAt: e.t0, Cursor: e.t0}
	if _, _, err := e.st.Subscribe(context.Background(), sub); err != nil {
		t.Fatal(err)
	}
	e.clock.add(time.Minute)
	e.prov.add(providers.Ticket{ID: "1204", Title: "t", Status: providers.StatusOpen, CreatedAt: e.clock.now()})
	e.sweep(t, e.watcher())
	if lists, _ := e.prov.calls(); lists != 0 {
		t.Errorf("%d list calls for a chat of a platform not run here", lists)
	}
}

// BenchmarkSubscriptionSweep is one sweep of a subscription over a vendor account of 10,000
// tickets, of which one is new since the last sweep (steady state): the vendor is asked for
// one page of what was created since the cursor, never for the 10,000. calls/op is the vendor
// calls of one sweep.
func BenchmarkSubscriptionSweep(b *testing.B) {
	e := newSubEnv(b, 100)
	for i := range 10_000 {
		e.prov.add(providers.Ticket{ID: fmt.Sprint(i), Title: "t", Status: providers.StatusInProgress, CreatedAt: e.t0.Add(-time.Duration(i) * time.Minute)})
	}
	e.subscribe(b, store.Subscription{ChatID: "oc_1"})
	w := e.watcher()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		e.clock.add(2 * time.Minute)
		e.prov.add(providers.Ticket{ID: fmt.Sprintf("new%d", i), Title: "t", Status: providers.StatusOpen, CreatedAt: e.clock.now()})
		if err := w.SweepSubscriptions(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	lists, gets := e.prov.calls()
	b.ReportMetric(float64(lists+gets)/float64(b.N), "calls/op")
	if fs, _ := e.st.Followers(ctx, "mem", fmt.Sprintf("new%d", b.N-1)); len(fs) != 1 {
		b.Fatalf("the last new ticket was not followed")
	}
}
