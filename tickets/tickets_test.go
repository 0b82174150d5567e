package tickets

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
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

// timeline renders the ticket's timeline as "kind status @minutes after start" ("@?" for a
// time not known).
func timeline(t *testing.T, st *store.SQL, provider, id string, start time.Time) []string {
	t.Helper()
	evs, err := st.TimelineIn(context.Background(), "", "", start.Add(1000*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		if e.Provider != provider || e.TicketID != id {
			continue
		}
		when := "@?"
		if !e.At.IsZero() {
			when = fmt.Sprintf("@%d", int(e.At.Sub(start)/time.Minute))
		}
		out = append(out, strings.TrimSpace(e.Kind+" "+e.Status)+" "+when)
	}
	return out
}

// The book records in the ticket's timeline what it learns, when it learns it: the first
// time it stores a ticket (with a reply of unknown time if it shows a conversation
// already), the bot's own changes at once, the watcher's changes timed by the vendor's
// update time when that falls since the bot last stored the ticket and not in the future
// (else when seen), the vendor staff's first note at its own time, and each new note of ours
// (our side answered) at its own time, as the bot's own reply is. A read that refreshes only
// the snapshot and a change the watcher loses record nothing; an answer to a ticket never
// stored is no error.
func TestTimelineRecordsWhatTheBookLearns(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	clock := start
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b := New(st, func() time.Time { return clock })
	mins := func(n int) time.Time { return start.Add(time.Duration(n) * time.Minute) }
	observe := func(tk providers.Ticket) {
		t.Helper()
		prev, err := b.State(ctx, tk.Provider, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := b.Advance(ctx, prev, b.Observed(prev, tk), nil); err != nil || !ok {
			t.Fatalf("advance: %v %v", ok, err)
		}
	}

	// Created by the bot: seen open, no conversation.
	tk := providers.Ticket{Provider: "acme", ID: "1", Status: providers.StatusOpen, CreatedAt: start}
	if err := b.Remember(ctx, tk, "feishu:ou_a", true); err != nil {
		t.Fatal(err)
	}
	// Someone's 刷新 at 0:10 sees it in progress: the snapshot only.
	clock = mins(10)
	seen := tk
	seen.Status = providers.StatusInProgress
	if err := b.Remember(ctx, seen, "", false); err != nil {
		t.Fatal(err)
	}
	// Our own note, seen by the watcher at 0:15 with the status change the vendor made at
	// 0:08 (before the bot last stored the ticket at 0:10): timed when seen.
	clock = mins(15)
	seen.UpdatedAt = mins(8)
	seen.LatestNote = &providers.Note{ID: "n1", Official: false, At: mins(12)}
	observe(seen)
	// The vendor's first answer at 0:40, waiting on us since its update at 0:41; seen at 0:45.
	clock = mins(45)
	seen.Status, seen.UpdatedAt = providers.StatusWaitingOnUs, mins(41)
	seen.LatestNote = &providers.Note{ID: "n2", Official: true, At: mins(40)}
	observe(seen)
	// Its second answer is no first; an update time in the future is not believed.
	clock = mins(60)
	seen.Status, seen.UpdatedAt = providers.StatusInProgress, mins(90)
	seen.LatestNote = &providers.Note{ID: "n3", Official: true, At: mins(58)}
	observe(seen)
	// A reply the bot sent at 1:05.
	clock = mins(65)
	if err := b.Answered(ctx, "acme", "1", clock); err != nil {
		t.Fatal(err)
	}
	// The bot's own close at 1:10, and its reopen at 1:20.
	clock = mins(70)
	closed := seen
	closed.Status = providers.StatusClosed
	if err := b.Remember(ctx, closed, "", true); err != nil {
		t.Fatal(err)
	}
	clock = mins(80)
	if err := b.Remember(ctx, seen, "", true); err != nil {
		t.Fatal(err)
	}
	// A change the watcher read before a claim came loses, and records nothing.
	prev, _ := b.State(ctx, "acme", "1")
	clock = mins(85)
	lost := seen
	lost.Status = providers.StatusClosed
	next := b.Observed(prev, lost)
	if _, _, err := b.Claim(ctx, "acme", "1", prev.Version, store.Claim{By: "张三", Op: "close", At: clock}); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.Advance(ctx, prev, next, nil); err != nil || ok {
		t.Fatalf("a stale change advanced: %v %v", ok, err)
	}
	want := []string{"seen open @0", "status in_progress @15", "answered @12", "status waiting_on_us @41", "reply @40",
		"status in_progress @60", "answered @65", "status closed @70", "status in_progress @80"}
	if got := timeline(t, st, "acme", "1", start); !slices.Equal(got, want) {
		t.Errorf("timeline\n%q\nwant\n%q", got, want)
	}

	// Followed late (关注), in a conversation already: its first reply's time is not known.
	clock = mins(100)
	late := providers.Ticket{Provider: "acme", ID: "2", Status: providers.StatusWaitingOnUs, CreatedAt: start.Add(-48 * time.Hour),
		LatestNote: &providers.Note{ID: "m1", Official: false}}
	if err := b.Remember(ctx, late, "", false); err != nil {
		t.Fatal(err)
	}
	late.LatestNote = &providers.Note{ID: "m2", Official: true, At: mins(110)}
	clock = mins(115)
	observe(late)
	if got, want := timeline(t, st, "acme", "2", start), []string{"seen waiting_on_us @100", "reply @?"}; !slices.Equal(got, want) {
		t.Errorf("a ticket followed late: %q, want %q", got, want)
	}
	if err := b.Answered(ctx, "acme", "never-stored", clock); err != nil {
		t.Errorf("an answer to a ticket never stored: %v", err)
	}
}
