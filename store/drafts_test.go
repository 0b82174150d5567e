package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

func draft(user, key string, created time.Time) Draft {
	return Draft{Platform: "wecom", ChatID: "wrkGroup", UserID: user, FormKey: key, Provider: "ksyun",
		Priority: "high", Type: "question", CreatedAt: created}
}

// A draft is one per person per chat, read back as saved, taken once; an expired one is
// taken and gone; the janitor forgets the old ones.
func TestDrafts(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	since := at(-15 * time.Minute)
	take := func(user, key string) (Draft, error) {
		t.Helper()
		return s.TakeDraft(ctx, "wecom", "wrkGroup", user, key, since)
	}

	mustDo(t, s.SaveDraft(ctx, draft("zhangsan", "k1", at(-time.Minute))))
	// Another card of the same person replaces it; another person's and another chat's stay apart.
	mustDo(t, s.SaveDraft(ctx, draft("zhangsan", "k2", at(0))))
	mustDo(t, s.SaveDraft(ctx, draft("lisi", "k3", at(0))))
	other := draft("zhangsan", "k4", at(0))
	other.ChatID = "wrkOther"
	mustDo(t, s.SaveDraft(ctx, other))

	if _, err := take("zhangsan", "k1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the replaced card's draft was taken: %v", err)
	}
	got, err := take("zhangsan", "")
	mustDo(t, err)
	want := draft("zhangsan", "k2", stored(at(0)))
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("TakeDraft = %+v, want %+v", got, want)
	}
	if _, err := take("zhangsan", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a draft was taken twice: %v", err)
	}
	if d, err := take("lisi", "k3"); err != nil || d.FormKey != "k3" {
		t.Fatalf("lisi's draft by its card: %+v, %v", d, err)
	}
	if d, err := s.TakeDraft(ctx, "wecom", "wrkOther", "zhangsan", "", since); err != nil || d.FormKey != "k4" {
		t.Fatalf("the other chat's draft: %+v, %v", d, err)
	}

	t.Run("expired: taken and gone", func(t *testing.T) {
		mustDo(t, s.SaveDraft(ctx, draft("wangwu", "k5", since.Add(-time.Millisecond))))
		if _, err := take("wangwu", ""); !errors.Is(err, ErrNotFound) {
			t.Fatalf("an expired draft was given: %v", err)
		}
		// Saved again: it counts from the new time.
		mustDo(t, s.SaveDraft(ctx, draft("wangwu", "k5", since.Add(-time.Millisecond))))
		if _, err := s.TakeDraft(ctx, "wecom", "wrkGroup", "wangwu", "", since.Add(-time.Minute)); err != nil {
			t.Fatalf("the draft was gone before it expired: %v", err)
		}
	})
	t.Run("prune", func(t *testing.T) {
		mustDo(t, s.SaveDraft(ctx, draft("old", "k6", at(-time.Hour))))
		mustDo(t, s.SaveDraft(ctx, draft("new", "k7", at(0))))
		mustDo(t, s.PruneDrafts(ctx, at(-time.Minute)))
		if _, err := s.TakeDraft(ctx, "wecom", "wrkGroup", "old", "", time.Time{}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("an old draft outlived the janitor: %v", err)
		}
		if _, err := s.TakeDraft(ctx, "wecom", "wrkGroup", "new", "", time.Time{}); err != nil {
			t.Fatalf("the janitor took a new draft: %v", err)
		}
	})
	t.Run("missing fields", func(t *testing.T) {
		if err := s.SaveDraft(ctx, Draft{Platform: "wecom", ChatID: "wrkGroup", UserID: "x", Provider: "ksyun"}); err == nil {
			t.Fatal("a draft without its card's key was saved")
		}
	})
}

// Two replicas take one draft at once, many times over: each draft goes to exactly one.
func TestTakeDraftRace(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	replicas := []*SQL{db.open(t), db.open(t)}
	for round := range 20 {
		key := fmt.Sprintf("k%d", round)
		mustDo(t, replicas[0].SaveDraft(ctx, draft("zhangsan", key, at(0))))
		const takers = 4
		got := make([]Draft, takers)
		errs := make([]error, takers)
		var wg sync.WaitGroup
		for i := range takers {
			wg.Go(func() {
				got[i], errs[i] = replicas[i%2].TakeDraft(ctx, "wecom", "wrkGroup", "zhangsan", "", at(-time.Minute))
			})
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
				if got[i].FormKey != key {
					t.Errorf("round %d: taker %d got %+v", round, i, got[i])
				}
			case errors.Is(err, ErrNotFound):
			default:
				t.Errorf("round %d: taker %d: %v (want the draft or ErrNotFound)", round, i, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d takers got the draft, want 1", round, won)
		}
	}
}
