package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/retry"
	"github.com/ticketbot/ticketbot/store"
)

// slowPlatform takes a while over each send, so that two deliveries overlap, and can be told
// to fail every send.
type slowPlatform struct {
	sinkPlatform
	fail bool
}

func (p *slowPlatform) Send(ctx context.Context, chat string, m Outgoing) (CardRef, error) {
	time.Sleep(5 * time.Millisecond)
	if p.fail {
		return CardRef{}, errors.New("feishu: 500 internal error")
	}
	return p.sinkPlatform.Send(ctx, chat, m)
}

func (p *slowPlatform) Reply(ctx context.Context, ref CardRef, m Outgoing) (CardRef, error) {
	return p.Send(ctx, ref.ChatID, m)
}

// owe records one status notice for each chat.
func owe(t *testing.T, st *store.SQL, at time.Time, chats ...string) {
	t.Helper()
	for i, chat := range chats {
		tk := providers.Ticket{Provider: "mem", ID: fmt.Sprint(2000 + i), Status: providers.StatusWaitingOnUs}
		payload, _ := json.Marshal(noticePayload{View: NoticeView{Ticket: tk, Kind: "status", To: tk.Status}})
		n := store.Notice{ID: "n-" + chat, Platform: "feishu", ChatID: chat, Provider: "mem", TicketID: tk.ID,
			Kind: "status", Payload: payload, CreatedAt: at}
		if fresh, err := st.EnqueueNotice(context.Background(), n); err != nil || !fresh {
			t.Fatalf("enqueue %s: %v %v", n.ID, fresh, err)
		}
	}
}

func leaseWatcher(e *watchEnv, p Platform, now func() time.Time) *Watcher {
	w := NewWatcher(WatchConfig{ChatInterval: map[string]time.Duration{"feishu": 0}, AppInterval: map[string]time.Duration{},
		Retry: retry.Policy{Base: time.Second, Max: time.Minute, GiveUpAfter: time.Hour, Lease: time.Minute, Every: time.Second}},
		e.st, map[string]providers.Provider{"mem": e.prov}, map[string]Platform{"feishu": p}, textPresenter{}, nil, nil, quiet())
	w.now = now
	return w
}

// Two replicas delivering from one store at once post each notice once between them: a
// notice is leased to one of them before it is posted.
func TestTwoReplicasPostEachNoticeOnce(t *testing.T) {
	e := newWatchEnv(t, 0)
	now := time.Now()
	var chats []string
	for i := range 20 {
		chats = append(chats, fmt.Sprintf("oc_%02d", i))
	}
	owe(t, e.st, now, chats...)
	a, b := &slowPlatform{}, &slowPlatform{}
	wa, wb := leaseWatcher(e, a, time.Now), leaseWatcher(e, b, time.Now)
	var wg sync.WaitGroup
	for _, w := range []*Watcher{wa, wb} {
		wg.Go(func() {
			if err := w.Deliver(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got := append(a.all(), b.all()...)
	sort.Strings(got)
	if len(got) != len(chats) {
		t.Fatalf("%d messages for %d notices (replica a %d, b %d): %v", len(got), len(chats), len(a.all()), len(b.all()), got)
	}
	for i, m := range got {
		if want := fmt.Sprintf("%s:mem:%d=waiting_on_us", chats[i], 2000+i); m != want {
			t.Errorf("message %d = %q, want %q", i, m, want)
		}
	}
	if p, _ := e.st.PendingNotices(context.Background(), now.Add(time.Hour), 100); len(p) != 0 {
		t.Fatalf("still pending: %d", len(p))
	}
}

// A notice the chat could not take is retried with the policy's backoff, and once past the
// policy's give-up time it is given up: kept with its error, counted, never posted later.
func TestNoticeGivenUpAfterItsTime(t *testing.T) {
	ctx := context.Background()
	e := newWatchEnv(t, 0)
	clk := &fakeClock{}
	clk.set(time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC))
	owe(t, e.st, clk.now(), "oc_1")
	p := &slowPlatform{fail: true}
	w := leaseWatcher(e, p, clk.now)
	if err := w.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	pending, _ := e.st.PendingNotices(ctx, clk.now().Add(time.Second), 10)
	if len(pending) != 1 || pending[0].Attempts != 1 {
		t.Fatalf("after a failed send, due again within the first backoff (1 s): %+v", pending)
	}
	clk.add(2 * time.Hour)
	p.fail = false
	if err := w.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if sent := p.all(); len(sent) != 0 {
		t.Fatalf("a notice past its time was posted: %v", sent)
	}
	if pending, _ := e.st.PendingNotices(ctx, clk.now().Add(24*time.Hour), 10); len(pending) != 0 {
		t.Fatalf("a given-up notice is still pending: %+v", pending)
	}
	if n := testutil.ToFloat64(w.metrics.givenUp); n != 1 {
		t.Fatalf("given up counted %v, want 1", n)
	}
}
