package wecomtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/internal/msgcrypt"
)

// testSelectCard is a create card of choices as templates/wecom/newform.json.tmpl renders it.
const testSelectCard = `{"card_type":"multiple_interaction","main_title":{"title":"新建工单","desc":"选好后提交"},` +
	`"select_list":[{"question_key":"vendor","title":"供应商","selected_id":"ksyun","option_list":[{"id":"ksyun","text":"金山云"},{"id":"aliyun","text":"阿里云"}]},` +
	`{"question_key":"priority","title":"优先级","selected_id":"normal","option_list":[{"id":"urgent","text":"紧急"},{"id":"high","text":"高"},{"id":"normal","text":"中"}]},` +
	`{"question_key":"type","title":"类型","option_list":[{"id":"incident","text":"问题"},{"id":"question","text":"咨询"}]}],` +
	`"submit_button":{"text":"下一步","key":"newform 5f3a9c0e1b2d4f60"}}`

func selectCard(f func(c map[string]any)) string {
	var c map[string]any
	_ = json.Unmarshal([]byte(testSelectCard), &c)
	c["task_id"] = "tb-" + randomHex(4)
	if f != nil {
		f(c)
	}
	b, _ := json.Marshal(map[string]any{"msgtype": "template_card", "template_card": c})
	return string(b)
}

// selects reaches the card's select_list, to change it.
func selects(c map[string]any) []any { return c["select_list"].([]any) }

func options(n int) []map[string]string {
	var os []map[string]string
	for i := range n {
		os = append(os, map[string]string{"id": fmt.Sprintf("o%d", i), "text": fmt.Sprintf("选项%d", i)})
	}
	return os
}

// A multiple_interaction card is checked as DOC 101032 says: its selects, their options and
// its submit button.
func TestMultipleInteractionCard(t *testing.T) {
	f := New(Config{})
	defer f.Close()
	tests := []struct {
		name, body string
		code       int
	}{
		{"the create card", selectCard(nil), 0},
		{"no task_id", selectCard(func(c map[string]any) { delete(c, "task_id") }), fakeCodeTaskID},
		{"no title", selectCard(func(c map[string]any) { c["main_title"] = map[string]string{"desc": "x"} }), fakeCodeCard},
		{"no selects", selectCard(func(c map[string]any) { delete(c, "select_list") }), fakeCodeCard},
		{"four selects", selectCard(func(c map[string]any) {
			c["select_list"] = append(selects(c), map[string]any{"question_key": "more", "option_list": options(1)})
		}), fakeCodeCard},
		{"a select without options", selectCard(func(c map[string]any) { selects(c)[2].(map[string]any)["option_list"] = []any{} }), fakeCodeCard},
		{"eleven options", selectCard(func(c map[string]any) { selects(c)[2].(map[string]any)["option_list"] = options(11) }), fakeCodeCard},
		{"ten options", selectCard(func(c map[string]any) { selects(c)[2].(map[string]any)["option_list"] = options(10) }), 0},
		{"two selects, one key", selectCard(func(c map[string]any) { selects(c)[1].(map[string]any)["question_key"] = "vendor" }), fakeCodeCard},
		{"no question_key", selectCard(func(c map[string]any) { delete(selects(c)[1].(map[string]any), "question_key") }), fakeCodeCard},
		{"a question_key of 1025 bytes", selectCard(func(c map[string]any) { selects(c)[1].(map[string]any)["question_key"] = strings.Repeat("k", 1025) }), fakeCodeCard},
		{"an option id of 129 bytes", selectCard(func(c map[string]any) {
			selects(c)[2].(map[string]any)["option_list"] = []map[string]string{{"id": strings.Repeat("i", 129), "text": "x"}}
		}), fakeCodeCard},
		{"two options, one id", selectCard(func(c map[string]any) {
			selects(c)[2].(map[string]any)["option_list"] = []map[string]string{{"id": "a", "text": "x"}, {"id": "a", "text": "y"}}
		}), fakeCodeCard},
		{"an option text of 11 characters", selectCard(func(c map[string]any) {
			selects(c)[2].(map[string]any)["option_list"] = []map[string]string{{"id": "a", "text": strings.Repeat("长", 11)}}
		}), fakeCodeCard},
		{"a select title of 14 characters", selectCard(func(c map[string]any) { selects(c)[0].(map[string]any)["title"] = strings.Repeat("长", 14) }), fakeCodeCard},
		{"a selected_id it does not offer", selectCard(func(c map[string]any) { selects(c)[0].(map[string]any)["selected_id"] = "weiban" }), fakeCodeCard},
		{"no submit_button", selectCard(func(c map[string]any) { delete(c, "submit_button") }), fakeCodeCard},
		{"a submit key of 1025 bytes", selectCard(func(c map[string]any) {
			c["submit_button"] = map[string]string{"text": "提交", "key": strings.Repeat("k", 1025)}
		}), fakeCodeCard},
		{"a submit text of 11 characters", selectCard(func(c map[string]any) {
			c["submit_button"] = map[string]string{"text": strings.Repeat("长", 11), "key": "k"}
		}), fakeCodeCard},
	}
	for _, tt := range tests {
		if code := postFake(t, f.ResponseURL(testChat), tt.body); code != tt.code {
			t.Errorf("%s: errcode %d, want %d", tt.name, code, tt.code)
		}
	}
}

// A submit is built from the card as WeCom's client sends it: each select's choice, the
// one it shows where none was made; a choice the card does not offer cannot be sent.
func TestSubmitEvent(t *testing.T) {
	var sent struct {
		TemplateCard json.RawMessage `json:"template_card"`
	}
	_ = json.Unmarshal([]byte(selectCard(func(c map[string]any) { c["task_id"] = "tb-form" })), &sent)
	ev, err := SubmitEvent(sent.TemplateCard, "m1", testChat, testUser, map[string]string{"vendor": "aliyun", "priority": "high"})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		MsgType string `json:"msgtype"`
		Event   struct {
			Card struct {
				CardType string `json:"card_type"`
				EventKey string `json:"event_key"`
				TaskID   string `json:"task_id"`
				Selected struct {
					Items []struct {
						Key string `json:"question_key"`
						IDs struct {
							IDs []string `json:"option_id"`
						} `json:"option_ids"`
					} `json:"selected_item"`
				} `json:"selected_items"`
			} `json:"template_card_event"`
		} `json:"event"`
	}
	if err := json.Unmarshal(ev, &got); err != nil {
		t.Fatal(err)
	}
	c := got.Event.Card
	var picks []string
	for _, it := range c.Selected.Items {
		picks = append(picks, it.Key+"="+strings.Join(it.IDs.IDs, ","))
	}
	// type has no selected_id: the client shows, and submits, its first option.
	if c.CardType != "multiple_interaction" || c.EventKey != "newform 5f3a9c0e1b2d4f60" || c.TaskID != "tb-form" ||
		strings.Join(picks, " ") != "vendor=aliyun priority=high type=incident" {
		t.Fatalf("submit event %s", ev)
	}
	for _, bad := range []map[string]string{{"vendor": "weiban"}, {"product": "ecs"}} {
		if _, err := SubmitEvent(sent.TemplateCard, "m2", testChat, testUser, bad); err == nil {
			t.Errorf("a submit choosing %v was built", bad)
		}
	}
	var ticket struct {
		TemplateCard json.RawMessage `json:"template_card"`
	}
	_ = json.Unmarshal([]byte(cardWith(nil)), &ticket)
	if _, err := SubmitEvent(ticket.TemplateCard, "m3", testChat, testUser, nil); err == nil {
		t.Error("a button card was submitted")
	}
}

// A click's passive reply is checked as the card update it must be: update_template_card, a
// valid card, the clicked card's task_id.
func TestClickReplyIsChecked(t *testing.T) {
	f := New(Config{})
	defer f.Close()
	var reply string
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := msgcrypt.New(EncodingAESKey)
		ts, nonce := "1700000000", r.URL.Query().Get("nonce")
		enc := c.Encrypt([]byte(reply), "")
		b, _ := json.Marshal(map[string]any{"encrypt": enc, "msgsignature": msgcrypt.Signature(Token, ts, nonce, enc), "timestamp": json.Number(ts), "nonce": nonce})
		_, _ = w.Write(b)
	}))
	defer bot.Close()
	var form map[string]any
	_ = json.Unmarshal([]byte(testSelectCard), &form)
	update := func(card map[string]any, taskID string) string {
		card["task_id"] = taskID
		b, _ := json.Marshal(map[string]any{"response_type": "update_template_card", "template_card": card})
		return string(b)
	}
	broken := map[string]any{}
	_ = json.Unmarshal([]byte(testSelectCard), &broken)
	delete(broken, "submit_button")
	for i, tt := range []struct {
		name, reply string
		ok          bool
	}{
		{"the card updated", update(form, "tb-click"), true},
		{"another card's task_id", update(form, "tb-other"), false},
		{"a card WeCom refuses", update(broken, "tb-click"), false},
		{"a message, not an update", `{"msgtype":"template_card","template_card":` + testSelectCard + `}`, false},
	} {
		reply = tt.reply
		_, err := f.PostClick(context.Background(), bot.URL, "m-"+strconv.Itoa(i), testChat, testUser, "tb-click", "newform k")
		if (err == nil) != tt.ok {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}
