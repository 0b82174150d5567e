package wecom

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/bot"
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
