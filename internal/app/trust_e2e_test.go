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

// fastRetry makes the outbox retry within milliseconds, so tests see several attempts.
const fastRetry = `
[bot.retry]
base = "20ms"
max = "80ms"
every = "10ms"
`

// createTicket files a ticket through the chat and returns its id and card, recorded.
func (h *harness) createTicket(title string) (string, feishutest.Message) {
	h.t.Helper()
	h.say("ev-create-"+title, "om_create-"+title, "建单 ksyun "+title+"\n详情见群聊。")
	var card feishutest.Message
	h.waitFor("the ticket card of "+title, func() bool {
		for _, m := range h.messages("interactive") {
			if strings.Contains(m.Content, `"content":"`+title+`"`) {
				card = m
				return true
			}
		}
		return false
	})
	h.waitCardRecorded(card.ID)
	for _, tk := range h.ksyun.Tickets() {
		if tk.Title == title {
			return fmt.Sprint(tk.ID), card
		}
	}
	h.t.Fatalf("no ticket %q at the vendor", title)
	return "", card
}

// answersTo lists the bot's text messages in the thread of the message id.
func (h *harness) answersTo(messageID string) []string {
	var out []string
	for _, m := range h.messages("text") {
		if m.ParentID == messageID {
			out = append(out, m.Content)
		}
	}
	return out
}

func (h *harness) waitAnswer(messageID, want string) string {
	h.t.Helper()
	var got string
	h.waitFor("an answer containing "+want, func() bool {
		for _, a := range h.answersTo(messageID) {
			if strings.Contains(a, want) {
				got = a
				return true
			}
		}
		return false
	})
	return got
}

// vendorComments counts the comments holding text that the vendor stored on the ticket.
func (h *harness) vendorComments(id, text string) int {
	t, ok := h.ksyun.Ticket(id)
	if !ok {
		return 0
	}
	n := 0
	for _, a := range t.Assigns {
		for _, e := range a.History {
			if strings.Contains(e.Detail, text) {
				n++
			}
		}
	}
	return n
}

func (h *harness) callsTo(op string) int {
	n := 0
	for _, c := range h.ksyun.Calls() {
		if strings.HasSuffix(c.Path, "/"+op) {
			n++
		}
	}
	return n
}

func TestOutboxQueuedReplyIsDeliveredOnceWhenTheVendorRecovers(t *testing.T) {
	h := startHarness(t, fastRetry)
	id, card := h.createTicket("数据库连接超时")

	h.ksyun.Down()
	h.say("ev-reply", "om_reply", "已重启数据库，请再观察", feishutest.WithRootID(card.ID), feishutest.WithParentID(card.ID))
	queued := h.waitAnswer("om_reply", "回复已保存")
	if !strings.Contains(queued, "金山云暂时无法访问（HTTP 503）") {
		t.Errorf("the queued answer does not say why: %s", queued)
	}
	// Several attempts fail while the vendor is down.
	calls := len(h.ksyun.Calls())
	h.waitFor("retries", func() bool { return len(h.ksyun.Calls()) >= calls+3 })

	h.ksyun.Recover()
	done := h.waitAnswer("om_reply", "✅ 回复已送达工单 ksyun:"+id)
	if !strings.Contains(done, "次尝试") {
		t.Errorf("confirmation: %s", done)
	}
	if n := h.vendorComments(id, "已重启数据库，请再观察"); n != 1 {
		t.Fatalf("the vendor holds the reply %d times, want exactly 1", n)
	}
	// Nothing more arrives later: the job is done, the confirmation posted once.
	time.Sleep(100 * time.Millisecond)
	if n := h.vendorComments(id, "已重启数据库，请再观察"); n != 1 {
		t.Fatalf("the reply was repeated after delivery: %d", n)
	}
	confirmations := 0
	for _, a := range h.answersTo("om_reply") {
		if strings.Contains(a, "✅") {
			confirmations++
		}
	}
	if confirmations != 1 {
		t.Errorf("%d confirmations, want 1: %q", confirmations, h.answersTo("om_reply"))
	}
}

func TestOutboxGivesUpWithTheTextKept(t *testing.T) {
	h := startHarness(t, fastRetry+`give_up_after = "1s"`+"\n")
	id, card := h.createTicket("磁盘告警")

	h.ksyun.Down()
	h.say("ev-reply", "om_reply", "请扩容到 2TB", feishutest.WithRootID(card.ID), feishutest.WithParentID(card.ID))
	h.waitAnswer("om_reply", "回复已保存")
	failed := h.waitAnswer("om_reply", "❌ 回复未能送达工单 ksyun:"+id)
	for _, want := range []string{"一直无法访问", "503", "请扩容到 2TB"} {
		if !strings.Contains(failed, want) {
			t.Errorf("the give-up answer lacks %q: %s", want, failed)
		}
	}
	h.ksyun.Recover()
	time.Sleep(100 * time.Millisecond)
	if n := h.vendorComments(id, "请扩容到 2TB"); n != 0 {
		t.Errorf("a given-up reply reached the vendor %d times", n)
	}
}

func TestOutboxQueuedCreateIsCheckedBeforeItIsRepeated(t *testing.T) {
	h := startHarness(t, fastRetry)
	h.ksyun.Down()
	h.say("ev-create", "om_create", "建单 ksyun 负载均衡 502\n入口 LB 返回 502。")
	h.waitAnswer("om_create", "建单请求已保存")
	h.waitFor("retries", func() bool { return h.callsTo("list_tickets") >= 2 })
	h.ksyun.Recover()
	h.waitFor("the ticket card", func() bool { return len(h.messages("interactive")) == 1 })
	if n := len(h.ksyun.Tickets()); n != 1 {
		t.Fatalf("the vendor has %d tickets, want 1", n)
	}
	card := h.messages("interactive")[0]
	if !strings.Contains(card.Content, "负载均衡 502") || !strings.Contains(card.Content, "自动提交") {
		t.Errorf("card: %s", card.Content)
	}
	// The card is the ticket's living card, and the chat follows the ticket.
	h.waitCardRecorded(card.ID)
	if fs, _ := h.openStore().Following(context.Background(), "feishu", e2eChat); len(fs) != 1 {
		t.Errorf("the chat follows %d tickets, want 1", len(fs))
	}
}

func TestOutboxCreateWhoseAnswerWasLostIsNotDuplicated(t *testing.T) {
	// The vendor files the ticket but its answer never comes back in time: the bot cannot
	// know whether it was filed, and must find it rather than file a second one.
	h := startHarness(t, "timeout = \"300ms\"\n"+fastRetry)
	release := h.ksyun.Hold()
	h.say("ev-create", "om_create", "建单 ksyun 对象存储 403\n上传返回 403。")
	h.waitAnswer("om_create", "建单请求已保存")
	release() // the held create is filed now, long after the bot gave up waiting
	h.waitFor("the ticket card", func() bool { return len(h.messages("interactive")) == 1 })
	time.Sleep(100 * time.Millisecond)
	if n := len(h.ksyun.Tickets()); n != 1 {
		t.Fatalf("the vendor has %d tickets, want 1", n)
	}
	if h.callsTo("list_tickets") == 0 {
		t.Error("the retry did not look for the ticket first")
	}
}

func TestDoubleAndConcurrentClicksCloseOnce(t *testing.T) {
	h := startHarness(t, fmt.Sprintf("[[chats]]\nplatform = \"feishu\"\nchat_id = %q\nadmins = [\"ou_admin\"]\n", e2eChat))
	id, card := h.createTicket("证书过期")
	closeCmd := "close ksyun:" + id + " #v0"
	if !strings.Contains(card.Content, `"cmd":"`+closeCmd+`"`) {
		t.Fatalf("the card's close button does not carry its version: %s", card.Content)
	}

	// Six clicks at once: the creator double-clicking and an admin clicking too.
	users := []string{e2eUser, e2eUser, e2eUser, "ou_admin", "ou_admin", "ou_admin"}
	answers := make([]cardAnswer, len(users))
	var wg sync.WaitGroup
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, body := h.post(feishutest.CardActionEvent(fmt.Sprintf("ev-close-%d", i), e2eChat, card.ID, u, closeCmd, nil, e2eToken))
			if code != http.StatusOK {
				t.Errorf("click %d: HTTP %d %s", i, code, body)
				return
			}
			_ = json.Unmarshal(body, &answers[i])
		}()
	}
	wg.Wait()
	h.waitFor("the close at the vendor", func() bool { return h.callsTo("close_ticket") >= 1 })
	time.Sleep(100 * time.Millisecond)
	if n := h.callsTo("close_ticket"); n != 1 {
		t.Fatalf("close_ticket called %d times for %d clicks, want 1", n, len(users))
	}
	won, told := 0, 0
	for _, a := range answers {
		switch {
		case strings.Contains(a.Toast.Content, "已关闭工单"):
			won++
		case strings.Contains(a.Toast.Content, "已由 @") || strings.Contains(a.Toast.Content, "正在"):
			told++
		}
	}
	if won != 1 || told != len(users)-1 {
		t.Errorf("%d clicks closed and %d were told who acted, want 1 and %d: %+v", won, told, len(users)-1, answers)
	}

	// A click on the old card later still does nothing and names who acted.
	a := h.click("ev-close-late", card.ID, closeCmd, nil)
	if !strings.Contains(a.Toast.Content, "已由 @") || h.callsTo("close_ticket") != 1 {
		t.Errorf("late click: %+v (closes %d)", a.Toast, h.callsTo("close_ticket"))
	}
}

func TestStaleClickIsRefusedWithAFreshCard(t *testing.T) {
	h := startHarness(t, "")
	id, card := h.createTicket("带宽跑满")
	// The card shows version 0; the ticket moved on (say a status change) to version 1.
	db := h.openStore()
	if _, ok, err := db.ClaimTicket(context.Background(), "ksyun", id, 0, store.Claim{Op: "reply", At: time.Now()}); !ok || err != nil {
		t.Fatal(ok, err)
	}
	// An anonymous claim stands for a change nobody in the chat made.
	a := h.click("ev-stale", card.ID, "close ksyun:"+id+" #v5", nil)
	if !strings.Contains(a.Toast.Content, "卡片已过期") {
		t.Errorf("stale click toast: %+v", a.Toast)
	}
	if len(a.Card.Data) == 0 {
		t.Error("a stale click did not get the current card")
	}
	if n := h.callsTo("close_ticket"); n != 0 {
		t.Errorf("a stale click reached the vendor %d times", n)
	}
}

func TestReplyBoxSubmittedTwiceRepliesOnce(t *testing.T) {
	h := startHarness(t, "")
	id, card := h.createTicket("网关超时")
	form := map[string]string{"reply_text": "已切换备用网关"}
	cmd := "reply ksyun:" + id + " #v0"
	first := h.click("ev-submit-1", card.ID, cmd, form)
	second := h.click("ev-submit-2", card.ID, cmd, form)
	if !strings.Contains(first.Toast.Content, "已回复") {
		t.Errorf("first submit: %+v", first.Toast)
	}
	if !strings.Contains(second.Toast.Content, "已由 @") {
		t.Errorf("second submit: %+v", second.Toast)
	}
	if n := h.vendorComments(id, "已切换备用网关"); n != 1 {
		t.Errorf("the vendor holds the reply %d times, want 1", n)
	}
}

func TestMembersOnlyMayWrite(t *testing.T) {
	h := startHarness(t, fmt.Sprintf("[[chats]]\nplatform = \"feishu\"\nchat_id = %q\nmembers = [\"ou_member\"]\n", e2eChat))
	h.say("ev-1", "om_1", "建单 ksyun 数据库连接超时\n详情")
	got := h.waitAnswer("om_1", "只有本群配置的成员")
	if strings.Contains(got, "内部错误") {
		t.Errorf("answer: %s", got)
	}
	if n := len(h.ksyun.Tickets()); n != 0 {
		t.Errorf("a non-member created %d tickets", n)
	}
	// The refusal is in the audit, as denied.
	db := h.openStore()
	h.waitFor("the audit entry", func() bool {
		es, _ := db.Audit(context.Background(), time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		for _, e := range es {
			if e.Command == "new" && e.Result == "denied" && e.UserID == e2eUser {
				return true
			}
		}
		return false
	})
}

func TestCommandRateLimitTellsOnce(t *testing.T) {
	h := startHarnessBot(t, "commands_per_minute = 2", "")
	for i := range 5 {
		h.say(fmt.Sprintf("ev-%d", i), fmt.Sprintf("om_%d", i), "帮助")
	}
	// Workers run the commands in any order: two of the five get help cards, one of the other
	// three is told to slow down, and the rest get nothing.
	tooFast := func() int {
		n := 0
		for i := range 5 {
			for _, a := range h.answersTo(fmt.Sprintf("om_%d", i)) {
				if strings.Contains(a, "太快了") {
					n++
				}
			}
		}
		return n
	}
	h.waitFor("the slow-down answer", func() bool { return tooFast() >= 1 })
	h.waitFor("two help cards", func() bool { return len(h.messages("interactive")) >= 2 })
	time.Sleep(200 * time.Millisecond)
	if n := tooFast(); n != 1 {
		t.Errorf("told to slow down %d times, want once", n)
	}
	if n := len(h.messages("interactive")); n != 2 {
		t.Errorf("%d help cards for a budget of 2", n)
	}
	if n := len(h.messages("text")); n != 1 {
		t.Errorf("%d text answers, want only the one slow-down", n)
	}
	// One audit row for the run of refusals, not one per refused message.
	entries, _ := h.openStore().Audit(context.Background(), time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	limited := 0
	for _, e := range entries {
		if e.Result == "limited" {
			limited++
		}
	}
	if limited != 1 {
		t.Errorf("%d limited audit rows for one run of refusals, want 1", limited)
	}
}

func TestAuditRecordsVendorRequestIDs(t *testing.T) {
	h := startHarness(t, "")
	id, card := h.createTicket("审计")
	h.say("ev-r", "om_r", "补充日志", feishutest.WithRootID(card.ID), feishutest.WithParentID(card.ID))
	h.waitFor("the reply", func() bool { return h.vendorComments(id, "补充日志") == 1 })
	db := h.openStore()
	var entries []store.AuditEntry
	h.waitFor("audit entries", func() bool {
		entries, _ = db.Audit(context.Background(), time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		return len(entries) >= 2
	})
	sent := map[string]bool{}
	for _, rid := range h.ksyun.RequestIDs() {
		sent[rid] = true
	}
	for _, e := range entries[:2] {
		if e.Result != "ok" || e.TicketID != id || e.Provider != "ksyun" || len(e.RequestIDs) == 0 {
			t.Errorf("audit entry: %+v", e)
		}
		for _, rid := range e.RequestIDs {
			if !sent[rid] {
				t.Errorf("audit names request id %q the vendor never sent", rid)
			}
		}
	}
	if entries[0].Command != "new" || entries[1].Command != "reply" {
		t.Errorf("commands: %q, %q", entries[0].Command, entries[1].Command)
	}
}
