package app

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestEveryCardOfATicketShowsItsChange: the 建单 card (A) and a later 查看 card (B) of one
// ticket in one group both change when the vendor moves the ticket, and the notice goes into
// A's thread, where the conversation started, not B's.
func TestEveryCardOfATicketShowsItsChange(t *testing.T) {
	h := startHarness(t, fastWatch)
	h.say("ev-1", "om_1", "建单 数据库连接超时")
	h.waitFor("card A", func() bool { return len(h.messages("interactive")) == 1 })
	a := h.messages("interactive")[0]
	id := fmt.Sprint(h.ksyun.Tickets()[0].ID)
	h.waitCardRecorded(a.ID)

	h.say("ev-2", "om_2", "查看 ksyun:"+id)
	h.waitFor("card B", func() bool { return len(h.messages("interactive")) == 2 })
	b := h.messages("interactive")[1]
	h.waitCardRecorded(b.ID)
	if c, err := h.openStore().CardByMessage(t.Context(), "feishu", a.ID); err != nil || c.TicketID != id {
		t.Fatalf("card A no longer resolves to its ticket after 查看: %+v, %v", c, err)
	}

	if err := h.ksyun.Finish(id); err != nil { // resolved, waiting for our confirmation
		t.Fatal(err)
	}
	h.waitFor("both cards redrawn", func() bool {
		for _, card := range []string{a.ID, b.ID} {
			m, _ := h.feishu.Message(card)
			if m.Patches == 0 || !strings.Contains(m.Content, "待确认") {
				return false
			}
		}
		return true
	})
	h.waitFor("the notice", func() bool { return len(h.notices()) == 1 })
	if n := h.notices()[0]; n.ParentID != a.ID {
		t.Errorf("the notice replies to %q, want the first card %s (the 查看 card is %s)", n.ParentID, a.ID, b.ID)
	}
}

// TestCardTimesFollowTheConfiguredZone: with [bot] timezone the card shows the ticket's
// creation time in that zone, not in Shanghai's.
func TestCardTimesFollowTheConfiguredZone(t *testing.T) {
	for _, tc := range []struct{ zone, config string }{
		{"Asia/Shanghai", ""},
		{"Europe/Berlin", `timezone = "Europe/Berlin"`},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			h := startHarnessBot(t, tc.config, "")
			h.say("ev-1", "om_1", "建单 证书过期")
			h.waitFor("the card", func() bool { return len(h.messages("interactive")) == 1 })
			loc, err := time.LoadLocation(tc.zone)
			if err != nil {
				t.Fatal(err)
			}
			created := time.Unix(h.ksyun.Tickets()[0].CreatedTime, 0).In(loc).Format("2006-01-02 15:04")
			if card := h.messages("interactive")[0].Content; !strings.Contains(card, created) {
				t.Errorf("card does not show the creation time %s (%s): %s", created, tc.zone, card)
			}
		})
	}
}
