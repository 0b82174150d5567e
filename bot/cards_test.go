package bot

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// TestEveryLiveCardIsRedrawnNewestFirst: a ticket shown six times in a followed chat and
// once in another chat changes at the vendor. Every live card is redrawn (the chat's newest
// three and its first), newest first, each taking a slot of the chat's spacing; the notice
// goes into the thread of the chat's first card.
func TestEveryLiveCardIsRedrawnNewestFirst(t *testing.T) {
	const gap = 40 * time.Millisecond
	e := newWatchEnv(t, 1, "oc_1")
	ctx := context.Background()
	base := time.Now()
	for i := range 6 {
		mustSave(t, e.st, store.Card{Platform: "feishu", ChatID: "oc_1", MessageID: fmt.Sprintf("om_%d", i),
			Provider: "mem", TicketID: "1000", UpdatedAt: base.Add(time.Duration(i) * time.Second)})
	}
	// A chat that looked at the ticket (查看) without following it.
	mustSave(t, e.st, store.Card{Platform: "feishu", ChatID: "oc_2", MessageID: "om_other", Provider: "mem", TicketID: "1000", UpdatedAt: base})

	plat := &recPlatform{}
	w := NewWatcher(WatchConfig{ChatInterval: map[string]time.Duration{"feishu": gap}, AppInterval: map[string]time.Duration{},
		DeliverEvery: 2 * time.Second, InThread: true}, e.st, map[string]providers.Provider{"mem": e.prov},
		map[string]Platform{"feishu": plat}, notePresenter{}, nil, nil, quiet())
	e.prov.set("1000", providers.StatusWaitingOnUs)
	if err := w.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.Deliver(ctx); err != nil {
		t.Fatal(err)
	}

	var oc1 []string
	var last time.Time
	for _, c := range plat.all() {
		if c.chat != "oc_1" {
			continue
		}
		if !last.IsZero() && c.at.Sub(last) < gap {
			t.Errorf("%s %s came %v after the previous call to the chat, within the %v spacing", c.op, c.target, c.at.Sub(last), gap)
		}
		last = c.at
		oc1 = append(oc1, c.op+" "+c.target)
	}
	want := []string{"reply om_0", "update om_5", "update om_4", "update om_3", "update om_0"}
	if !reflect.DeepEqual(oc1, want) {
		t.Errorf("calls to oc_1 = %v, want %v (the notice in the first card's thread, then the live cards newest first)", oc1, want)
	}
	for _, u := range plat.of("update") {
		if u.body != "mem:1000 waiting_on_us" {
			t.Errorf("card %s redrawn as %q", u.target, u.body)
		}
	}
	if ups := plat.of("update"); len(ups) != 5 || !hasUpdate(ups, "om_other") {
		t.Errorf("want the 4 live cards of oc_1 and the card of oc_2 (which only looked at the ticket) redrawn: %+v", ups)
	}
	pending, err := e.st.PendingNotices(ctx, time.Now().Add(time.Hour), 100)
	if err != nil || len(pending) != 0 {
		t.Errorf("left in the outbox: %+v, %v", pending, err)
	}
}

func hasUpdate(cs []call, msg string) bool {
	for _, c := range cs {
		if c.target == msg {
			return true
		}
	}
	return false
}

// TestRedrawsWaitForTheChatsSlot: with a chat spacing longer than a Deliver may wait, one
// Deliver makes one call to the chat and the rest wait, in the outbox, for the next.
func TestRedrawsWaitForTheChatsSlot(t *testing.T) {
	e := newWatchEnv(t, 1, "oc_1")
	ctx := context.Background()
	for i := range 3 {
		mustSave(t, e.st, store.Card{Platform: "feishu", ChatID: "oc_1", MessageID: fmt.Sprintf("om_%d", i),
			Provider: "mem", TicketID: "1000", UpdatedAt: time.Now()})
	}
	clock := &fakeClock{t: time.Now()}
	plat := &recPlatform{}
	w := NewWatcher(WatchConfig{ChatInterval: map[string]time.Duration{"feishu": time.Hour}, AppInterval: map[string]time.Duration{},
		DeliverEvery: 10 * time.Millisecond, Now: clock.now}, e.st, map[string]providers.Provider{"mem": e.prov},
		map[string]Platform{"feishu": plat}, notePresenter{}, nil, nil, quiet())
	e.prov.set("1000", providers.StatusOpen) // in_progress → open: a card redraw, no notice
	if err := w.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 3 {
		if err := w.Deliver(ctx); err != nil {
			t.Fatal(err)
		}
		ups := plat.of("update")
		if len(ups) != len(got)+1 {
			t.Fatalf("after %d Deliver, %d redraws; want one per slot", len(got)+1, len(ups))
		}
		got = append(got, ups[len(ups)-1].target)
		clock.add(time.Hour)
	}
	if want := []string{"om_2", "om_1", "om_0"}; !reflect.DeepEqual(got, want) {
		t.Errorf("redraw order %v, want %v", got, want)
	}
}

func mustSave(t *testing.T, st store.Store, c store.Card) {
	t.Helper()
	if err := st.SaveCard(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}
