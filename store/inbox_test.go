package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
)

// The inbox keeps what was spilled in arrival order (a redelivery of one still waiting is not
// kept twice) and hands each row out once, also to several replicas taking at once.
func TestInbox(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	a, b := db.open(t), db.open(t)
	var ds []Spilled
	for i := range 40 {
		ds = append(ds, Spilled{Key: fmt.Sprintf("feishu:om_%02d", i), Seq: int64(1000 + i), Payload: []byte(fmt.Sprint(i)), At: t0})
	}
	fresh, err := a.Spill(ctx, ds)
	if err != nil || slices.Contains(fresh, false) {
		t.Fatalf("spill = %v, %v", fresh, err)
	}
	// A redelivery of one still waiting, and one new: only the new one is kept.
	again, err := a.Spill(ctx, []Spilled{ds[3], {Key: "feishu:om_new", Seq: 2000, Payload: []byte("new"), At: t0}})
	if err != nil || !slices.Equal(again, []bool{false, true}) {
		t.Fatalf("second spill = %v, %v", again, err)
	}
	if n, err := b.InboxSize(ctx); err != nil || n != 41 {
		t.Fatalf("inbox size = %d, %v", n, err)
	}
	// Two replicas take at once: each row once, and each replica's rows in order.
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for _, s := range []*SQL{a, b} {
		wg.Go(func() {
			for {
				got, err := s.TakeInbox(ctx, 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				if !slices.IsSortedFunc(got, func(x, y Spilled) int { return int(x.Seq - y.Seq) }) {
					t.Errorf("taken out of order: %+v", got)
				}
				mu.Lock()
				for _, d := range got {
					seen[d.Key]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 41 {
		t.Fatalf("taken %d rows, want 41", len(seen))
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s taken %d times", k, n)
		}
	}
	if n, _ := a.InboxSize(ctx); n != 0 {
		t.Fatalf("inbox not empty: %d", n)
	}
}
