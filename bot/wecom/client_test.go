package wecom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
)

func text(s string) bot.Outgoing { return bot.Outgoing{Kind: bot.KindText, Body: []byte(s)} }

func card(fallback string) bot.Outgoing {
	return bot.Outgoing{Kind: bot.KindCard, Body: []byte(testCard), Fallback: fallback}
}

// message posts a text message to the bot, giving it a response_url for chat.
func (s *setup) message(t *testing.T, msgID, chat string) {
	t.Helper()
	r, err := s.fake.PostText(context.Background(), s.callbackURL(), msgID, chat, testUser, "list")
	if err != nil || r.Status != 200 {
		t.Fatalf("callback %s: %d %v", msgID, r.Status, err)
	}
}

// TestResponseURLOnceThenFallback walks a chat through its response_urls: Send takes the
// newest unused, Reply its own message's, each once; then the robot takes over.
func TestResponseURLOnceThenFallback(t *testing.T) {
	s := newSetup(t, nil)
	ctx := context.Background()
	s.message(t, "m1", testChat)
	s.message(t, "m2", testChat)

	ref, err := s.bot.Send(ctx, testChat, card(""))
	if err != nil {
		t.Fatal(err)
	}
	sent := s.fake.Sent()
	if len(sent) != 1 || sent[0].Channel != "response_url" || sent[0].MsgType != "template_card" || sent[0].Chat != testChat {
		t.Fatalf("sent %+v", sent)
	}
	if ref.MessageID == "" || ref.MessageID != sent[0].TaskID() || ref.ChatID != testChat || ref.Platform != "wecom" {
		t.Fatalf("ref %+v, task_id %q", ref, sent[0].TaskID())
	}
	if msg := wecomtest.CheckTaskID(ref.MessageID); msg != "" {
		t.Fatal(msg)
	}
	// m2's URL went to Send (newest first); m1's own is still there for its reply.
	if _, err := s.bot.Reply(ctx, bot.CardRef{Platform: Platform, ChatID: testChat, MessageID: "m1"}, text("done")); err != nil {
		t.Fatal(err)
	}
	// m2's is used: the reply falls back to Send, which finds no URL, so the robot posts.
	if _, err := s.bot.Reply(ctx, bot.CardRef{Platform: Platform, ChatID: testChat, MessageID: "m2"}, text("done too")); err != nil {
		t.Fatal(err)
	}
	sent = s.fake.Sent()
	if len(sent) != 3 || sent[1].Channel != "response_url" || sent[1].Content() != "done" ||
		sent[2].Channel != "robot" || sent[2].Content() != "done too" {
		t.Fatalf("sent %+v", sent)
	}
	// Every response_url was posted to once: the fake refuses a second use.
	if n := strings.Count(s.log.String(), "response_url refused"); n != 0 {
		t.Errorf("%d refused posts:\n%s", n, s.log.String())
	}
}

func TestSendCardThroughRobot(t *testing.T) {
	s := newSetup(t, nil)
	ctx := context.Background()
	ref, err := s.bot.Send(ctx, testChat, card("**工单 ksyun:1204** <font color=\"warning\">处理中</font>"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.bot.Send(ctx, testChat, card("")); err != nil {
		t.Fatal(err)
	}
	sent := s.fake.Sent()
	if len(sent) != 2 || sent[0].Channel != "robot" || sent[0].MsgType != "markdown" {
		t.Fatalf("sent %+v", sent)
	}
	// The fallback is our own template's markdown: markup kept.
	if sent[0].Content() != "**工单 ksyun:1204** <font color=\"warning\">处理中</font>" {
		t.Errorf("fallback %q", sent[0].Content())
	}
	// Without a fallback, the card's text.
	if c := sent[1].Content(); !strings.Contains(c, "**数据库连接超时**") || !strings.Contains(c, "> 工单号：ksyun:1204") {
		t.Errorf("derived markdown %q", c)
	}
	if ref.MessageID == "" || ref.ChatID != testChat {
		t.Errorf("ref %+v", ref)
	}
}

func TestSendNoRoute(t *testing.T) {
	ctx := context.Background()
	s := newSetup(t, func(c *Config) { c.Robots = nil })
	if _, err := s.bot.Send(ctx, testChat, text("x")); !errors.Is(err, ErrNoRoute) {
		t.Fatalf("no robot: err = %v", err)
	}
	// A single chat never goes to the group robot: it would post a private answer in a group.
	s = newSetup(t, nil)
	if _, err := s.bot.Send(ctx, "single:"+testUser, text("x")); !errors.Is(err, ErrNoRoute) {
		t.Fatalf("single chat: err = %v", err)
	}
	// …but its own response_url works.
	s.message(t, "m1", "single:"+testUser)
	if _, err := s.bot.Send(ctx, "single:"+testUser, text("x")); err != nil {
		t.Fatal(err)
	}
	if sent := s.fake.Sent(); len(sent) != 1 || sent[0].Chat != "single:"+testUser {
		t.Fatalf("sent %+v", sent)
	}
	if _, err := s.bot.Send(ctx, "", text("x")); err == nil {
		t.Fatal("empty chat accepted")
	}
}

func TestTextCannotMention(t *testing.T) {
	s := newSetup(t, nil)
	s.message(t, "m1", testChat)
	ctx := context.Background()
	if _, err := s.bot.Send(ctx, testChat, text("工单标题 <@all> 和 <@zhangsan>")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.bot.Send(ctx, testChat, text("<@all>")); err != nil { // through the robot
		t.Fatal(err)
	}
	for _, sent := range s.fake.Sent() {
		if strings.Contains(sent.Content(), "<") {
			t.Errorf("%s: %q", sent.Channel, sent.Content())
		}
	}
}

func TestResponseURLExpiresAndRefusal(t *testing.T) {
	ctx := context.Background()
	s := newSetup(t, nil)
	s.message(t, "m1", testChat)
	s.clk.Advance(time.Hour)
	if _, err := s.bot.Send(ctx, testChat, text("late")); err != nil {
		t.Fatal(err)
	}
	if sent := s.fake.Sent(); len(sent) != 1 || sent[0].Channel != "robot" {
		t.Fatalf("an hour later: %+v", sent)
	}

	// WeCom refusing a response_url (here: already used elsewhere) falls through to the
	// next way.
	s = newSetup(t, nil)
	u := s.fake.ResponseURL(testChat)
	p := wecomtest.TextMessage("m2", testChat, testUser, "list", wecomtest.WithResponseURL(u))
	if r, err := s.fake.PostCallback(ctx, s.callbackURL(), p); err != nil || r.Status != 200 {
		t.Fatal(r.Status, err)
	}
	resp, err := http.Post(u, "application/json", strings.NewReader(`{"msgtype":"markdown","markdown":{"content":"other"}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := s.bot.Send(ctx, testChat, text("x")); err != nil {
		t.Fatal(err)
	}
	if sent := s.fake.Sent(); len(sent) != 2 || sent[1].Channel != "robot" {
		t.Fatalf("after a refusal: %+v", sent)
	}
}

// TestResponseURLOnWeComHost: a response_url on qyapi.weixin.qq.com goes to api_base_url.
func TestResponseURLOnWeComHost(t *testing.T) {
	s := newSetup(t, nil)
	u := s.fake.ResponseURL(testChat)
	real := strings.Replace(u, s.fake.URL(), DefaultAPIBaseURL, 1)
	p := wecomtest.TextMessage("m1", testChat, testUser, "list", wecomtest.WithResponseURL(real))
	if r, err := s.fake.PostCallback(context.Background(), s.callbackURL(), p); err != nil || r.Status != 200 {
		t.Fatal(r.Status, err)
	}
	if _, err := s.bot.Reply(context.Background(), bot.CardRef{MessageID: "m1"}, text("hi")); err != nil {
		t.Fatal(err)
	}
	if sent := s.fake.Sent(); len(sent) != 1 || sent[0].Channel != "response_url" {
		t.Fatalf("sent %+v", sent)
	}
	if _, err := s.bot.responseTarget("ftp://x/y"); err == nil {
		t.Error("ftp response_url accepted")
	}
}

func TestUpdateInWebhookMode(t *testing.T) {
	s := newSetup(t, nil)
	err := s.bot.Update(context.Background(), bot.CardRef{Platform: Platform, ChatID: testChat, MessageID: "tb-1"}, card(""))
	if !errors.Is(err, ErrCannotUpdate) {
		t.Fatalf("err = %v", err)
	}
	if err := s.bot.Update(context.Background(), bot.CardRef{MessageID: "tb-1"}, text("x")); err == nil || errors.Is(err, ErrCannotUpdate) {
		t.Fatalf("text update: err = %v", err)
	}
}

// TestRobotRateLimit sends 45 messages through the robot (20 a minute): with the default
// bound the 21st is not waited for but refused at once as busy, posting nothing, until its
// slot; a caller allowed to wait (a goroutine of its own) gets all 45 through, 20 a minute.
// The fake refuses nothing either way.
func TestRobotRateLimit(t *testing.T) {
	t.Run("busy beyond the bound", func(t *testing.T) {
		s := newSetup(t, nil)
		start := s.clk.Now()
		for i := range 20 {
			if _, err := s.bot.Send(context.Background(), testChat, text(fmt.Sprint("n", i))); err != nil {
				t.Fatalf("send %d: %v", i, err)
			}
		}
		_, err := s.bot.Send(context.Background(), testChat, text("n20"))
		at, busy := bot.BusyUntil(err)
		if !busy || !errors.Is(err, bot.ErrChatBusy) || !at.Equal(start.Add(time.Minute)) {
			t.Fatalf("21st: %v (retry at %v)", err, at.Sub(start))
		}
		if n, d := len(s.fake.Sent()), s.clk.Slept(); n != 20 || d != 0 {
			t.Fatalf("%d sent, waited %v", n, d)
		}
		s.clk.Advance(at.Sub(s.clk.Now()))
		if _, err := s.bot.Send(context.Background(), testChat, text("n20")); err != nil {
			t.Fatalf("at its slot: %v", err)
		}
		if n, r := len(s.fake.Sent()), s.fake.FrequencyRefusals(); n != 21 || r != 0 {
			t.Fatalf("%d sent, %d refused by the fake", n, r)
		}
	})
	t.Run("waits within a longer bound", func(t *testing.T) {
		s := newSetup(t, nil)
		start := s.clk.Now()
		ctx := bot.WithSendWait(context.Background(), 3*time.Minute)
		for i := range 45 {
			if _, err := s.bot.Send(ctx, testChat, text(fmt.Sprint("n", i))); err != nil {
				t.Fatalf("send %d: %v", i, err)
			}
		}
		if n, r := len(s.fake.Sent()), s.fake.FrequencyRefusals(); n != 45 || r != 0 {
			t.Fatalf("%d sent, %d refused by the fake", n, r)
		}
		// 20 at once, 20 a minute later, 5 two minutes later.
		if d := s.clk.Now().Sub(start); d != 2*time.Minute {
			t.Fatalf("took %v of fake time", d)
		}
	})
}

// TestChatRateLimit: the 31st answer of a minute in one chat is busy until the first
// answer's minute is over; its response_url is kept for it, and it goes through that URL
// then. Another chat is not held by it.
func TestChatRateLimit(t *testing.T) {
	s := newSetup(t, nil)
	for i := range 31 {
		s.message(t, fmt.Sprint("m", i), testChat)
	}
	s.message(t, "other-1", "wrkOtherChat")
	start := s.clk.Now()
	for i := range 30 {
		if _, err := s.bot.Reply(context.Background(), bot.CardRef{MessageID: fmt.Sprint("m", i)}, text("x")); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	_, err := s.bot.Reply(context.Background(), bot.CardRef{MessageID: "m30"}, text("31st"))
	if at, busy := bot.BusyUntil(err); !busy || !at.Equal(start.Add(time.Minute)) {
		t.Fatalf("31st: %v", err)
	}
	if _, err := s.bot.Reply(context.Background(), bot.CardRef{MessageID: "other-1"}, text("other")); err != nil {
		t.Fatalf("the other chat: %v", err)
	}
	if d := s.clk.Slept(); d != 0 {
		t.Fatalf("waited %v", d)
	}
	s.clk.Advance(time.Minute)
	if _, err := s.bot.Reply(context.Background(), bot.CardRef{MessageID: "m30"}, text("31st")); err != nil {
		t.Fatalf("a minute later: %v", err)
	}
	sent := s.fake.Sent()
	for _, x := range sent {
		if x.Channel != "response_url" {
			t.Fatalf("went through %s", x.Channel)
		}
	}
	if len(sent) != 32 || sent[31].Content() != "31st" || s.fake.FrequencyRefusals() != 0 {
		t.Fatalf("%d sent, last %q, %d refused", len(sent), sent[len(sent)-1].Content(), s.fake.FrequencyRefusals())
	}
}

// TestRobotFrequency: WeCom's frequency answer (45009) is retried after 5 s, then 10 s, when
// the caller may wait that long; otherwise the send is busy until the retry's time, wrapping
// WeCom's answer, with nothing posted.
func TestRobotFrequency(t *testing.T) {
	s := newSetup(t, nil)
	s.fake.FailRobot(2, 45009, "api freq out of limit")
	ctx := bot.WithSendWait(context.Background(), time.Minute)
	if _, err := s.bot.Send(ctx, testChat, text("after the block")); err != nil {
		t.Fatal(err)
	}
	if sent := s.fake.Sent(); len(sent) != 1 || sent[0].Content() != "after the block" {
		t.Fatalf("sent %+v", sent)
	}
	if d := s.clk.Slept(); d != 15*time.Second {
		t.Fatalf("waited %v, want 5 s + 10 s", d)
	}
	// Within the default bound: busy at once, until 5 s on.
	s.fake.FailRobot(1, 45009, "api freq out of limit")
	now := s.clk.Now()
	_, err := s.bot.Send(context.Background(), testChat, text("x"))
	var ae *APIError
	if at, busy := bot.BusyUntil(err); !busy || !at.Equal(now.Add(5*time.Second)) || !errors.As(err, &ae) || ae.Code != 45009 {
		t.Fatalf("err = %v", err)
	}
	if len(s.fake.Sent()) != 1 || s.clk.Slept() != 15*time.Second {
		t.Fatal("posted or waited")
	}
	// A context that ends stops the retries with both errors.
	s.fake.FailRobot(100, 45009, "api freq out of limit")
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.bot.Send(cctx, testChat, text("x"))
	if err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// TestAPIErrors: what WeCom and the network answer becomes an APIError that names no key
// and no response_code.
func TestAPIErrors(t *testing.T) {
	ctx := context.Background()
	s := newSetup(t, func(c *Config) { c.Robots = map[string]bot.Secret{testChat: "wrong-key-do-not-log"} })
	_, err := s.bot.Send(ctx, testChat, text("x"))
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != 93000 || ae.Channel != "robot" || !ae.Refused {
		t.Fatalf("err = %#v", err)
	}
	if strings.Contains(err.Error(), "wrong-key-do-not-log") {
		t.Fatalf("key in %q", err)
	}

	// Nothing listening: a dial error, refused, without the URL.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + l.Addr().String()
	l.Close()
	s = newSetup(t, func(c *Config) { c.APIBaseURL = dead })
	_, err = s.bot.Send(ctx, testChat, text("x"))
	if !errors.As(err, &ae) || !ae.Refused || ae.Code != 0 {
		t.Fatalf("err = %#v", err)
	}
	if strings.Contains(err.Error(), testWebhookKey) || strings.Contains(err.Error(), "key=") {
		t.Fatalf("URL in %q", err)
	}

	// A server that answers nothing in time: not refused (it may have posted), no retry.
	hang := make(chan struct{})
	srv := http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-hang })}
	l, _ = net.Listen("tcp", "127.0.0.1:0")
	go func() { _ = srv.Serve(l) }()
	defer func() { close(hang); _ = srv.Close() }()
	s = newSetup(t, func(c *Config) { c.APIBaseURL = "http://" + l.Addr().String() },
		WithHTTPClient(&http.Client{Timeout: 50 * time.Millisecond}))
	_, err = s.bot.Send(ctx, testChat, text("x"))
	if !errors.As(err, &ae) || ae.Refused || strings.Contains(err.Error(), "key=") {
		t.Fatalf("err = %#v %v", err, err)
	}
}

func TestTruncateBytes(t *testing.T) {
	s := strings.Repeat("工", 2000) // 6000 bytes
	got := truncateBytes(s, maxRobotMarkdown)
	if len(got) > maxRobotMarkdown || !strings.HasSuffix(got, "…") || !json.Valid(mustJSON(t, got)) {
		t.Fatalf("%d bytes", len(got))
	}
	if truncateBytes("abc", 10) != "abc" {
		t.Fatal("short text changed")
	}
}

// Markdown from our templates (help, list, notices) goes out with its markup; a plain text
// is escaped so nobody can mention everyone.
func TestPrepareKinds(t *testing.T) {
	md, err := prepare(bot.Outgoing{Kind: bot.KindMarkdown, Body: []byte("**帮助** <@zhangsan>")})
	if err != nil || md.content() != "**帮助** <@zhangsan>" || !strings.Contains(string(md.appendPassive(nil)), `"content":"**帮助** <@zhangsan>"`) {
		t.Fatalf("markdown: %+v %v", md, err)
	}
	txt, err := prepare(bot.Outgoing{Kind: bot.KindText, Body: []byte("hi <@all>")})
	if err != nil || strings.Contains(txt.content(), "<@all>") || strings.Contains(string(txt.appendPassive(nil)), "<@all>") {
		t.Fatalf("text: %+v %v", txt, err)
	}
	// Markdown past WeCom's limit is cut, in the passive reply too.
	long, err := prepare(bot.Outgoing{Kind: bot.KindMarkdown, Body: []byte(strings.Repeat("工", maxBotMarkdown))})
	if err != nil || len(long.content()) > maxBotMarkdown || !strings.HasSuffix(long.content(), "…") ||
		len(long.appendPassive(nil)) > maxBotMarkdown+200 {
		t.Fatalf("long markdown: %d bytes, %v", len(long.content()), err)
	}
}

// A message for a group goes through that group's own robot, never another's: two groups with
// a robot each get their own messages, and a group without one gets ErrNoRoute (the caller
// keeps the message until a response_url of that group comes).
func TestRobotOfEachGroup(t *testing.T) {
	ctx := context.Background()
	const groupA, groupB, groupC = "wrkGroupA", "wrkGroupB", "wrkGroupC"
	clk := newTestClock(testNow)
	fake := wecomtest.New(wecomtest.Config{Robots: map[string]string{"key-a": groupA, "key-b": groupB}, Now: clk.Now})
	t.Cleanup(fake.Close)
	cfg := webhookConfig(nil)
	cfg.APIBaseURL = fake.URL()
	cfg.Robots = map[string]bot.Secret{groupA: "key-a", groupB: "key-b"}
	w := newWebhook(t, cfg, nil, clk)
	for _, chat := range []string{groupB, groupA, groupB} {
		if _, err := w.Send(ctx, chat, text("for "+chat)); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range fake.Sent() {
		if s.Channel != "robot" || s.Content() != "for "+s.Chat {
			t.Errorf("%q posted into %s", s.Content(), s.Chat)
		}
	}
	if n := len(fake.Sent()); n != 3 {
		t.Fatalf("%d posts", n)
	}
	if _, err := w.Send(ctx, groupC, text("for C")); !errors.Is(err, ErrNoRoute) {
		t.Fatalf("a group without a robot: %v", err)
	}
}
