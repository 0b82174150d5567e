package app

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
)

const fastWatch = `
[watch]
interval = "60ms"
deliver_every = "10ms"
`

// notices are the watcher's messages: interactive messages other than ticket cards.
func (h *harness) notices() []feishutest.Message {
	var out []feishutest.Message
	for _, m := range h.messages("interactive") {
		if strings.Contains(m.Content, "工单状态更新") || strings.Contains(m.Content, "个工单有更新") || strings.Contains(m.Content, "工单有新回复") {
			out = append(out, m)
		}
	}
	return out
}

func TestWatcherAnnouncesAVendorChangeOnceWithAMention(t *testing.T) {
	h := startHarness(t, fastWatch)
	h.say("ev-1", "om_1", "建单 数据库连接超时")
	h.waitFor("the card", func() bool { return len(h.messages("interactive")) == 1 })
	card := h.messages("interactive")[0]
	id := fmt.Sprint(h.ksyun.Tickets()[0].ID)

	// Kingsoft finishes the ticket (finished, not yet confirmed): resolved_pending_confirm.
	if err := h.ksyun.AddNote(id, "金山云工程师", "已调大连接数上限，请确认"); err != nil {
		t.Fatal(err)
	}
	if err := h.ksyun.Finish(id); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the notice", func() bool { return len(h.notices()) == 1 })
	n := h.notices()[0]
	for _, want := range []string{"<at id=" + e2eUser + "></at>", "待确认", "ksyun:" + id, "已调大连接数上限"} {
		if !strings.Contains(n.Content, want) {
			t.Errorf("notice lacks %q: %s", want, n.Content)
		}
	}
	if n.ParentID != card.ID {
		t.Errorf("notice should be in the card's thread (parent %s), got parent %q", card.ID, n.ParentID)
	}
	h.waitFor("the card patched", func() bool {
		m, _ := h.feishu.Message(card.ID)
		return m.Patches >= 1 && strings.Contains(m.Content, "待确认")
	})

	// The bot's own close: no notice. A change to another ticket is the barrier that proves
	// the watcher has looked again since.
	if a := h.click("ev-close", card.ID, "close ksyun:"+id, nil); a.Toast.Type != "success" {
		t.Fatalf("close: %+v", a.Toast)
	}
	h.say("ev-2", "om_2", "建单 第二个工单")
	h.waitFor("the second card", func() bool { return len(h.messages("interactive")) == 3 })
	other := fmt.Sprint(h.ksyun.Tickets()[1].ID)
	if err := h.ksyun.SetStatus(other, 4); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the second notice", func() bool { return len(h.notices()) == 2 })
	for _, m := range h.notices() {
		if strings.Contains(m.Content, "ksyun:"+id) && strings.Contains(m.Content, "已关闭") {
			t.Errorf("the bot's own close was announced: %s", m.Content)
		}
	}
	if !strings.Contains(h.notices()[1].Content, "已取消") {
		t.Errorf("second notice: %s", h.notices()[1].Content)
	}
}
