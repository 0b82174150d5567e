package store

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestMarkProcessed(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, tc := range []struct {
		name      string
		key       string
		wantFresh bool
		wantErr   bool
	}{
		{"new key", "evt-1", true, false},
		{"same key again", "evt-1", false, false},
		{"other key", "evt-2", true, false},
		{"keys are case sensitive", "EVT-1", true, false},
		{"cjk and quotes", `消息'"1`, true, false},
		{"empty key", "", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fresh, err := s.MarkProcessed(ctx, tc.key, t0)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if fresh != tc.wantFresh {
				t.Errorf("fresh = %v, want %v", fresh, tc.wantFresh)
			}
		})
	}
}

// TestMarkProcessedConcurrent races 50 goroutines on one key: exactly one may see it fresh.
// The "two handles" case puts them on two connections to one file, as two processes would,
// so the database's atomic insert is what decides, not our connection pool.
func TestMarkProcessedConcurrent(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handles int
	}{
		{"one handle", 1},
		{"two handles", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := newTestDB(t)
			stores := make([]*SQL, tc.handles)
			for i := range stores {
				stores[i] = db.open(t)
			}
			for _, key := range []string{"evt-a", "evt-b", "evt-c"} {
				var fresh atomic.Int32
				var wg sync.WaitGroup
				start := make(chan struct{})
				for i := range 50 {
					s := stores[i%len(stores)]
					wg.Go(func() {
						<-start
						ok, err := s.MarkProcessed(context.Background(), key, t0)
						if err != nil {
							t.Error(err)
						}
						if ok {
							fresh.Add(1)
						}
					})
				}
				close(start)
				wg.Wait()
				if n := fresh.Load(); n != 1 {
					t.Errorf("%s: %d goroutines saw it fresh, want 1", key, n)
				}
			}
		})
	}
}

func TestPruneProcessed(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for i, key := range []string{"old", "edge", "new"} {
		if _, err := s.MarkProcessed(ctx, key, at(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	// "edge" was marked exactly at the cut-off: only ids before it are forgotten.
	mustDo(t, s.PruneProcessed(ctx, at(time.Hour)))
	for _, tc := range []struct {
		key       string
		wantFresh bool
	}{
		{"old", true},
		{"edge", false},
		{"new", false},
	} {
		t.Run(tc.key, func(t *testing.T) {
			fresh, err := s.MarkProcessed(ctx, tc.key, at(3*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if fresh != tc.wantFresh {
				t.Errorf("after prune, MarkProcessed(%q) fresh = %v, want %v", tc.key, fresh, tc.wantFresh)
			}
		})
	}
}
