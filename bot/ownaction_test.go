package bot

import (
	"context"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// claimingProvider claims the ticket while the watcher asks the vendor about it: the bot's
// own close landing between the watcher's read of the store and its reading of the vendor.
type claimingProvider struct {
	*memProvider
	st *store.SQL
}

func (p claimingProvider) Get(ctx context.Context, id string) (providers.Ticket, error) {
	st, _ := p.st.Ticket(ctx, "mem", id)
	if _, _, err := p.st.ClaimTicket(ctx, "mem", id, st.Version, store.Claim{By: "张三", Op: "close", At: time.Now()}); err != nil {
		return providers.Ticket{}, err
	}
	p.memProvider.set(id, providers.StatusClosed) // the vendor took the bot's close
	return p.memProvider.Get(ctx, id)
}

// The bot's own close is never announced, however the watcher's sweep and the close
// interleave: a claim taken after the sweep read the store makes the change lose; a claim
// still open when the sweep reads holds the ticket off; once settled, the bot's own state is
// what the sweep finds.
func TestOwnCloseIsNeverAnnounced(t *testing.T) {
	ctx := context.Background()

	// 1. The claim lands while the vendor is asked.
	e := newWatchEnv(t, 1, "oc_1")
	w := e.watcher(claimingProvider{memProvider: e.prov, st: e.st}, nil, nil)
	if err := w.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if p, _ := e.st.PendingNotices(ctx, time.Now().Add(time.Hour), 10); len(p) != 0 {
		t.Fatalf("the bot's own close raced into a notice: %+v", p)
	}

	// 2. The claim is open (the close is at the vendor, or queued) when the sweep reads.
	e = newWatchEnv(t, 1, "oc_1")
	st, _ := e.st.Ticket(ctx, "mem", "1000")
	if _, won, err := e.st.ClaimTicket(ctx, "mem", "1000", st.Version, store.Claim{By: "张三", Op: "close", At: time.Now()}); !won || err != nil {
		t.Fatal(won, err)
	}
	e.prov.set("1000", providers.StatusClosed)
	w = e.watcher(e.prov, nil, nil)
	if err := w.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if p, _ := e.st.PendingNotices(ctx, time.Now().Add(time.Hour), 10); len(p) != 0 {
		t.Fatalf("a change under an open claim was announced: %+v", p)
	}
	// A claim left by a process that died stops holding the ticket off after ClaimStale.
	w.now = func() time.Time { return time.Now().Add(store.ClaimStale + time.Minute) }
	if err := w.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if p, _ := e.st.PendingNotices(ctx, time.Now().Add(time.Hour), 10); len(p) != 1 {
		t.Fatalf("after a stale claim: %d notices, want the change announced once", len(p))
	}
}
