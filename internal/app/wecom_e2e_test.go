package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot/wecom"
	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
)

const wecomChat = "wrkSFfCgAAe2E4Z3hOWq9hN0fJ0vx9kQ"

func startWeComHarness(t *testing.T, mode, more string) (*harness, *wecomtest.Server) {
	t.Helper()
	return startWeComHarnessWith(t, wecomtest.Config{}, mode, more)
}

func startWeComHarnessWith(t *testing.T, fcfg wecomtest.Config, mode, more string) (*harness, *wecomtest.Server) {
	t.Helper()
	wf := wecomtest.New(fcfg)
	t.Cleanup(wf.Close)
	fc := wf.Config()
	extra := fmt.Sprintf(`
[wecom]
mode = %q
token = %q
encoding_aes_key = %q
bot_id = %q
secret = %q
api_base_url = %q
ws_url = %q
`, mode, fc.Token, fc.EncodingAESKey, fc.BotID, fc.Secret, wf.URL(), wf.WSURL()) + more
	h := startHarness(t, extra)
	return h, wf
}

// cardSent waits for the first template card the bot sent and returns it.
func waitCard(t *testing.T, wf *wecomtest.Server, contains string) wecomtest.Sent {
	t.Helper()
	got, ok := wf.WaitFor(10*time.Second, func(s []wecomtest.Sent) bool {
		for _, x := range s {
			if x.MsgType == "template_card" && strings.Contains(string(x.Body), contains) {
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("no template card with %q; sent: %+v", contains, got)
	}
	for _, x := range got {
		if x.MsgType == "template_card" && strings.Contains(string(x.Body), contains) {
			return x
		}
	}
	panic("unreachable")
}

func TestEndToEndWeComHTTP(t *testing.T) {
	h, wf := startWeComHarness(t, "webhook", "")
	ctx := context.Background()
	url := h.url + wecom.CallbackPath

	// The URL check answers the plaintext.
	if code, body, err := wf.VerifyURL(ctx, url, "1616140317555161061"); err != nil || code != 200 || body != "1616140317555161061" {
		t.Fatalf("URL verification: %d %q %v", code, body, err)
	}

	// A group command: ticket at the vendor, template card through the response_url.
	cmd := "@ticketbot 建单 ksyun 数据库连接超时\n生产库连接超时"
	if r, err := wf.PostText(ctx, url, "msg-1", wecomChat, "zhangsan", cmd); err != nil || r.Status != 200 {
		t.Fatalf("message: %+v %v", r, err)
	}
	card := waitCard(t, wf, "数据库连接超时")
	if card.Channel != "response_url" || card.Chat != wecomChat {
		t.Errorf("card went by %s to %q", card.Channel, card.Chat)
	}
	id := fmt.Sprint(h.ksyun.Tickets()[0].ID)
	for _, want := range []string{`"key":"confirm close ksyun:` + id + ` #v0"`, "待处理"} {
		if !strings.Contains(string(card.Body), want) {
			t.Errorf("card lacks %s: %s", want, card.Body)
		}
	}
	if strings.Contains(string(card.Body), `"key":"reply `) {
		t.Error("WeCom cards have no reply box: no 回复 button")
	}

	// The same msgid again: still one ticket.
	if r, err := wf.PostText(ctx, url, "msg-1", wecomChat, "zhangsan", cmd); err != nil || r.Status != 200 {
		t.Fatalf("redelivery: %+v %v", r, err)
	}

	// Quoting the card and writing text answers the ticket.
	if _, err := wf.PostText(ctx, url, "msg-2", wecomChat, "zhangsan", "@ticketbot 已重启，请再观察",
		wecomtest.WithQuote("数据库连接超时 ksyun:"+id+" 待处理")); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the quoted reply at the vendor", func() bool { return len(h.commentCalls()) == 1 })
	if c := h.commentCalls()[0]; !strings.Contains(c, "已重启，请再观察") {
		t.Errorf("comment: %s", c)
	}

	// 关闭 on the card asks first: the card turns into the confirmation in the passive reply,
	// and nothing reaches Kingsoft yet.
	r, err := wf.PostClick(ctx, url, "msg-3a", wecomChat, "zhangsan", card.TaskID(), "confirm close ksyun:"+id+" #v0")
	if err != nil || r.Status != 200 {
		t.Fatalf("click: %+v %v", r, err)
	}
	if plain := string(r.Plain); !strings.Contains(plain, "确认关闭 ksyun:"+id+"？") || !strings.Contains(plain, `"key":"close ksyun:`+id+` #v0"`) {
		t.Errorf("confirmation: %s", plain)
	}
	if got, _ := h.ksyun.Ticket(id); got.Status == 3 {
		t.Fatal("closed before 确认关闭")
	}
	// 确认关闭: closed at Kingsoft, the card updated in place in the passive reply.
	r, err = wf.PostClick(ctx, url, "msg-3", wecomChat, "zhangsan", card.TaskID(), "close ksyun:"+id+" #v0")
	if err != nil || r.Status != 200 {
		t.Fatalf("click: %+v %v", r, err)
	}
	plain := string(r.Plain)
	if !strings.Contains(plain, "update_template_card") || !strings.Contains(plain, card.TaskID()) || !strings.Contains(plain, "已关闭") {
		t.Errorf("passive reply to the click: %s", plain)
	}
	if got, _ := h.ksyun.Ticket(id); got.Status != 3 {
		t.Errorf("vendor status %d, want 3", got.Status)
	}

	// Help comes as markdown generated from the command table, in the callback's own answer
	// (a finished stream): nothing queued, no response_url spent.
	r, err = wf.PostText(ctx, url, "msg-4", wecomChat, "zhangsan", "@ticketbot 帮助")
	if err != nil {
		t.Fatal(err)
	}
	var help struct {
		MsgType string `json:"msgtype"`
		Stream  struct {
			Finish  bool   `json:"finish"`
			Content string `json:"content"`
		} `json:"stream"`
	}
	if err := json.Unmarshal(r.Plain, &help); err != nil || help.MsgType != "stream" || !help.Stream.Finish ||
		!strings.Contains(help.Stream.Content, "ticketbot 帮助") || !strings.Contains(help.Stream.Content, "取消关注") {
		t.Fatalf("help in the callback's answer: %s (%v)\n%s", r.Plain, err, h.logs)
	}

	// A forged callback gets 401 and nothing happens.
	resp, err := http.Post(url+"?msg_signature=0000&timestamp=1&nonce=x", "application/json", strings.NewReader(`{"encrypt":"AAAA"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("forged callback: %d", resp.StatusCode)
	}
	if n := len(h.ksyun.Tickets()); n != 1 {
		t.Errorf("vendor has %d tickets, want 1", n)
	}
}

func TestEndToEndWeComLongConnection(t *testing.T) {
	h, wf := startWeComHarness(t, "websocket", fastWatch)
	if !wf.WaitSubscribed(1, 10*time.Second) {
		t.Fatal("the bot never subscribed")
	}
	// Ready once the long connection is up, and its state is on /readyz and /metrics.
	h.waitFor("/readyz to see the long connection", func() bool {
		code, body := getJSON(t, h.admin+"/readyz")
		return code == 200 && strings.Contains(string(body), `"connections":{"wecom":"connected"}`)
	})
	if _, m := getJSON(t, h.admin+"/metrics"); !strings.Contains(string(m), `ticketbot_long_connection_up{platform="wecom"} 1`) {
		t.Errorf("/metrics lacks the long connection:\n%s", grepLines(string(m), "long_connection"))
	}
	cmd := "@ticketbot 建单 ksyun 证书即将过期"
	if _, err := wf.PushMessage(wecomtest.TextMessage("ws-1", wecomChat, "lisi", cmd)); err != nil {
		t.Fatal(err)
	}
	card := waitCard(t, wf, "证书即将过期")
	if card.Channel != "ws" {
		t.Errorf("card went by %s", card.Channel)
	}
	// A redelivery of the same msgid (after a reconnect, say) creates nothing more.
	if _, err := wf.PushMessage(wecomtest.TextMessage("ws-1", wecomChat, "lisi", cmd)); err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprint(h.ksyun.Tickets()[0].ID)

	// Quoting the card answers the ticket.
	if _, err := wf.PushMessage(wecomtest.TextMessage("ws-q", wecomChat, "lisi", "@ticketbot 日志已上传",
		wecomtest.WithQuote("证书即将过期 ksyun:"+id))); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the quoted reply at the vendor", func() bool { return len(h.commentCalls()) == 1 })

	// A change at the vendor reaches the group as a pushed notice.
	if err := h.ksyun.Finish(id); err != nil {
		t.Fatal(err)
	}
	if got, ok := wf.WaitFor(10*time.Second, func(s []wecomtest.Sent) bool {
		for _, x := range s {
			if x.Cmd == "aibot_send_msg" && strings.Contains(x.Content(), "待确认") && strings.Contains(x.Content(), "<@lisi>") {
				return true
			}
		}
		return false
	}); !ok {
		t.Fatalf("no notice pushed to the group; sent %d frames\n%s", len(got), h.logs)
	}

	if _, err := wf.PushEvent(wecomtest.CardEvent("ws-2", wecomChat, "lisi", card.TaskID(), "close ksyun:"+id)); err != nil {
		t.Fatal(err)
	}
	// The clicked card turns 已关闭 in place (other updates, such as the watcher redrawing the
	// card, may come before it).
	if got, ok := wf.WaitFor(10*time.Second, func(s []wecomtest.Sent) bool {
		for _, x := range s {
			if x.Cmd == "aibot_respond_update_msg" && strings.Contains(string(x.Body), "已关闭") {
				return true
			}
		}
		return false
	}); !ok {
		t.Fatalf("no card update showing 已关闭; sent %s\nlogs:\n%s", sentSummary(got), h.logs)
	}
	h.waitFor("the close at Kingsoft", func() bool { tk, _ := h.ksyun.Ticket(id); return tk.Status == 3 })
	if n := len(h.ksyun.Tickets()); n != 1 {
		t.Errorf("vendor has %d tickets, want 1", n)
	}
}

// A notice is only ever posted into the chat it is for: two WeCom groups, each with its own
// robot, get their own tickets' notices and never each other's; a third group without a
// robot gets its notice through nobody else's robot (it waits).
func TestEndToEndWeComNoticesStayInTheirGroup(t *testing.T) {
	const groupA, groupB, groupC = "wrkGroupAAAA", "wrkGroupBBBB", "wrkGroupCCCC"
	chats := ""
	for _, c := range []struct{ chat, key string }{{groupA, "robot-key-a"}, {groupB, "robot-key-b"}, {groupC, ""}} {
		chats += fmt.Sprintf("\n[[chats]]\nplatform = \"wecom\"\nchat_id = %q\nadmins = [\"zhangsan\"]\n", c.chat)
		if c.key != "" {
			chats += fmt.Sprintf("webhook_key = %q\n", c.key)
		}
	}
	h, wf := startWeComHarnessWith(t, wecomtest.Config{Robots: map[string]string{"robot-key-a": groupA, "robot-key-b": groupB}},
		"webhook", fastWatch+chats)
	ctx := context.Background()
	url := h.url + wecom.CallbackPath
	ids := map[string]string{}
	for i, g := range []string{groupA, groupB, groupC} {
		title := "工单 of " + g
		if _, err := wf.PostText(ctx, url, fmt.Sprintf("msg-%d", i), g, "zhangsan", "@ticketbot 建单 ksyun "+title); err != nil {
			t.Fatal(err)
		}
		waitCard(t, wf, title)
		for _, tk := range h.ksyun.Tickets() {
			if tk.Title == title {
				ids[g] = fmt.Sprint(tk.ID)
			}
		}
	}
	// The vendor cancels all three; A and B hear of their own through their own robots.
	for _, g := range []string{groupB, groupA, groupC} {
		if err := h.ksyun.SetStatus(ids[g], 4); err != nil {
			t.Fatal(err)
		}
	}
	notice := func(s wecomtest.Sent, g string) bool {
		return s.Channel == "robot" && strings.Contains(s.Content(), "ksyun:"+ids[g]) && strings.Contains(s.Content(), "已取消")
	}
	got, ok := wf.WaitFor(20*time.Second, func(sent []wecomtest.Sent) bool {
		a, b := false, false
		for _, s := range sent {
			a = a || notice(s, groupA)
			b = b || notice(s, groupB)
		}
		return a && b
	})
	if !ok {
		t.Fatalf("notices of A and B not posted; sent %s\n%s", sentSummary(got), h.logs)
	}
	for _, s := range got {
		if s.Channel != "robot" {
			continue
		}
		for _, g := range []string{groupA, groupB, groupC} {
			if strings.Contains(s.Content(), "ksyun:"+ids[g]) && s.Chat != g {
				t.Errorf("the notice of %s's ticket was posted into %q: %s", g, s.Chat, s.Content())
			}
		}
	}
	// C's notice, due with A's and B's, went nowhere: no robot of another group took it.
	for _, s := range wf.Sent() {
		if strings.Contains(s.Content(), "ksyun:"+ids[groupC]) && strings.Contains(s.Content(), "已取消") {
			t.Errorf("C's notice was posted by %s into %q", s.Channel, s.Chat)
		}
	}
}

func sentSummary(sent []wecomtest.Sent) string {
	var b strings.Builder
	for _, s := range sent {
		fmt.Fprintf(&b, "\n  %s → %s: %s", s.Channel, s.Chat, s.Content())
	}
	return b.String()
}
