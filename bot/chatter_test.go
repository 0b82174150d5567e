package bot

import (
	"context"
	"testing"
)

// cardSet is a CardIndex of known card ids.
type cardSet map[string]bool

func (c cardSet) IsCard(_ context.Context, _, id string) (bool, error) { return c[id], nil }

// Overheard chatter is dropped on the ack path and leaves nothing durable; an overheard thread
// reply reaches the handler only when its thread is one of the bot's cards.
func TestOverheardChatterIsDropped(t *testing.T) {
	h := &recordingHandler{}
	dd := &memDedupe{}
	d := newTestDispatcher(DispatcherConfig{Workers: 2, Cards: cardSet{"om_card": true}}, h, dd, nil)
	d.Start()
	for _, m := range []Message{
		{Platform: "feishu", EventID: "e1", MessageID: "om_chat", Text: "今天开会", Overheard: true},
		{Platform: "feishu", EventID: "e2", MessageID: "om_other_thread", Text: "收到", Overheard: true, RootID: "om_someone", ParentID: "om_someone"},
		{Platform: "feishu", EventID: "e3", MessageID: "om_card_reply", Text: "已扩容", Overheard: true, RootID: "om_card", ParentID: "om_card"},
		{Platform: "feishu", EventID: "e4", MessageID: "om_cmd", Text: "帮助"},
	} {
		if err := d.HandleMessage(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range h.messages {
		got = append(got, m.MessageID)
	}
	if len(got) != 2 || !(got[0] == "om_card_reply" || got[1] == "om_card_reply") {
		t.Fatalf("handled %v, want the card reply and the command", got)
	}
	for _, k := range []string{"feishu:msg:om_chat", "feishu:msg:om_other_thread"} {
		if dd.seen[k] {
			t.Errorf("chatter %s was recorded durably", k)
		}
	}
	if d.recent.Contains("feishu:msg:om_chat") {
		t.Error("chatter was remembered in memory")
	}
}

// Chatter the handler wants all the same (Overhear: a ticket named where the chat unfurls)
// reaches it; the rest is still dropped.
func TestOverhearKeepsWhatTheHandlerWants(t *testing.T) {
	h := &recordingHandler{}
	d := newTestDispatcher(DispatcherConfig{Workers: 2, Overhear: func(m Message) bool { return m.Text == "ksyun:1204" }}, h, &memDedupe{}, nil)
	d.Start()
	for _, m := range []Message{
		{Platform: "feishu", EventID: "e1", MessageID: "om_chat", Text: "今天开会", Overheard: true},
		{Platform: "feishu", EventID: "e2", MessageID: "om_ref", Text: "ksyun:1204", Overheard: true},
	} {
		if err := d.HandleMessage(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(h.messages) != 1 || h.messages[0].MessageID != "om_ref" {
		t.Fatalf("handled %+v, want the reference alone", h.messages)
	}
}

// The memory claim on delivery ids is bounded in count, whatever the traffic.
func TestDedupeMemoryIsBounded(t *testing.T) {
	d := newTestDispatcher(DispatcherConfig{DedupeMax: 1000}, &recordingHandler{}, &memDedupe{}, nil)
	for i := range 5000 {
		d.claim([]string{"feishu:msg:" + string(rune('a'+i%26)) + itoa(i)})
	}
	if n := d.recent.Len(); n != 1000 {
		t.Errorf("%d ids in memory, want at most 1000", n)
	}
}
