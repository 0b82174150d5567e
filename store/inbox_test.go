package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// The inbox keeps what was spilled in the order it was kept and hands each batch out once,
// also to several replicas taking at once; its size counts deliveries, not batches.
func TestInbox(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	a, b := db.open(t), db.open(t)
	want := 0
	for i := range 40 {
		n := i%3 + 1
		want += n
		if err := a.Spill(ctx, Spilled{ID: fmt.Sprintf("batch-%02d", i), Seq: int64(1000 + i), Count: n, Payload: []byte(fmt.Sprint(i)), At: t0}); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Spill(ctx, Spilled{Seq: 1, Count: 1, Payload: []byte("x"), At: t0}); err == nil {
		t.Fatal("a batch without an id was kept")
	}
	if n, err := b.InboxSize(ctx); err != nil || n != want {
		t.Fatalf("inbox size = %d, %v; want %d", n, err, want)
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
					seen[d.ID]++
					if d.Payload == nil || d.Count == 0 || d.At.UnixMilli() != t0.UnixMilli() {
						t.Errorf("batch read back wrong: %+v", d)
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 40 {
		t.Fatalf("taken %d batches, want 40", len(seen))
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

// TestMigrationKeepsTheInbox opens a database written before migration 8 (one inbox row per
// delivery) with deliveries waiting, and checks each is still there, a batch of one, in
// order.
func TestMigrationKeepsTheInbox(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open(sqliteDriverName, path)
	if err != nil {
		t.Fatal(err)
	}
	mustDo(t, migrate(ctx, db, migrations[:7]))
	for i, key := range []string{"feishu:msg:om_2", "feishu:msg:om_1"} {
		_, err = db.ExecContext(ctx, `INSERT INTO inbox (key, seq, payload, created_at) VALUES ($1, $2, $3, $4)`,
			key, 10-i, `{"EventID":"`+key+`"}`, millis(t0))
		mustDo(t, err)
	}
	mustDo(t, db.Close())

	s := openFile(t, path)
	if n, err := s.InboxSize(ctx); err != nil || n != 2 {
		t.Fatalf("inbox size after the migration = %d, %v; want 2", n, err)
	}
	got, err := s.TakeInbox(ctx, 10)
	if err != nil || len(got) != 2 {
		t.Fatalf("taken = %+v, %v", got, err)
	}
	if got[0].ID != "feishu:msg:om_1" || got[0].Seq != 9 || got[0].Count != 1 || string(got[0].Payload) != `{"EventID":"feishu:msg:om_1"}` {
		t.Errorf("first kept delivery = %+v", got[0])
	}
}
