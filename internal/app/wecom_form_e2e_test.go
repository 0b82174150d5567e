package app

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot/wecom"
	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
)

// The WeCom guided create through the real server (HTTP callbacks): 建单 alone posts the card
// of choices; its submit, made as WeCom's client makes it, turns it into the waiting card in
// the passive reply; the next message files the Kingsoft ticket with the choices, its title
// and its details, and posts the ticket's card; a message after that files nothing.
func TestEndToEndWeComGuidedCreate(t *testing.T) {
	h, wf := startWeComHarness(t, "webhook", "")
	ctx := context.Background()
	url := h.url + wecom.CallbackPath

	// Not answered in the callback's response: the card comes through the response_url.
	if r, err := wf.PostText(ctx, url, "g-1", wecomChat, "zhangsan", "@ticketbot 建单"); err != nil || r.Status != 200 || r.Plain != nil {
		t.Fatalf("建单: %+v %v", r, err)
	}
	form := waitCard(t, wf, `"card_type":"multiple_interaction"`)
	if form.Channel != "response_url" || form.Chat != wecomChat {
		t.Errorf("the card went by %s to %q", form.Channel, form.Chat)
	}

	// The submit: the vendor as the card shows it (ksyun, the default), high, a question.
	r, err := wf.PostSubmit(ctx, url, "g-2", wecomChat, "zhangsan", form.Card(), map[string]string{"priority": "high", "type": "question"})
	if err != nil || r.Status != 200 {
		t.Fatalf("submit: %+v %v\n%s", r, err, h.logs)
	}
	var update struct {
		ResponseType string `json:"response_type"`
		Card         struct {
			CardType string `json:"card_type"`
			TaskID   string `json:"task_id"`
			Sub      string `json:"sub_title_text"`
		} `json:"template_card"`
	}
	if err := json.Unmarshal(r.Plain, &update); err != nil || update.ResponseType != "update_template_card" || update.Card.CardType != "button_interaction" ||
		update.Card.TaskID != form.TaskID() || !strings.Contains(string(r.Plain), "金山云") || !strings.Contains(update.Card.Sub, "第一行写标题") {
		t.Fatalf("the submit's passive reply: %s (%v)", r.Plain, err)
	}
	if n := len(h.ksyun.Tickets()); n != 0 {
		t.Fatalf("the submit filed %d tickets before the title came", n)
	}

	// The title and the details.
	if _, err := wf.PostText(ctx, url, "g-3", wecomChat, "zhangsan", "@ticketbot 订单服务 502\n从 09:38 起 5xx 比例 35%"); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the ticket at Kingsoft", func() bool { return len(h.ksyun.Tickets()) == 1 })
	tk := h.ksyun.Tickets()[0]
	if tk.Title != "订单服务 502" || tk.Detail != "从 09:38 起 5xx 比例 35%" || tk.Priority != 1 || tk.Type != 3 {
		t.Errorf("the ticket at Kingsoft: %+v", tk)
	}
	card := waitCard(t, wf, "订单服务 502")
	if !strings.Contains(string(card.Body), `"key":"confirm close ksyun:`) {
		t.Errorf("the ticket's card: %s", card.Body)
	}

	// The draft is answered: the next message is text that is no command, and files nothing.
	if _, err := wf.PostText(ctx, url, "g-4", wecomChat, "zhangsan", "@ticketbot 再来一条"); err != nil {
		t.Fatal(err)
	}
	if got, ok := wf.WaitFor(10*time.Second, func(s []wecomtest.Sent) bool {
		for _, x := range s {
			if strings.Contains(x.Content(), "没有「再来一条」这个命令") {
				return true
			}
		}
		return false
	}); !ok {
		t.Fatalf("no answer to the message after the ticket: %s\n%s", sentSummary(got), h.logs)
	}
	// The used card submitted again keeps nothing: its answer is said in the chat.
	if _, err := wf.PostSubmit(ctx, url, "g-5", wecomChat, "zhangsan", form.Card(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := wf.PostText(ctx, url, "g-6", wecomChat, "zhangsan", "@ticketbot 第三条"); err != nil {
		t.Fatal(err)
	}
	if got, ok := wf.WaitFor(10*time.Second, func(s []wecomtest.Sent) bool {
		used, third := false, false
		for _, x := range s {
			used = used || strings.Contains(x.Content(), "这张建单卡片已经用过了")
			third = third || strings.Contains(x.Content(), "没有「第三条」这个命令")
		}
		return used && third
	}); !ok {
		t.Fatalf("the used card's submit and the message after it: %s\n%s", sentSummary(got), h.logs)
	}
	if n := len(h.ksyun.Tickets()); n != 1 {
		t.Errorf("Kingsoft has %d tickets, want 1", n)
	}
}

// The same over the long connection: the submit's waiting card comes as
// aibot_respond_update_msg, checked by the fake as WeCom checks it.
func TestEndToEndWeComGuidedCreateLongConnection(t *testing.T) {
	h, wf := startWeComHarness(t, "websocket", "")
	if !wf.WaitSubscribed(1, 10*time.Second) {
		t.Fatal("the bot never subscribed")
	}
	if _, err := wf.PushMessage(wecomtest.TextMessage("gw-1", wecomChat, "lisi", "@ticketbot 建单 ksyun")); err != nil {
		t.Fatal(err)
	}
	form := waitCard(t, wf, `"card_type":"multiple_interaction"`)
	ev, err := wecomtest.SubmitEvent(form.Card(), "gw-2", wecomChat, "lisi", map[string]string{"priority": "low", "type": "request"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wf.PushEvent(ev); err != nil {
		t.Fatal(err)
	}
	if got, ok := wf.WaitFor(10*time.Second, func(s []wecomtest.Sent) bool {
		for _, x := range s {
			if x.Cmd == "aibot_respond_update_msg" && x.TaskID() == form.TaskID() && strings.Contains(string(x.Body), "请 @我 发送标题和详情") {
				return true
			}
		}
		return false
	}); !ok {
		t.Fatalf("no waiting card in place of the card of choices: %s\n%s", sentSummary(got), h.logs)
	}
	if _, err := wf.PushMessage(wecomtest.TextMessage("gw-3", wecomChat, "lisi", "@ticketbot 证书即将过期\n*.example.com 的证书 3 天后过期")); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the ticket at Kingsoft", func() bool { return len(h.ksyun.Tickets()) == 1 })
	if tk := h.ksyun.Tickets()[0]; tk.Title != "证书即将过期" || tk.Detail != "*.example.com 的证书 3 天后过期" || tk.Priority != 3 || tk.Type != 2 {
		t.Errorf("the ticket at Kingsoft: %+v", tk)
	}
	waitCard(t, wf, "证书即将过期")
}
