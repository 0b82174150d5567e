package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// A ticket's owner in a chat: claimed once (of many claiming at once, one wins), assigned
// over whoever had it, listed per person and per ticket; chats apart. On both drivers.
func TestOwners(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	o := Owner{Platform: "feishu", ChatID: "oc_1", Provider: "ksyun", TicketID: "1204", UserID: "ou_a", UserName: "张三", By: "ou_a", At: t0}
	if _, err := s.OwnerOf(ctx, "feishu", "oc_1", "ksyun", "1204"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("an unowned ticket: %v", err)
	}
	got, won, err := s.ClaimOwner(ctx, o)
	if err != nil || !won || got.UserName != "张三" || got.At.UnixMilli() != t0.UnixMilli() {
		t.Fatalf("claim = %+v, %v, %v", got, won, err)
	}
	b := o
	b.UserID, b.UserName, b.By = "ou_b", "李四", "ou_b"
	if got, won, err := s.ClaimOwner(ctx, b); err != nil || won || got.UserID != "ou_a" {
		t.Fatalf("a second claim = %+v, %v, %v", got, won, err)
	}
	if _, won, _ := s.ClaimOwner(ctx, o); !won {
		t.Error("claiming one's own again is not won")
	}
	b.By = "ou_a" // 张三 hands it to 李四
	before, err := s.SetOwner(ctx, b)
	if err != nil || before.UserID != "ou_a" {
		t.Fatalf("assign: before %+v, %v", before, err)
	}
	if got, _ := s.OwnerOf(ctx, "feishu", "oc_1", "ksyun", "1204"); got.UserID != "ou_b" || got.By != "ou_a" {
		t.Errorf("owner after the assignment: %+v", got)
	}
	other := o
	other.ChatID, other.UserID = "oc_2", "ou_c"
	mustDo(t, errOnly(s.SetOwner(ctx, other)))
	if owned, err := s.Owned(ctx, "feishu", "oc_1", "ou_b"); err != nil || len(owned) != 1 || owned[0].TicketID != "1204" {
		t.Errorf("owned by ou_b = %+v, %v", owned, err)
	}
	if owned, _ := s.Owned(ctx, "feishu", "oc_1", "ou_a"); len(owned) != 0 {
		t.Errorf("ou_a still owns %+v", owned)
	}
	if all, err := s.OwnersOf(ctx, "ksyun", "1204"); err != nil || len(all) != 2 {
		t.Errorf("owners of the ticket = %+v, %v", all, err)
	}
	if _, err := s.SetOwner(ctx, Owner{Platform: "feishu", ChatID: "oc_1", Provider: "ksyun", TicketID: "1"}); err == nil {
		t.Error("an owner without a user was stored")
	}
}

// Of eight people claiming the same ticket at once, exactly one owns it.
func TestClaimOwnerRace(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := Owner{Platform: "feishu", ChatID: "oc_1", Provider: "ksyun", TicketID: "9", UserID: string(rune('a' + i)), By: "x", At: t0}
			if _, won, err := s.ClaimOwner(ctx, o); err != nil {
				t.Error(err)
			} else if won {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		t.Errorf("%d claims won, want 1", n)
	}
}

func errOnly[T any](_ T, err error) error { return err }
