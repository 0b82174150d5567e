package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A chat's subscriptions: numbered per chat, one per filter (the same filter in another
// order is the same subscription), listed, removed by number, the cursor only moving
// forward; chats apart. On both drivers.
func TestSubscriptions(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	a := Subscription{Platform: "feishu", ChatID: "oc_1", Provider: "ksyun", Filters: map[string]string{"customer": "北京金山云"}, Labels: map[string]string{"customer": "北京金山云"},
		By: "feishu:ou_a", CreatedAt: t0, Cursor: t0}
	got, fresh, err := s.Subscribe(ctx, a)
	if err != nil || !fresh || got.N != 1 {
		t.Fatalf("subscribe = %+v, %v, %v", got, fresh, err)
	}
	b := Subscription{Platform: "feishu", ChatID: "oc_1", Provider: "aliyun", Statuses: []string{"waiting_on_us", "resolved_pending_confirm"},
		By: "feishu:ou_a", CreatedAt: t0, Cursor: t0}
	if got, fresh, _ := s.Subscribe(ctx, b); !fresh || got.N != 2 {
		t.Fatalf("a second subscription = %+v, %v", got, fresh)
	}
	same := b
	same.Statuses = []string{"resolved_pending_confirm", "waiting_on_us"}
	same.By = "feishu:ou_b"
	if got, fresh, _ := s.Subscribe(ctx, same); fresh || got.N != 2 || got.By != "feishu:ou_a" {
		t.Fatalf("the same filter again = %+v, %v; want #2 as it was", got, fresh)
	}
	other := a
	other.ChatID = "oc_2"
	if got, _, _ := s.Subscribe(ctx, other); got.N != 1 {
		t.Fatalf("another chat numbers from 1: %+v", got)
	}
	subs, err := s.Subscriptions(ctx, "feishu", "oc_1")
	if err != nil || len(subs) != 2 || subs[0].Filters["customer"] != "北京金山云" || subs[0].Labels["customer"] != "北京金山云" || len(subs[1].Statuses) != 2 || subs[0].Cursor.UnixMilli() != t0.UnixMilli() {
		t.Fatalf("subscriptions = %+v, %v", subs, err)
	}
	later := t0.Add(time.Hour)
	if err := s.AdvanceSubscription(ctx, "feishu", "oc_1", 1, later); err != nil {
		t.Fatal(err)
	}
	if err := s.AdvanceSubscription(ctx, "feishu", "oc_1", 1, t0); err != nil {
		t.Fatal(err)
	}
	all, err := s.AllSubscriptions(ctx)
	if err != nil || len(all) != 3 {
		t.Fatalf("all = %+v, %v", all, err)
	}
	for _, x := range all {
		if x.ChatID == "oc_1" && x.N == 1 && x.Cursor.UnixMilli() != later.UnixMilli() {
			t.Errorf("the cursor went back or did not move: %v, want %v", x.Cursor, later)
		}
	}
	gone, err := s.Unsubscribe(ctx, "feishu", "oc_1", 1)
	if err != nil || gone.Provider != "ksyun" {
		t.Fatalf("unsubscribe = %+v, %v", gone, err)
	}
	if _, err := s.Unsubscribe(ctx, "feishu", "oc_1", 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("unsubscribing twice: %v", err)
	}
	if got, fresh, _ := s.Subscribe(ctx, a); !fresh || got.N != 3 {
		t.Errorf("subscribing again after removing = %+v, %v; want #3 (numbers are not reused while later ones live)", got, fresh)
	}
}
