package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
	"github.com/ticketbot/ticketbot/store"
)

// chatter is a group message that does not mention the bot, as Feishu delivers it to an app
// with im:message.group_msg.
func chatter(text string, opts ...feishutest.EventOpt) []feishutest.EventOpt {
	c, _ := json.Marshal(map[string]string{"text": text})
	return append([]feishutest.EventOpt{feishutest.WithContent("text", string(c))}, opts...)
}

// Group chatter is no command: 100 messages from one person that neither mention the bot
// nor answer one of its cards get no answer, write no audit row and nothing durable, and
// cost the person none of their command budget; their next command works. A thread reply
// without a mention under the bot's card still reaches the ticket.
func TestChatterIsNoCommand(t *testing.T) {
	h := startHarness(t, "")
	id, card := h.createTicket("磁盘告警")

	var wg sync.WaitGroup
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			opts := chatter(fmt.Sprintf("今天的例会改到下午 %d 点", i))
			if i%10 == 0 { // a thread of someone's own message, not a card
				opts = chatter("收到", feishutest.WithRootID("om_someones_own"), feishutest.WithParentID("om_someones_own"))
			}
			opts = append([]feishutest.EventOpt{feishutest.WithVerificationToken(e2eToken)}, opts...)
			code, body := h.post(feishutest.TextMessageEvent(fmt.Sprintf("ev-chat-%d", i), fmt.Sprintf("om_chat_%d", i), e2eChat, e2eUser, "", opts...))
			if code != http.StatusOK {
				t.Errorf("chatter %d: HTTP %d %s", i, code, body)
			}
		}()
	}
	wg.Wait()

	// Overheard, under the bot's card: a reply to the ticket.
	opts := append([]feishutest.EventOpt{feishutest.WithVerificationToken(e2eToken)}, chatter("已扩容，请再看看", feishutest.WithRootID(card.ID), feishutest.WithParentID(card.ID))...)
	if code, _ := h.post(feishutest.TextMessageEvent("ev-thread", "om_thread", e2eChat, e2eUser, "", opts...)); code != http.StatusOK {
		t.Fatal(code)
	}
	h.waitFor("the thread reply at the vendor", func() bool { return h.vendorComments(id, "已扩容，请再看看") == 1 })

	// The person's next command works: the budget of 20 a minute was not spent on chatter.
	h.say("ev-help", "om_help", "帮助")
	h.waitFor("the help card", func() bool {
		for _, m := range h.messages("interactive") {
			if strings.Contains(m.Content, "ticketbot 帮助") {
				return true
			}
		}
		return false
	})
	for _, m := range h.feishu.Messages() {
		if strings.HasPrefix(m.ParentID, "om_chat_") {
			t.Errorf("chatter was answered: %+v", m)
		}
	}
	db := h.openStore()
	var entries []store.AuditEntry
	h.waitFor("the audit rows of the create and the thread reply", func() bool {
		entries, _ = db.Audit(context.Background(), time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		return len(entries) >= 2
	})
	time.Sleep(100 * time.Millisecond) // a chatter row, if any, would have had time to land
	entries, _ = db.Audit(context.Background(), time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	for _, e := range entries {
		if e.Result == "limited" || (e.Command == "" && e.Result != "ok") {
			t.Errorf("chatter left an audit row: %+v", e)
		}
	}
	if len(entries) != 2 { // the create and the thread reply; help changes nothing
		t.Errorf("%d audit rows, want 2: %+v", len(entries), entries)
	}
	// Nothing durable either: no chatter delivery id is in the store.
	for _, i := range []int{0, 1, 10, 99} {
		fresh, err := db.MarkProcessed(context.Background(), fmt.Sprintf("feishu:msg:om_chat_%d", i), time.Now())
		if err != nil || !fresh {
			t.Errorf("chatter om_chat_%d was recorded (fresh %v, %v)", i, fresh, err)
		}
	}
}
