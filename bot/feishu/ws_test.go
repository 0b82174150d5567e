package feishu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher/callback"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
)

func newWebsocket(t *testing.T, sink bot.Sink, baseURL string) *Feishu {
	t.Helper()
	cfg := Config{Mode: ModeWebsocket, AppID: testAppID, AppSecret: testAppSecret, BaseURL: baseURL}
	f, err := New(cfg, sink, nil)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestWSMessage feeds the dispatcher the plaintext frame payload, exactly as the ws client
// does (d.Do), and checks the sink gets what the HTTP path delivers for the same event.
func TestWSMessage(t *testing.T) {
	payload := feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, "show ksyun 1204",
		feishutest.WithParentID("om_p"), feishutest.WithRootID("om_r"), feishutest.WithVerificationToken(testToken))

	wsSink := &recordingSink{}
	resp, err := newWebsocket(t, wsSink, "").eventDispatcher().Do(context.Background(), payload)
	if err != nil || resp != nil {
		t.Fatalf("Do = %v, %v", resp, err)
	}
	httpSink := &recordingSink{}
	body, hdr := sealed(payload)
	post(t, newWebhook(t, httpSink).Handler(), body, hdr)

	got, want := wsSink.messages(), httpSink.messages()
	if len(got) != 1 || len(want) != 1 || !reflect.DeepEqual(got[0], want[0]) {
		t.Fatalf("ws  %+v\nhttp %+v", got, want)
	}
	if got[0].Text != "show ksyun 1204" || got[0].ParentID != "om_p" {
		t.Fatalf("message %+v", got[0])
	}
}

func TestWSPostMessage(t *testing.T) {
	sink := &recordingSink{}
	payload := feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, "",
		feishutest.WithContent("post", `{"title":"","content":[[{"tag":"at","user_id":"@_user_1"},{"tag":"text","text":" list"}]]}`,
			feishutest.Mention{Key: "@_user_1", OpenID: "ou_b", Name: "bot", Type: "bot"}))
	if _, err := newWebsocket(t, sink, "").eventDispatcher().Do(context.Background(), payload); err != nil {
		t.Fatal(err)
	}
	if got := sink.messages(); len(got) != 1 || got[0].Text != "list" {
		t.Fatalf("got %+v", got)
	}
}

func TestWSMessageBusyIsRedelivered(t *testing.T) {
	d := newWebsocket(t, &recordingSink{msgErr: bot.ErrBusy}, "").eventDispatcher()
	// An error makes the ws client answer the frame with 500, and Feishu redelivers.
	if _, err := d.Do(context.Background(), feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, "x")); !errors.Is(err, bot.ErrBusy) {
		t.Fatalf("err = %v", err)
	}
	// Ignored messages are acknowledged.
	if _, err := d.Do(context.Background(), feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, "x", feishutest.WithSenderType("app"))); err != nil {
		t.Fatalf("ignored message: %v", err)
	}
}

func TestWSCardAction(t *testing.T) {
	card := []byte(`{"schema":"2.0","config":{"update_multi":true},"body":{"elements":[]}}`)
	sink := &recordingSink{actRes: bot.ActionResult{Toast: bot.Toast{Type: "success", Text: "已关闭"}, Card: card}}
	form := map[string]string{"reply_text": "hello"}
	payload := feishutest.CardActionEvent("ev2", testChat, "om_card", testUser, "close ksyun 1204", form, testToken, feishutest.WithCardToken("c-tok"))

	resp, err := newWebsocket(t, sink, "").eventDispatcher().Do(context.Background(), payload)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := resp.(*callback.CardActionTriggerResponse)
	if !ok {
		t.Fatalf("response %T", resp)
	}
	// The ws client marshals the response into the ACK frame.
	b, _ := json.Marshal(r)
	if want := `{"toast":{"type":"success","content":"已关闭"},"card":{"type":"raw","data":` + string(card) + `}}`; string(b) != want {
		t.Fatalf("ack %s\nwant %s", b, want)
	}

	httpSink := &recordingSink{actRes: sink.actRes}
	body, hdr := sealed(payload)
	post(t, newWebhook(t, httpSink).Handler(), body, hdr)
	got, want := sink.actions(), httpSink.actions()
	if len(got) != 1 || len(want) != 1 || fmt.Sprint(got[0]) != fmt.Sprint(want[0]) {
		t.Fatalf("ws  %+v\nhttp %+v", got, want)
	}
	if got[0].Token != "c-tok" || got[0].Form["reply_text"] != "hello" || got[0].Command != "close ksyun 1204" {
		t.Fatalf("action %+v", got[0])
	}
}

// The long connection carries a select menu's choice as the webhook does.
func TestWSCardActionSelect(t *testing.T) {
	sink := &recordingSink{}
	payload := feishutest.CardActionEvent("ev3", testChat, "om_card", testUser, "newform k pick", nil, testToken, feishutest.WithSelect("vendor", "aliyun"))
	if _, err := newWebsocket(t, sink, "").eventDispatcher().Do(context.Background(), payload); err != nil {
		t.Fatal(err)
	}
	httpSink := &recordingSink{}
	body, hdr := sealed(payload)
	post(t, newWebhook(t, httpSink).Handler(), body, hdr)
	for name, s := range map[string]*recordingSink{"ws": sink, "http": httpSink} {
		got := s.actions()
		if len(got) != 1 || got[0].Form["vendor"] != "aliyun" || got[0].Command != "newform k pick" {
			t.Errorf("%s: actions %+v", name, got)
		}
	}
}

func TestWSCardActionError(t *testing.T) {
	sink := &recordingSink{actErr: errors.New("internal detail")}
	resp, err := newWebsocket(t, sink, "").eventDispatcher().Do(context.Background(),
		feishutest.CardActionEvent("ev2", testChat, "om_card", testUser, "x", nil, ""))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(resp)
	if string(b) != `{"toast":{"type":"error","content":"内部错误，请稍后再试"}}` {
		t.Fatalf("ack %s", b)
	}
}

func TestRun(t *testing.T) {
	fake := feishutest.New(testAppID, testAppSecret)
	defer fake.Close()

	t.Run("webhook mode", func(t *testing.T) {
		if err := newWebhook(t, &recordingSink{}).Run(context.Background()); err == nil {
			t.Fatal("Run in webhook mode succeeded")
		}
	})
	t.Run("bootstrap goes to base_url and its refusal is returned", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		f := newWebsocket(t, &recordingSink{}, fake.URL())
		err := f.Run(ctx)
		if err == nil || !strings.Contains(err.Error(), "long connection") {
			t.Fatalf("Run = %v", err)
		}
		if f.Connected() {
			t.Error("a refused long connection says it is connected")
		}
		if strings.Contains(err.Error(), testAppSecret) {
			t.Fatalf("error leaks the secret: %v", err)
		}
		var saw bool
		for _, r := range fake.Requests() {
			saw = saw || r.Path == "/callback/ws/endpoint"
		}
		if !saw {
			t.Fatal("the fake saw no bootstrap request")
		}
	})
	t.Run("canceled context returns nil", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := newWebsocket(t, &recordingSink{}, fake.URL()).Run(ctx); err != nil {
			t.Fatalf("Run = %v", err)
		}
	})
}

func TestWebsocketModeHasNoWebhook(t *testing.T) {
	rec := post(t, newWebsocket(t, &recordingSink{}, "").Handler(), []byte(`{}`), nil)
	if rec.Code != 404 {
		t.Fatalf("got %d", rec.Code)
	}
}
