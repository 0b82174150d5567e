package tickets

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

func openBook(t *testing.T, now time.Time) (*Book, *store.SQL) {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(st, func() time.Time { return now }), st
}

// The bot's own action becomes the watched state (so the watcher stays quiet about it);
// anything else it reads only refreshes the snapshot, so the watcher still announces a change
// someone happened to see first. The last vendor note stays the watcher's; the creator stays.
func TestRememberOwnAndObserved(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	b, _ := openBook(t, now)
	tk := providers.Ticket{Provider: "acme", ID: "7", Title: "磁盘满", Status: providers.StatusOpen, RawStatus: "1"}
	if err := b.Remember(ctx, tk, "feishu:ou_a", true); err != nil {
		t.Fatal(err)
	}
	seen := tk
	seen.Status, seen.RawStatus, seen.Title = providers.StatusWaitingOnUs, "3", "磁盘满了"
	seen.LatestNote = &providers.Note{ID: "n1", Body: "请补充日志"}
	if err := b.Remember(ctx, seen, "", false); err != nil {
		t.Fatal(err)
	}
	st, err := b.State(ctx, "acme", "7")
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != string(providers.StatusOpen) || st.RawStatus != "1" || st.LastNoteID != "" || st.CreatorUserID != "feishu:ou_a" {
		t.Fatalf("a read changed the watched state: %+v", st)
	}
	if last, ok := b.Last(ctx, "acme", "7"); !ok || last.Title != "磁盘满了" || last.Status != providers.StatusWaitingOnUs {
		t.Fatalf("the snapshot was not refreshed: %+v %v", last, ok)
	}
	closed := seen
	closed.Status, closed.RawStatus = providers.StatusClosed, "9"
	if err := b.Remember(ctx, closed, "", true); err != nil {
		t.Fatal(err)
	}
	if st, _ := b.State(ctx, "acme", "7"); st.Status != string(providers.StatusClosed) || st.CreatorUserID != "feishu:ou_a" || st.LastNoteID != "" {
		t.Fatalf("the bot's own close is not the watched state: %+v", st)
	}
	if _, ok := b.Last(ctx, "acme", "8"); ok {
		t.Fatal("a ticket never stored was found")
	}
}

// The watcher's change is a compare-and-set from what it read: a claim taken in between (the
// bot's own click) makes it record nothing; while the claim is open the watcher holds off.
func TestObservedAdvanceLosesToAClaim(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	b, _ := openBook(t, now)
	tk := providers.Ticket{Provider: "acme", ID: "7", Status: providers.StatusOpen, RawStatus: "1"}
	if err := b.Remember(ctx, tk, "", true); err != nil {
		t.Fatal(err)
	}
	prev, _ := b.State(ctx, "acme", "7")
	shown := tk
	shown.Status, shown.LatestNote = providers.StatusWaitingOnUs, &providers.Note{ID: "n2"}
	next := b.Observed(prev, shown)
	if next.Status != string(providers.StatusWaitingOnUs) || next.LastNoteID != "n2" || !next.UpdatedAt.Equal(now) {
		t.Fatalf("observed state %+v", next)
	}
	if got, ok := Decode(next); !ok || got.Status != providers.StatusWaitingOnUs {
		t.Fatalf("observed snapshot %+v %v", got, ok)
	}
	claimed, ok, err := b.Claim(ctx, "acme", "7", prev.Version, store.Claim{By: "张三", Op: "close", At: now})
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if !ActionOpen(claimed, now) || ActionOpen(claimed, now.Add(store.ClaimStale)) {
		t.Fatalf("claim open: %v now, %v after ClaimStale", ActionOpen(claimed, now), ActionOpen(claimed, now.Add(store.ClaimStale)))
	}
	if ok, err := b.Advance(ctx, prev, next, nil); err != nil || ok {
		t.Fatalf("the watcher's stale read advanced the ticket: %v %v", ok, err)
	}
	if err := b.Settle(ctx, "acme", "7", claimed.Version, store.ClaimDone); err != nil {
		t.Fatal(err)
	}
	if st, _ := b.State(ctx, "acme", "7"); ActionOpen(st, now) {
		t.Fatalf("a settled claim is still open: %+v", st)
	}
}

func TestDecodeWithoutSnapshot(t *testing.T) {
	if _, ok := Decode(store.TicketState{}); ok {
		t.Error("an empty snapshot decoded")
	}
	if _, ok := Decode(store.TicketState{Snapshot: []byte("{")}); ok {
		t.Error("a broken snapshot decoded")
	}
}
