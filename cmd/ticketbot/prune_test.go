package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot/feishu"
	"github.com/ticketbot/ticketbot/store"
)

// TestProcessedRetentionCoversWebhooks: a delivery the Feishu webhook still accepts must
// find its id in the store, or a replay of it would run again.
func TestProcessedRetentionCoversWebhooks(t *testing.T) {
	if processedRetention < feishu.MaxEventAge {
		t.Fatalf("processed ids are kept %v, but Feishu deliveries up to %v old are accepted", processedRetention, feishu.MaxEventAge)
	}
}

// signalingPruner tells the test each time a prune has gone through.
type signalingPruner struct {
	next processedPruner
	done chan time.Time
}

func (p signalingPruner) PruneProcessed(ctx context.Context, before time.Time) error {
	err := p.next.PruneProcessed(ctx, before)
	p.done <- before
	return err
}

// TestPruneProcessed runs the background loop on a real store: an id processed 25 h ago is
// forgotten at once (a delivery under it is fresh again), one processed 23 h ago is kept.
func TestPruneProcessed(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "prune.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for key, at := range map[string]time.Time{"feishu:event:old": now.Add(-25 * time.Hour), "feishu:event:recent": now.Add(-23 * time.Hour)} {
		if fresh, err := st.MarkProcessed(ctx, key, at); err != nil || !fresh {
			t.Fatalf("mark %s: %v %v", key, fresh, err)
		}
	}

	p := signalingPruner{next: st, done: make(chan time.Time, 1)}
	runCtx, cancel := context.WithCancel(ctx)
	stopped := make(chan error, 1)
	go func() {
		stopped <- pruneProcessed(p, func() time.Time { return now }, slog.New(slog.DiscardHandler))(runCtx)
	}()
	select {
	case before := <-p.done:
		if want := now.Add(-processedRetention); !before.Equal(want) {
			t.Errorf("pruned before %v, want %v", before, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no prune at start")
	}
	cancel()
	select {
	case err := <-stopped:
		if err != nil {
			t.Errorf("loop returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the loop did not stop with its context")
	}

	for _, tc := range []struct {
		key       string
		wantFresh bool
	}{
		{"feishu:event:old", true},
		{"feishu:event:recent", false},
	} {
		fresh, err := st.MarkProcessed(ctx, tc.key, now)
		if err != nil || fresh != tc.wantFresh {
			t.Errorf("%s: fresh = %v (%v), want %v", tc.key, fresh, err, tc.wantFresh)
		}
	}
}
