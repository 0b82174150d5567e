package command

import (
	"context"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

// A message that names a ticket and is no command gets the ticket's card: said to the bot
// anywhere, overheard only where the chat unfurls; overheard, a reference it cannot show and
// a command word are passed over.
func TestUnfurl(t *testing.T) {
	unfurling := Config{Chats: []Chat{{Platform: "feishu", ChatID: "oc_group", Unfurl: true}}}
	ctx := context.Background()
	newH := func(cfg Config) *harness {
		h := newHarness(t, cfg)
		h.vendors["ksyun"].put(providers.Ticket{Provider: "ksyun", ID: "1204", Title: "数据库连接超时", Status: providers.StatusInProgress})
		return h
	}
	texts := func(ps []posted) string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Op+": "+p.Text())
		}
		return strings.Join(out, "\n")
	}

	t.Run("said to the bot", func(t *testing.T) {
		h := newH(Config{})
		shown := texts(h.say("看下 ksyun:1204 怎么样了"))
		if !strings.Contains(shown, `"cmd":"show ksyun:1204"`) || !strings.Contains(shown, "数据库连接超时") {
			t.Errorf("no card:\n%s", shown)
		}
	})
	t.Run("a link", func(t *testing.T) {
		h := newH(Config{})
		shown := texts(h.say("https://console.ksyun.com/ticket/1204 这个"))
		if !strings.Contains(shown, "ksyun:1204") {
			t.Errorf("no card:\n%s", shown)
		}
	})
	t.Run("overheard where the chat unfurls", func(t *testing.T) {
		h := newH(unfurling)
		m := h.message(msg{text: "关闭 ksyun:1204 吧，应该好了"})
		m.Overheard = true
		if !h.bot.Unfurls(m) {
			t.Fatal("the ack path drops it")
		}
		n := h.feishu.count()
		h.bot.HandleMessage(ctx, m)
		shown := texts(h.feishu.since(n))
		if !strings.Contains(shown, `"cmd":"show ksyun:1204"`) {
			t.Errorf("overheard, answered:\n%s", shown)
		}
		if _, _, closes := h.vendors["ksyun"].calls(); closes != 0 {
			t.Errorf("an overheard command word closed the ticket")
		}
	})
	t.Run("overheard where the chat does not unfurl", func(t *testing.T) {
		h := newH(Config{})
		m := h.message(msg{text: "ksyun:1204"})
		m.Overheard = true
		if h.bot.Unfurls(m) {
			t.Error("a chat that does not unfurl lets chatter through")
		}
		m.Text = "明天 10:30 开会"
		if newH(unfurling).bot.Unfurls(m) {
			t.Error("chatter with no ticket is let through")
		}
	})
	t.Run("overheard, a ticket it cannot show", func(t *testing.T) {
		h := newH(unfurling)
		m := h.message(msg{text: "ksyun:9999"})
		m.Overheard = true
		n := h.feishu.count()
		h.bot.HandleMessage(ctx, m)
		if got := h.feishu.since(n); len(got) != 0 {
			t.Errorf("answered chatter about a ticket it cannot show:\n%s", texts(got))
		}
	})
}
