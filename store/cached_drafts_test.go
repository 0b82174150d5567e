package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// hookedDrafts runs a hook inside the database's answer to a taking or a reading of the
// drafts, after the database has answered: a write of the Cached in front racing it.
type hookedDrafts struct {
	Store
	duringTake, duringRead func()
}

func (h *hookedDrafts) TakeDraft(ctx context.Context, platform, chatID, userID, formKey string, since time.Time) (Draft, error) {
	d, err := h.Store.TakeDraft(ctx, platform, chatID, userID, formKey, since)
	if h.duringTake != nil {
		h.duringTake()
	}
	return d, err
}

func (h *hookedDrafts) AllDrafts(ctx context.Context, limit int) ([]Draft, error) {
	ds, err := h.Store.AllDrafts(ctx, limit)
	if h.duringRead != nil {
		h.duringRead()
	}
	return ds, err
}

// draftKnown waits until the memory knows (its reading is in the background) and says whether
// the person's draft in wrkGroup, made since, waits.
func draftKnown(t *testing.T, c *Cached, user string, since time.Time) bool {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if waiting, ok := c.DraftWaitingNow("wecom", "wrkGroup", user, since); ok {
			return waiting
		}
		if time.Now().After(deadline) {
			t.Fatal("the memory of the drafts never knew")
		}
		c.bg.Wait()
	}
}

// The memory of the drafts knows everyone's, people never seen included, without the database
// on the asking path; this replica's own writes at once, another replica's once the snapshot
// is older than draftFresh, and until then it is not believed.
func TestCachedDrafts(t *testing.T) {
	ctx := context.Background()
	under := openTest(t)
	since := at(-15 * time.Minute)
	mustDo(t, under.SaveDraft(ctx, draft("zhangsan", "k1", at(0))))
	mustDo(t, under.SaveDraft(ctx, draft("old", "k0", since.Add(-time.Millisecond))))
	c := NewCached(under, 0)
	now := time.Now()
	c.now = func() time.Time { return now }
	t.Cleanup(func() { c.bg.Wait() })

	if _, ok := c.DraftWaitingNow("wecom", "wrkGroup", "zhangsan", since); ok {
		t.Fatal("the memory knew before its first reading")
	}
	if !draftKnown(t, c, "zhangsan", since) {
		t.Error("a stored draft is not known")
	}
	for _, user := range []string{"lisi", "stranger", "old"} {
		if draftKnown(t, c, user, since) {
			t.Errorf("%s: a draft waits, want none (never made, or expired)", user)
		}
	}
	if waiting, ok := c.DraftWaitingNow("wecom", "wrkOther", "zhangsan", since); !ok || waiting {
		t.Errorf("zhangsan's draft in another chat: %v, %v; want known, none", waiting, ok)
	}

	// This replica's own writes, at once.
	mustDo(t, c.SaveDraft(ctx, draft("lisi", "k2", at(0))))
	if !draftKnown(t, c, "lisi", since) {
		t.Error("a draft this replica saved is not known at once")
	}
	if _, err := c.TakeDraft(ctx, "wecom", "wrkGroup", "lisi", "k9", since); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another card's key took the draft: %v", err)
	}
	if !draftKnown(t, c, "lisi", since) {
		t.Error("a draft not taken (another card's key) is forgotten")
	}
	if _, err := c.TakeDraft(ctx, "wecom", "wrkGroup", "zhangsan", "", since); err != nil {
		t.Fatal(err)
	}
	if draftKnown(t, c, "zhangsan", since) {
		t.Error("a draft this replica took still waits")
	}
	mustDo(t, c.PruneDrafts(ctx, at(time.Minute)))
	if draftKnown(t, c, "lisi", since) {
		t.Error("a pruned draft still waits")
	}

	// Another replica's draft: once the snapshot is half draftFresh old, it is still believed
	// and the next reading starts; older than draftFresh, it is not believed at all.
	mustDo(t, under.SaveDraft(ctx, draft("wangwu", "k3", at(0))))
	now = now.Add(draftFresh/2 + time.Millisecond)
	if waiting, ok := c.DraftWaitingNow("wecom", "wrkGroup", "wangwu", since); !ok || waiting {
		t.Fatalf("a snapshot half draftFresh old: %v, %v; want believed, without the new draft yet", waiting, ok)
	}
	c.bg.Wait()
	if waiting, ok := c.DraftWaitingNow("wecom", "wrkGroup", "wangwu", since); !ok || !waiting {
		t.Errorf("the reading started halfway did not bring another replica's draft: %v, %v", waiting, ok)
	}
	mustDo(t, under.SaveDraft(ctx, draft("zhouqi", "k4", at(0))))
	now = now.Add(draftFresh + time.Millisecond)
	if waiting, ok := c.DraftWaitingNow("wecom", "wrkGroup", "zhouqi", since); ok {
		t.Fatalf("a snapshot older than draftFresh was believed: waiting %v", waiting)
	}
	if !draftKnown(t, c, "zhouqi", since) {
		t.Error("another replica's draft never arrived")
	}

	// A write whose outcome is unknown leaves nothing believed until the table is read again.
	if err := c.SaveDraft(ctx, Draft{Platform: "wecom", ChatID: "wrkGroup", UserID: "zhaoliu"}); err == nil {
		t.Fatal("a draft without its card was saved")
	}
	if _, ok := c.DraftWaitingNow("wecom", "wrkGroup", "zhaoliu", since); ok {
		t.Error("the memory is believed after a failed write")
	}
	if draftKnown(t, c, "zhaoliu", since) {
		t.Error("a failed write left a draft")
	}
}

// A write of this replica racing a reading or a taking never leaves the memory saying no
// draft waits where one does.
func TestCachedDraftsRaces(t *testing.T) {
	ctx := context.Background()
	since := at(-15 * time.Minute)

	t.Run("a save racing the reading", func(t *testing.T) {
		h := &hookedDrafts{Store: openTest(t)}
		c := NewCached(h, 0)
		t.Cleanup(func() { c.bg.Wait() })
		h.duringRead = func() {
			h.duringRead = nil
			mustDo(t, c.SaveDraft(ctx, draft("lisi", "k1", at(0))))
		}
		c.DraftWaitingNow("wecom", "wrkGroup", "lisi", since)
		c.bg.Wait()
		if waiting, ok := c.DraftWaitingNow("wecom", "wrkGroup", "lisi", since); ok && !waiting {
			t.Fatal("the reading that missed the save was believed")
		}
		if !draftKnown(t, c, "lisi", since) {
			t.Error("the saved draft is not known after the next reading")
		}
	})
	t.Run("a save racing the taking", func(t *testing.T) {
		h := &hookedDrafts{Store: openTest(t)}
		c := NewCached(h, 0)
		t.Cleanup(func() { c.bg.Wait() })
		mustDo(t, c.SaveDraft(ctx, draft("lisi", "k1", at(0))))
		if !draftKnown(t, c, "lisi", since) {
			t.Fatal("the draft is not known")
		}
		h.duringTake = func() {
			h.duringTake = nil
			mustDo(t, c.SaveDraft(ctx, draft("lisi", "k2", at(time.Second)))) // a new card's submit
		}
		if d, err := c.TakeDraft(ctx, "wecom", "wrkGroup", "lisi", "", since); err != nil || d.FormKey != "k1" {
			t.Fatalf("TakeDraft = %+v, %v", d, err)
		}
		if waiting, ok := c.DraftWaitingNow("wecom", "wrkGroup", "lisi", since); ok && !waiting {
			t.Fatal("the memory says no draft waits; the new card's does")
		}
		if !draftKnown(t, c, "lisi", since) {
			t.Error("the new card's draft is not known")
		}
	})
	t.Run("too many to hold", func(t *testing.T) {
		s := openTest(t)
		mustDo(t, s.SaveDraft(ctx, draft("a", "k1", at(0))))
		mustDo(t, s.SaveDraft(ctx, draft("b", "k2", at(0))))
		c := NewCached(s, 0)
		c.draftLimit = 1
		t.Cleanup(func() { c.bg.Wait() })
		c.DraftWaitingNow("wecom", "wrkGroup", "z", since)
		c.bg.Wait()
		if waiting, ok := c.DraftWaitingNow("wecom", "wrkGroup", "z", since); ok {
			t.Fatalf("the memory claims to know (waiting %v) from a table it could not hold", waiting)
		}
	})
}

// The store's only writer believes its memory of the drafts however old (its own writes are
// all there are); Warm reads it before anyone asks.
func TestCachedDraftsSole(t *testing.T) {
	ctx := context.Background()
	since := at(-15 * time.Minute)
	under := openTest(t)
	mustDo(t, under.SaveDraft(ctx, draft("zhangsan", "k1", at(0))))
	c := NewCached(under, 0)
	c.Sole()
	now := time.Now()
	c.now = func() time.Time { return now }
	t.Cleanup(func() { c.bg.Wait() })
	c.Warm()
	c.bg.Wait()
	if waiting, ok := c.DraftWaitingNow("wecom", "wrkGroup", "zhangsan", since); !ok || !waiting {
		t.Fatalf("after Warm: %v, %v; want the stored draft known without an ask", waiting, ok)
	}
	if _, ok := c.RememberedLanguages("feishu", "oc_1", "ou_1"); !ok {
		t.Error("after Warm the languages are not known")
	}
	now = now.Add(time.Hour)
	mustDo(t, c.SaveDraft(ctx, draft("lisi", "k2", at(0))))
	for _, user := range []string{"zhangsan", "lisi"} {
		if waiting, ok := c.DraftWaitingNow("wecom", "wrkGroup", user, since); !ok || !waiting {
			t.Errorf("%s an hour on: %v, %v; want the sole writer's memory believed", user, waiting, ok)
		}
	}
}
