package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
)

// A message the sink answers from its text alone is answered in the callback's own response,
// as WeCom takes it (DOC 101031): text as a stream finished in its first answer, a card as a
// template_card with a fresh task_id. Nothing reaches the queue and the response_url stays
// unused. Anything else gets the empty 200 and goes to the queue, as before.
func TestCallbackAnsweredInItsResponse(t *testing.T) {
	s := newSetup(t, nil)
	s.sink.now = func(m bot.Message) (bot.Outgoing, bool) {
		switch m.Text {
		case "help":
			return bot.Outgoing{Kind: bot.KindMarkdown, Body: []byte("**ticketbot 帮助**"), Key: "card:" + m.MessageID}, true
		case "frobnicate":
			return bot.Outgoing{Kind: bot.KindText, Body: []byte("没有 <frobnicate> 命令"), Key: "text:" + m.MessageID}, true
		case "card":
			return bot.Outgoing{Kind: bot.KindCard, Body: []byte(testCard)}, true
		}
		return bot.Outgoing{}, false
	}
	ctx := context.Background()
	type stream struct {
		MsgType string `json:"msgtype"`
		Stream  struct {
			ID      string `json:"id"`
			Finish  bool   `json:"finish"`
			Content string `json:"content"`
		} `json:"stream"`
		TemplateCard struct {
			TaskID string `json:"task_id"`
		} `json:"template_card"`
	}
	for i, tt := range []struct {
		text, msgType, content string
	}{
		{"help", "stream", "**ticketbot 帮助**"},
		{"frobnicate", "stream", "没有 ＜frobnicate> 命令"}, // a sentence is escaped as in any reply
		{"card", "template_card", ""},
	} {
		r, err := s.fake.PostText(ctx, s.callbackURL(), "msg-now-"+tt.text, testChat, testUser, tt.text)
		if err != nil {
			t.Fatalf("%s: %v", tt.text, err) // the fake refuses a reply WeCom would refuse
		}
		var got stream
		if err := json.Unmarshal(r.Plain, &got); err != nil || r.Status != 200 {
			t.Fatalf("%s: answer %d %s (%v)", tt.text, r.Status, r.Plain, err)
		}
		if got.MsgType != tt.msgType || !strings.Contains(got.Stream.Content, tt.content) {
			t.Errorf("%s: answered %s, want %s with %q", tt.text, r.Plain, tt.msgType, tt.content)
		}
		if tt.msgType == "stream" && (!got.Stream.Finish || got.Stream.ID == "") {
			t.Errorf("%s: stream %s is not finished or has no id", tt.text, r.Plain)
		}
		if tt.msgType == "template_card" && got.TemplateCard.TaskID == "" {
			t.Errorf("%s: card without a task_id: %s", tt.text, r.Plain)
		}
		sent := s.fake.Sent()
		if len(sent) != i+1 || sent[i].Chat != testChat || sent[i].MsgType != tt.msgType {
			t.Fatalf("%s: WeCom shows %+v", tt.text, sent)
		}
	}
	if got := s.sink.messages(); len(got) != 0 {
		t.Errorf("answered messages were queued too: %+v", got)
	}

	r, err := s.fake.PostText(ctx, s.callbackURL(), "msg-queued", testChat, testUser, "close ksyun:1204")
	if err != nil || r.Status != 200 || len(r.Body) != 0 {
		t.Fatalf("a command: %+v %v, want an empty 200", r, err)
	}
	if got := s.sink.messages(); len(got) != 1 || got[0].Text != "close ksyun:1204" {
		t.Fatalf("a command was not queued: %+v", got)
	}
	for _, x := range s.fake.Sent() {
		if x.Channel == "response_url" {
			t.Errorf("a response_url was spent: %+v", x)
		}
	}
}

// The fake refuses what WeCom refuses in a message's passive reply.
func TestFakeRefusesABadPassiveReply(t *testing.T) {
	s := newSetup(t, nil)
	s.sink.now = func(m bot.Message) (bot.Outgoing, bool) {
		return bot.Outgoing{Kind: bot.KindCard, Body: []byte(`{"card_type":"no_such_card"}`)}, true
	}
	if _, err := s.fake.PostText(context.Background(), s.callbackURL(), "msg-bad", testChat, testUser, "help"); err == nil {
		t.Fatal("the fake took a card of an unknown type")
	}
}

// The hand-written passive reply is the JSON WeCom documents, for any nonce the query brings.
func TestWritePassive(t *testing.T) {
	w := newWebhook(t, webhookConfig(nil), nopSink{}, nil)
	plain := []byte(`{"msgtype":"stream","stream":{"id":"s1","finish":true,"content":"帮助"}}`)
	for _, nonce := range []string{"1372623149", `a"b\c`, "随机\n数"} {
		rec := httptest.NewRecorder()
		w.writePassive(rec, plain, nonce)
		var r struct {
			Encrypt      string `json:"encrypt"`
			MsgSignature string `json:"msgsignature"`
			Timestamp    int64  `json:"timestamp"`
			Nonce        string `json:"nonce"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || r.Nonce != nonce || r.Timestamp == 0 {
			t.Fatalf("nonce %q: reply %s (%v)", nonce, rec.Body, err)
		}
		got, err := wecomtest.OpenReply(testToken, testAESKey, nonce, rec.Body.Bytes())
		if err != nil || string(got) != string(plain) {
			t.Fatalf("nonce %q: opened %q, %v", nonce, got, err)
		}
	}
}

// appendJSONString writes what encoding/json writes with HTML escaping off.
func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{
		"", "plain", `a"b\c`, "line\nbreak\r\ttab", "\x00\x01\x1f\x7f", "**帮助**\n<font color=\"comment\">用法</font>",
		"sep\u2028and\u2029", "emoji 🎫 & <tag>", "end\\", "\u2029", "cut \xe2\x80",
	} {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if got, want := string(appendJSONString(nil, s)), strings.TrimSuffix(b.String(), "\n"); got != want && utf8.ValidString(s) {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
		if str, byts := string(appendJSONString(nil, s)), string(appendJSONString(nil, []byte(s))); str != byts {
			t.Errorf("appendJSONString of %q: %s from the string, %s from its bytes", s, str, byts)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	f.Add("**帮助**\n<font>")
	f.Fuzz(func(t *testing.T, s string) {
		var back string
		if string(appendJSONString(nil, []byte(s))) != string(appendJSONString(nil, s)) {
			t.Fatalf("appendJSONString of %q differs between string and bytes", s)
		}
		if err := json.Unmarshal(appendJSONString(nil, s), &back); err != nil {
			t.Fatalf("appendJSONString(%q) is not JSON: %v", s, err)
		}
		if utf8.ValidString(s) && back != s {
			t.Fatalf("appendJSONString(%q) reads back as %q", s, back)
		}
	})
}
