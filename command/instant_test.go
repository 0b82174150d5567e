package command

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
)

// AnswerNow gives, at once, exactly the answer HandleMessage would send for help and usage
// hints, and leaves everything else to HandleMessage.
func TestAnswerNow(t *testing.T) {
	allowOne := Config{Chats: []Chat{{Platform: "feishu", ChatID: "oc_group"}, {Platform: "wecom", ChatID: "oc_group"}}}
	for _, tt := range []struct {
		name string
		cfg  Config
		m    msg
		want bool // answered now
	}{
		{name: "help", m: msg{text: "帮助"}, want: true},
		{name: "help on WeCom", m: msg{platform: "wecom", text: "help"}, want: true},
		{name: "help about one command", m: msg{text: "帮助 关闭"}, want: true},
		{name: "nothing at all is help", m: msg{platform: "wecom", text: ""}, want: true},
		{name: "no such command", m: msg{text: "frobnicate"}, want: true},
		{name: "text that names a ticket: its card answers", m: msg{text: "看下 ksyun:1204"}},
		// WeCom's guided create may be waiting for this text as its title (draft.go).
		{name: "no such command where a guided create may wait for it", m: msg{platform: "wecom", text: "frobnicate"}},
		{name: "建单 alone, where the guided create's card answers it", m: msg{platform: "wecom", text: "建单"}},
		{name: "建单 alone, where the create form answers it", m: msg{text: "new"}},
		{name: "a command written wrong", m: msg{platform: "wecom", text: "关闭"}, want: true},
		{name: "help with words that do not belong", m: msg{text: "帮助 怎么用"}, want: true},
		{name: "a command that does something", m: msg{text: "新建 ksyun 数据库连接超时"}},
		{name: "a command that reads the vendor", m: msg{text: "查看 ksyun:1"}},
		{name: "list", m: msg{text: "列表"}},
		{name: "a reply under a card", m: msg{text: "关闭", parent: "om_card"}},
		{name: "a quote of a card", m: msg{platform: "wecom", text: "help", quote: "工单 ksyun:1"}},
		{name: "a chat that is not allowed", cfg: allowOne, m: msg{chat: "oc_other", text: "帮助"}},
		{name: "an allowed chat", cfg: allowOne, m: msg{text: "帮助"}, want: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.cfg)
			m := h.message(tt.m)
			out, ok := h.bot.AnswerNow(m)
			if ok != tt.want {
				t.Fatalf("AnswerNow answered %v (%s), want %v", ok, out.Body, tt.want)
			}
			if !ok {
				return
			}
			sent := h.send(tt.m)
			if len(sent) != 1 {
				t.Fatalf("HandleMessage sent %d messages, want 1: %v", len(sent), sent)
			}
			if out.Kind != sent[0].Out.Kind || !bytes.Equal(out.Body, sent[0].Out.Body) {
				t.Errorf("AnswerNow gave %s %s\nHandleMessage sent %s %s", out.Kind, out.Body, sent[0].Out.Kind, sent[0].Out.Body)
			}
			if !strings.HasSuffix(out.Key, m.MessageID) {
				t.Errorf("key %q does not name the message %s", out.Key, m.MessageID)
			}
		})
	}
}

// A person over the rate limit is left to HandleMessage, which tells them once; an answer
// given now counts against the limit like any command.
func TestAnswerNowRespectsTheRateLimit(t *testing.T) {
	h := newHarness(t, Config{CommandsPerMinute: 2})
	for i := range 2 {
		if _, ok := h.bot.AnswerNow(h.message(msg{text: "帮助"})); !ok {
			t.Fatalf("help %d was not answered now", i+1)
		}
	}
	if out, ok := h.bot.AnswerNow(h.message(msg{text: "帮助"})); ok {
		t.Fatalf("the third help in a minute was answered now: %s", out.Body)
	}
	sent := h.send(msg{text: "帮助"})
	if len(sent) != 1 || !strings.Contains(sent[0].Text(), h.bot.env.text(false, "too_fast")) {
		t.Fatalf("HandleMessage after the limit sent %v, want the too-fast sentence once", sent)
	}
}

// An answer now must not overtake the chat's answers still waiting for its send rate; another
// chat is answered now all along.
func TestAnswerNowWaitsBehindKeptAnswers(t *testing.T) {
	h := newPacedHarness(t, bot.Rate{N: 1, Per: time.Minute})
	h.show("oc_busy", 1)
	if got := h.show("oc_busy", 2); len(got) != 0 {
		t.Fatalf("posted over the rate: %v", got)
	}
	if out, ok := h.bot.AnswerNow(h.message(msg{chat: "oc_busy", text: "帮助"})); ok {
		t.Fatalf("answered now past a kept answer: %s", out.Body)
	}
	if _, ok := h.bot.AnswerNow(h.message(msg{chat: "oc_quiet", text: "帮助"})); !ok {
		t.Fatal("a chat with nothing waiting was not answered now")
	}
}

// BenchmarkAnswerNow is the handler's share of an answer given in the ack: the help drawn from
// the command table, the usage hint of a command written wrongly, and of chatter (text that is
// no command, from a person whose guided create waits for nothing: the drafts' memory says so).
// The memories are read again in the background as they age; an ask meanwhile goes to the
// queue, counted as queued/op.
func BenchmarkAnswerNow(b *testing.B) {
	h := newHarness(b, Config{CommandsPerMinute: -1})
	h.cached() // as the app runs it: the languages and the drafts from memory
	h.bot.storedLanguages(context.Background(), "wecom", "oc_group", "ou_zhang")
	for _, bc := range []struct{ name, text string }{{"help", "help"}, {"hint", "关注 今天下午三点"}, {"chatter", "数据库连接超时了"}} {
		b.Run(bc.name, func(b *testing.B) {
			m := h.message(msg{platform: "wecom", text: bc.text})
			deadline := time.Now().Add(5 * time.Second)
			for _, ok := h.bot.AnswerNow(m); !ok; _, ok = h.bot.AnswerNow(m) {
				if time.Now().After(deadline) {
					b.Fatal("never answered now")
				}
				time.Sleep(time.Millisecond)
			}
			queued := 0
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := h.bot.AnswerNow(m); !ok {
					queued++
				}
			}
			b.ReportMetric(float64(queued)/float64(b.N), "queued/op")
		})
	}
}
