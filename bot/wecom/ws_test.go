package wecom

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
	"github.com/ticketbot/ticketbot/retry"
)

const wsWait = 5 * time.Second

// wsSetup is a long-connection bot running against a fake, on the real clock with short
// backoff.
type wsSetup struct {
	fake *wecomtest.Server
	bot  *WeCom
	sink *recordingSink
	log  *logBuffer
	done chan error
}

func newWSSetup(t *testing.T, mutate func(*Config, *wecomtest.Config), opts ...Option) *wsSetup {
	t.Helper()
	cfg := Config{Mode: ModeWebsocket, BotID: testBotID, Secret: testSecret}
	fcfg := wecomtest.Config{BotID: testBotID, Secret: testSecret, WebhookKey: testWebhookKey}
	if mutate != nil {
		mutate(&cfg, &fcfg)
	}
	fake := wecomtest.New(fcfg)
	t.Cleanup(fake.Close)
	cfg.WSURL, cfg.APIBaseURL = fake.WSURL(), fake.URL()
	sink := newRecordingSink()
	logs := &logBuffer{}
	opts = append([]Option{WithBackoff(10*time.Millisecond, 50*time.Millisecond), WithAckTimeout(2 * time.Second)}, opts...)
	w, err := New(cfg, sink, newLogger(logs), opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run = %v", err)
			}
		case <-time.After(wsWait):
			t.Error("Run did not return after cancel")
		}
		w.bg.Wait()
	})
	return &wsSetup{fake: fake, bot: w, sink: sink, log: logs, done: done}
}

func (s *wsSetup) subscribed(t *testing.T, n int) {
	t.Helper()
	if !s.fake.WaitSubscribed(n, wsWait) {
		conns, subs, _ := s.fake.WSStats()
		t.Fatalf("subscriptions %d (connections %d), want %d\n%s", subs, conns, n, s.log)
	}
}

func (s *wsSetup) waitSent(t *testing.T, n int) []wecomtest.Sent {
	t.Helper()
	sent, ok := s.fake.WaitFor(wsWait, func(x []wecomtest.Sent) bool { return len(x) >= n })
	if !ok {
		t.Fatalf("fake got %d frames, want %d: %+v\n%s", len(sent), n, sent, s.log)
	}
	return sent
}

func TestWSMessageAndReply(t *testing.T) {
	s := newWSSetup(t, nil)
	s.subscribed(t, 1)
	reqID, err := s.fake.PushMessage(wecomtest.TextMessage("m1", testChat, testUser, "show ksyun:1204", wecomtest.WithQuote("工单 ksyun:1204")))
	if err != nil {
		t.Fatal(err)
	}
	s.sink.waitDeliveries(t, 1)
	want := bot.Message{Platform: "wecom", MessageID: "m1", ChatID: testChat, ChatType: "group", UserID: testUser,
		Text: "show ksyun:1204", Quote: "工单 ksyun:1204"}
	if got := s.sink.messages(); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Fatalf("sink got %+v\nwant %+v", got, want)
	}
	ctx := context.Background()
	ref, err := s.bot.Reply(ctx, bot.CardRef{Platform: Platform, ChatID: testChat, MessageID: "m1"}, text("工单 ksyun:1204 处理中"))
	if err != nil {
		t.Fatal(err)
	}
	sent := s.waitSent(t, 1)
	if sent[0].Cmd != "aibot_respond_msg" || sent[0].ReqID != reqID || sent[0].MsgType != "stream" ||
		sent[0].Content() != "工单 ksyun:1204 处理中" || sent[0].Chat != testChat || ref.ChatID != testChat {
		t.Fatalf("sent %+v ref %+v", sent[0], ref)
	}
	// The req_id answers once; a second reply is pushed.
	if _, err := s.bot.Reply(ctx, bot.CardRef{Platform: Platform, ChatID: testChat, MessageID: "m1"}, card("")); err != nil {
		t.Fatal(err)
	}
	sent = s.waitSent(t, 2)
	if sent[1].Cmd != "aibot_send_msg" || sent[1].MsgType != "template_card" || sent[1].TaskID() == "" {
		t.Fatalf("sent %+v", sent[1])
	}
}

func TestWSClickUpdatesCard(t *testing.T) {
	s := newWSSetup(t, nil)
	s.sink.actRes = bot.ActionResult{Toast: bot.Toast{Type: "success", Text: "已关闭"}, Card: []byte(testCard)}
	s.subscribed(t, 1)
	reqID, err := s.fake.PushEvent(wecomtest.CardEvent("c1", testChat, testUser, "tb-card-7", "close ksyun:1204"))
	if err != nil {
		t.Fatal(err)
	}
	sent := s.waitSent(t, 1)
	if sent[0].Cmd != "aibot_respond_update_msg" || sent[0].ReqID != reqID || sent[0].MsgType != "update_template_card" || sent[0].TaskID() != "tb-card-7" {
		t.Fatalf("sent %+v", sent[0])
	}
	want := bot.Action{Platform: "wecom", EventID: "c1", ChatID: testChat, MessageID: "tb-card-7", UserID: testUser, Command: "close ksyun:1204"}
	if got := s.sink.actions(); len(got) != 1 || got[0].Command != want.Command || got[0].MessageID != want.MessageID || got[0].EventID != want.EventID {
		t.Fatalf("sink got %+v", got)
	}
	// The click was answered: a later Update cannot use its req_id again.
	if err := s.bot.Update(context.Background(), bot.CardRef{MessageID: "tb-card-7"}, card("")); !errors.Is(err, ErrCannotUpdate) {
		t.Fatalf("second update: %v", err)
	}
}

// TestWSLateUpdate: a click answered without a card (the work outlived the sink's wait)
// leaves its req_id to Update, once, within the window.
func TestWSLateUpdate(t *testing.T) {
	s := newWSSetup(t, nil)
	s.sink.actRes = bot.ActionResult{Toast: bot.Toast{Type: "info", Text: "正在处理"}}
	s.subscribed(t, 1)
	reqID, err := s.fake.PushEvent(wecomtest.CardEvent("c1", testChat, testUser, "tb-card-8", "close ksyun:1204"))
	if err != nil {
		t.Fatal(err)
	}
	s.sink.waitDeliveries(t, 1)
	ref := bot.CardRef{Platform: Platform, ChatID: testChat, MessageID: "tb-card-8"}
	// The click is handled in the background; Update may come before its goroutine is done.
	deadline := time.Now().Add(wsWait)
	for {
		err = s.bot.Update(context.Background(), ref, card(""))
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	sent := s.waitSent(t, 1)
	if sent[0].Cmd != "aibot_respond_update_msg" || sent[0].ReqID != reqID || sent[0].TaskID() != "tb-card-8" {
		t.Fatalf("sent %+v", sent[0])
	}
	if err := s.bot.Update(context.Background(), ref, card("")); !errors.Is(err, ErrCannotUpdate) {
		t.Fatalf("second update: %v", err)
	}
	if err := s.bot.Update(context.Background(), bot.CardRef{MessageID: "never-clicked"}, card("")); !errors.Is(err, ErrCannotUpdate) {
		t.Fatalf("unknown card: %v", err)
	}
}

func TestWSClickErrorNotice(t *testing.T) {
	s := newWSSetup(t, nil)
	s.sink.actRes = bot.ActionResult{Toast: bot.Toast{Type: "error", Text: "关闭失败：无权限"}}
	s.subscribed(t, 1)
	if _, err := s.fake.PushEvent(wecomtest.CardEvent("c1", testChat, testUser, "tb-1", "close ksyun:1")); err != nil {
		t.Fatal(err)
	}
	sent := s.waitSent(t, 1)
	if sent[0].Cmd != "aibot_send_msg" || sent[0].Content() != "关闭失败：无权限" || sent[0].Chat != testChat {
		t.Fatalf("sent %+v", sent[0])
	}
}

func TestWSSend(t *testing.T) {
	s := newWSSetup(t, nil)
	s.subscribed(t, 1)
	ctx := context.Background()
	ref, err := s.bot.Send(ctx, testChat, card(""))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.bot.Send(ctx, "single:"+testUser, text("私聊 <@all>")); err != nil {
		t.Fatal(err)
	}
	sent := s.waitSent(t, 2)
	var body struct {
		ChatID   string `json:"chatid"`
		ChatType int    `json:"chat_type"`
	}
	_ = json.Unmarshal(sent[0].Body, &body)
	if sent[0].Cmd != "aibot_send_msg" || body.ChatID != testChat || body.ChatType != ChatTypeGroup || sent[0].TaskID() != ref.MessageID {
		t.Fatalf("card %+v (ref %+v)", sent[0], ref)
	}
	_ = json.Unmarshal(sent[1].Body, &body)
	if body.ChatID != testUser || body.ChatType != ChatTypeSingle || sent[1].Chat != "single:"+testUser || sent[1].Content() != "私聊 ＜@all>" {
		t.Fatalf("single %+v", sent[1])
	}
}

func TestWSFrequencyRetry(t *testing.T) {
	clk := newTestClock(time.Now())
	s := newWSSetup(t, nil, WithSleep(clk.Sleep))
	s.subscribed(t, 1)
	s.fake.FailWS(2, 45009, "api freq out of limit")
	if _, err := s.bot.Send(bot.WithSendWait(context.Background(), time.Minute), testChat, text("x")); err != nil {
		t.Fatal(err)
	}
	if sent := s.fake.Sent(); len(sent) != 1 || clk.Slept() != 15*time.Second {
		t.Fatalf("sent %+v after %v", sent, clk.Slept())
	}
	// Within the default bound the chat is busy for 5 s instead, nothing sent.
	s.fake.FailWS(1, 45009, "api freq out of limit")
	if _, err := s.bot.Send(context.Background(), testChat, text("y")); !errors.Is(err, bot.ErrChatBusy) {
		t.Fatalf("err = %v", err)
	}
	if sent := s.fake.Sent(); len(sent) != 1 || clk.Slept() != 15*time.Second {
		t.Fatalf("sent %+v after %v", sent, clk.Slept())
	}
}

// TestWSReconnect cuts the connection: the bot subscribes again, what was delivered stays
// delivered once, and a send made while it is down goes out after.
func TestWSReconnect(t *testing.T) {
	s := newWSSetup(t, nil)
	s.subscribed(t, 1)
	waitConnected(t, s.bot, true)
	if _, err := s.fake.PushMessage(wecomtest.TextMessage("m1", testChat, testUser, "one")); err != nil {
		t.Fatal(err)
	}
	s.sink.waitDeliveries(t, 1)

	s.fake.DropConnection()
	s.subscribed(t, 2)
	if _, err := s.fake.PushMessage(wecomtest.TextMessage("m2", testChat, testUser, "two")); err != nil {
		t.Fatal(err)
	}
	s.sink.waitDeliveries(t, 2)
	if _, err := s.bot.Send(context.Background(), testChat, text("after")); err != nil {
		t.Fatal(err)
	}
	got := s.sink.messages()
	if len(got) != 2 || got[0].MessageID != "m1" || got[1].MessageID != "m2" {
		t.Fatalf("sink got %+v", got)
	}
	if conns, subs, _ := s.fake.WSStats(); conns != 2 || subs != 2 {
		t.Fatalf("connections %d, subscriptions %d", conns, subs)
	}

	// A send while the connection is down waits for the next one. (A frame written into a
	// connection that is dying but not yet seen to be is not sent again: WeCom may have read
	// it. So the send starts once the bot has seen the loss.)
	s.bot.conn.mu.Lock()
	old := s.bot.conn.cur
	s.bot.conn.mu.Unlock()
	s.fake.DropConnection()
	<-old.done
	waitConnected(t, s.bot, false)
	res := make(chan error, 1)
	go func() {
		_, err := s.bot.Send(context.Background(), testChat, text("queued"))
		res <- err
	}()
	s.subscribed(t, 3)
	if err := <-res; err != nil {
		t.Fatal(err)
	}
	sent := s.waitSent(t, 2)
	if sent[1].Content() != "queued" {
		t.Fatalf("sent %+v", sent)
	}
	if n := len(s.sink.messages()); n != 2 {
		t.Fatalf("%d messages after reconnects", n)
	}
}

// waitConnected waits, bounded, until the bot's readiness says the connection is up (or down).
func waitConnected(t *testing.T, w *WeCom, want bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for w.Connected() != want {
		if time.Now().After(deadline) {
			t.Fatalf("Connected() stayed %v", !want)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestWSKicked(t *testing.T) {
	s := newWSSetup(t, nil)
	s.subscribed(t, 1)
	s.fake.Kick()
	s.subscribed(t, 2)
	if !strings.Contains(s.log.String(), "taken over") {
		t.Fatalf("log:\n%s", s.log)
	}
}

// TestWSPing: pings go out at the interval; when they go unanswered (a dead peer), the bot
// drops the connection and subscribes again.
func TestWSPing(t *testing.T) {
	s := newWSSetup(t, nil, WithPingInterval(20*time.Millisecond), WithAckTimeout(200*time.Millisecond))
	s.subscribed(t, 1)
	if !s.fake.WaitWS(wsWait, func(_, _, pings int) bool { return pings >= 3 }) {
		t.Fatal("no pings")
	}
	s.fake.MutePings(true)
	if !s.fake.WaitWS(wsWait, func(connections, _, _ int) bool { return connections >= 2 }) {
		t.Fatalf("no reconnect after unanswered pings\n%s", s.log)
	}
	s.fake.MutePings(false)
	s.subscribed(t, 2)
	if !strings.Contains(s.log.String(), "ping unanswered") {
		t.Fatalf("log:\n%s", s.log)
	}
}

func TestWSSubscribeRefused(t *testing.T) {
	cfg := Config{Mode: ModeWebsocket, BotID: testBotID, Secret: "wrong-secret-do-not-log"}
	fake := wecomtest.New(wecomtest.Config{BotID: testBotID, Secret: testSecret})
	defer fake.Close()
	cfg.WSURL = fake.WSURL()
	logs := &logBuffer{}
	w, err := New(cfg, newRecordingSink(), newLogger(logs), WithBackoff(10*time.Millisecond, 50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wsWait)
	defer cancel()
	err = w.Run(ctx)
	var se *SubscribeError
	if !errors.As(err, &se) || se.Code == 0 {
		t.Fatalf("Run = %v", err)
	}
	if strings.Contains(err.Error(), "wrong-secret") || strings.Contains(logs.String(), "wrong-secret") {
		t.Fatal("secret leaked")
	}
}

// TestWSNeverTightLoop: with nothing listening, Run retries with growing waits.
func TestWSNeverTightLoop(t *testing.T) {
	fake := wecomtest.New(wecomtest.Config{})
	url := fake.WSURL()
	fake.Close()
	var dials atomic.Int32
	d := &websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	w, err := New(Config{Mode: ModeWebsocket, BotID: "b", Secret: "s", WSURL: url}, nil, nil,
		WithDialer(d), WithBackoff(20*time.Millisecond, 80*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := w.Run(ctx); err != nil {
		t.Fatalf("Run = %v", err)
	}
	// Waits of 10–20, 20–40, then 40–80 ms: about 8 dials in half a second, not hundreds.
	if n := dials.Load(); n < 3 || n > 20 {
		t.Fatalf("%d dials in 500 ms", n)
	}
}

func TestRunWrongMode(t *testing.T) {
	w := newWebhook(t, webhookConfig(nil), nil, nil)
	if err := w.Run(context.Background()); err == nil {
		t.Fatal("Run in webhook mode accepted")
	}
}

func TestBackoff(t *testing.T) {
	b := backoff{policy: retry.Policy{Base: time.Second, Max: 30 * time.Second}}
	var prevMax time.Duration
	for i := range 10 {
		step := min(time.Second<<i, 30*time.Second)
		d := b.next()
		if d < step/2 || d > step {
			t.Fatalf("wait %d = %v, want within [%v, %v]", i, d, step/2, step)
		}
		prevMax = step
	}
	if prevMax != 30*time.Second {
		t.Fatal("no cap")
	}
	b.reset()
	if d := b.next(); d > time.Second {
		t.Fatalf("after reset %v", d)
	}
}

// TestWSCallbackBeforeAck: a callback that overtakes the subscription's acknowledgement is
// handled once subscribed, not dropped.
func TestWSCallbackBeforeAck(t *testing.T) {
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		var sub frame
		if c.ReadJSON(&sub) != nil || sub.Cmd != cmdSubscribe {
			return
		}
		_ = c.WriteJSON(frame{Cmd: cmdMsgCallback, Headers: frameHeaders{"cb1"}, Body: wecomtest.TextMessage("m1", testChat, testUser, "early")})
		_ = c.WriteJSON(frame{Headers: sub.Headers, ErrMsg: "ok"})
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	sink := newRecordingSink()
	w, err := New(Config{Mode: ModeWebsocket, BotID: "b", Secret: "s", WSURL: "ws" + strings.TrimPrefix(srv.URL, "http")}, sink, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	sink.waitDeliveries(t, 1)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := sink.messages(); len(got) != 1 || got[0].Text != "early" {
		t.Fatalf("%+v", got)
	}
}

// A click's one card update belongs to its own answer: while the click runs, and after it
// promised its result for later, another update of the card (the watcher redrawing it) is
// refused, so the click's answer is never lost to a stale redraw.
func TestWSClickOwnsItsUpdate(t *testing.T) {
	s := newWSSetup(t, nil)
	s.subscribed(t, 1)
	ref := bot.CardRef{Platform: Platform, ChatID: testChat, MessageID: "tb-card-9"}

	// 1. The click is still running: a redraw is refused; the click's card goes out.
	hold := make(chan struct{})
	s.sink.mu.Lock()
	s.sink.hold, s.sink.actRes = hold, bot.ActionResult{Card: []byte(testCard)}
	s.sink.mu.Unlock()
	reqID, err := s.fake.PushEvent(wecomtest.CardEvent("c1", testChat, testUser, "tb-card-9", "close ksyun:1204"))
	if err != nil {
		t.Fatal(err)
	}
	s.sink.waitDeliveries(t, 1)
	if err := s.bot.Update(context.Background(), ref, card("")); !errors.Is(err, ErrCannotUpdate) {
		t.Fatalf("a redraw took a running click's update: %v", err)
	}
	close(hold)
	sent := s.waitSent(t, 1)
	if sent[0].Cmd != "aibot_respond_update_msg" || sent[0].ReqID != reqID || sent[0].TaskID() != "tb-card-9" {
		t.Fatalf("the click's own answer: %+v", sent[0])
	}

	// 2. The click promised its result for later: only that result takes the update.
	s.sink.mu.Lock()
	s.sink.hold, s.sink.actRes = nil, bot.ActionResult{Toast: bot.Toast{Text: "正在处理"}, Pending: true}
	s.sink.mu.Unlock()
	reqID, err = s.fake.PushEvent(wecomtest.CardEvent("c2", testChat, testUser, "tb-card-9", "close ksyun:1204"))
	if err != nil {
		t.Fatal(err)
	}
	s.sink.waitDeliveries(t, 1)
	deadline := time.Now().Add(wsWait)
	for {
		err = s.bot.Update(context.Background(), ref, bot.Outgoing{Kind: bot.KindCard, Body: []byte(testCard), Key: bot.ClickKey("c2")})
		if err == nil || time.Now().After(deadline) {
			break
		}
		if e := s.bot.Update(context.Background(), ref, card("")); !errors.Is(e, ErrCannotUpdate) {
			t.Fatalf("a redraw took a pending click's update: %v", e)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("the click's late result: %v", err)
	}
	if sent := s.waitSent(t, 2); sent[1].ReqID != reqID {
		t.Fatalf("late result went %+v", sent[1])
	}
}

// A reply the chat has no room for is busy, and its req_id stays unused: when the chat has
// room, the answer still goes as the reply to its message (aibot_respond_msg), once.
func TestWSReplyBusyKeepsItsReqID(t *testing.T) {
	clk := newTestClock(time.Now())
	s := newWSSetup(t, nil, WithClock(clk.Now), WithSleep(clk.Sleep))
	s.subscribed(t, 1)
	reqID, err := s.fake.PushMessage(wecomtest.TextMessage("m1", testChat, testUser, "show ksyun:1204"))
	if err != nil {
		t.Fatal(err)
	}
	s.sink.waitDeliveries(t, 1)
	for range 30 { // the chat's minute used up
		s.bot.chatLimit.Reserve(testChat)
	}
	ref := bot.CardRef{Platform: Platform, ChatID: testChat, MessageID: "m1"}
	_, err = s.bot.Reply(context.Background(), ref, text("稍后"))
	at, busy := bot.BusyUntil(err)
	if !busy || len(s.fake.Sent()) != 0 {
		t.Fatalf("err = %v, sent %d", err, len(s.fake.Sent()))
	}
	clk.Advance(at.Sub(clk.Now()))
	if _, err := s.bot.Reply(context.Background(), ref, text("稍后")); err != nil {
		t.Fatal(err)
	}
	sent := s.waitSent(t, 1)
	if len(sent) != 1 || sent[0].Cmd != "aibot_respond_msg" || sent[0].ReqID != reqID || sent[0].Content() != "稍后" {
		t.Fatalf("sent %+v", sent)
	}
}

// On the long connection too, what the sink answers at once goes out on the message's own
// req_id without the queue; when the chat has no room it takes the queue instead, whose
// answer waits for the chat.
func TestWSAnswerNow(t *testing.T) {
	s := newWSSetup(t, nil)
	s.sink.now = func(m bot.Message) (bot.Outgoing, bool) {
		if m.Text != "help" {
			return bot.Outgoing{}, false
		}
		return bot.Outgoing{Kind: bot.KindMarkdown, Body: []byte("**ticketbot 帮助**"), Key: "card:" + m.MessageID}, true
	}
	s.subscribed(t, 1)
	reqID, err := s.fake.PushMessage(wecomtest.TextMessage("m1", testChat, testUser, "help"))
	if err != nil {
		t.Fatal(err)
	}
	sent := s.waitSent(t, 1)
	if sent[0].Cmd != "aibot_respond_msg" || sent[0].ReqID != reqID || sent[0].MsgType != "stream" || sent[0].Content() != "**ticketbot 帮助**" {
		t.Fatalf("sent %+v", sent[0])
	}
	if got := s.sink.messages(); len(got) != 0 {
		t.Fatalf("an answer given at once was queued too: %+v", got)
	}

	for range 30 { // the chat's minute used up
		s.bot.chatLimit.Reserve(testChat)
	}
	if _, err := s.fake.PushMessage(wecomtest.TextMessage("m2", testChat, testUser, "help")); err != nil {
		t.Fatal(err)
	}
	s.sink.waitDeliveries(t, 1)
	if got := s.sink.messages(); len(got) != 1 || got[0].MessageID != "m2" {
		t.Fatalf("queued %+v, want m2", got)
	}
	if n := len(s.fake.Sent()); n != 1 {
		t.Fatalf("%d frames sent, want only the first answer", n)
	}
}
