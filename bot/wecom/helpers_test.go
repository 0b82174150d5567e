package wecom

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
)

// Test identities. The token and key are the reference's vectors'; the others are secrets
// that must never show up in logs or errors.
const (
	testToken      = wecomtest.Token
	testAESKey     = wecomtest.EncodingAESKey
	testBotID      = "bot-id-1"
	testSecret     = "ws-secret-do-not-log"
	testWebhookKey = "robot-key-do-not-log"
	testChat       = "wrkSFfCgAAxxxx"
	testUser       = "zhangsan"
)

// testCard is a ticket card as templates/wecom/ticket.json.tmpl renders it (no task_id).
const testCard = `{"card_type":"button_interaction","source":{"desc":"金山云工单","desc_color":0},` +
	`"main_title":{"title":"数据库连接超时","desc":"ksyun:1204 · 处理中"},` +
	`"emphasis_content":{"title":"处理中","desc":"工单状态"},` +
	`"sub_title_text":"生产库 mysql-prod-01 从 09:40 起连接超时。",` +
	`"horizontal_content_list":[{"keyname":"工单号","value":"ksyun:1204"},{"keyname":"优先级","value":"高"}],` +
	`"button_list":[{"text":"刷新","style":2,"key":"show ksyun:1204"},{"text":"关闭","style":3,"key":"close ksyun:1204"}]}`

// testNow is the fixed clock of callback tests: the self-generated vector's timestamp.
var testNow = time.Unix(1700000000, 0)

// testClock is a settable clock whose Sleep moves time forward at once, so rate limits and
// retries run without waiting.
type testClock struct {
	mu    sync.Mutex
	t     time.Time
	slept time.Duration
}

func newTestClock(t time.Time) *testClock { return &testClock{t: t} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *testClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.slept += d
	return nil
}

func (c *testClock) Slept() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slept
}

// recordingSink is a hand-written Sink that records what it gets.
type recordingSink struct {
	mu     sync.Mutex
	msgs   []bot.Message
	acts   []bot.Action
	msgErr error
	actRes bot.ActionResult
	actErr error
	got    chan struct{} // receives once per delivery, if not nil
	// hold, when set, keeps HandleAction running until it is closed.
	hold chan struct{}
	// now, when set, answers messages at once (bot.InstantAnswerer).
	now func(bot.Message) (bot.Outgoing, bool)
}

func (s *recordingSink) AnswerNow(m bot.Message) (bot.Outgoing, bool) {
	if s.now == nil {
		return bot.Outgoing{}, false
	}
	return s.now(m)
}

func newRecordingSink() *recordingSink { return &recordingSink{got: make(chan struct{}, 100)} }

func (s *recordingSink) HandleMessage(_ context.Context, m bot.Message) error {
	s.mu.Lock()
	s.msgs = append(s.msgs, m)
	err := s.msgErr
	s.mu.Unlock()
	s.signal()
	return err
}

func (s *recordingSink) HandleAction(_ context.Context, a bot.Action) (bot.ActionResult, error) {
	s.mu.Lock()
	s.acts = append(s.acts, a)
	res, err, hold := s.actRes, s.actErr, s.hold
	s.mu.Unlock()
	s.signal()
	if hold != nil {
		<-hold
	}
	return res, err
}

func (s *recordingSink) signal() {
	if s.got != nil {
		select {
		case s.got <- struct{}{}:
		default:
		}
	}
}

func (s *recordingSink) messages() []bot.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bot.Message(nil), s.msgs...)
}

func (s *recordingSink) actions() []bot.Action {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bot.Action(nil), s.acts...)
}

// waitDeliveries waits until the sink holds n deliveries (messages and clicks) in all.
func (s *recordingSink) waitDeliveries(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		s.mu.Lock()
		have := len(s.msgs) + len(s.acts)
		s.mu.Unlock()
		if have >= n {
			return
		}
		select {
		case <-s.got:
		case <-deadline:
			t.Fatalf("sink has %d deliveries, want %d", have, n)
		}
	}
}

// nopSink accepts everything, for benchmarks.
type nopSink struct{ res bot.ActionResult }

func (nopSink) HandleMessage(context.Context, bot.Message) error { return nil }
func (s nopSink) HandleAction(context.Context, bot.Action) (bot.ActionResult, error) {
	return s.res, nil
}

// webhookConfig is a webhook-mode config pointed at fake.
func webhookConfig(fake *wecomtest.Server) Config {
	c := Config{Token: testToken, EncodingAESKey: testAESKey}
	if fake != nil {
		c.APIBaseURL = fake.URL()
		c.Robots = map[string]bot.Secret{fake.Config().WebhookChat: bot.Secret(fake.Config().WebhookKey)}
	}
	return c
}

// newWebhook builds a webhook-mode WeCom on clk (nil: the fixed testNow).
func newWebhook(tb testing.TB, cfg Config, sink bot.Sink, clk *testClock, opts ...Option) *WeCom {
	tb.Helper()
	if clk == nil {
		clk = newTestClock(testNow)
	}
	opts = append([]Option{WithClock(clk.Now), WithSleep(clk.Sleep)}, opts...)
	w, err := New(cfg, sink, nil, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

// setup is a webhook-mode bot behind an httptest server, and a fake WeCom, on one clock.
type setup struct {
	fake *wecomtest.Server
	bot  *WeCom
	srv  *httptest.Server
	sink *recordingSink
	clk  *testClock
	log  *logBuffer
}

func (s *setup) callbackURL() string { return s.srv.URL + CallbackPath }

func newSetup(t *testing.T, mutate func(*Config), opts ...Option) *setup {
	t.Helper()
	clk := newTestClock(testNow)
	fake := wecomtest.New(wecomtest.Config{WebhookKey: testWebhookKey, WebhookChat: testChat, Now: clk.Now})
	t.Cleanup(fake.Close)
	cfg := webhookConfig(fake)
	if mutate != nil {
		mutate(&cfg)
	}
	sink := newRecordingSink()
	logs := &logBuffer{}
	opts = append([]Option{WithClock(clk.Now), WithSleep(clk.Sleep)}, opts...)
	w, err := New(cfg, sink, newLogger(logs), opts...)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(CallbackPath, w.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(w.bg.Wait)
	return &setup{fake: fake, bot: w, srv: srv, sink: sink, clk: clk, log: logs}
}

// logBuffer is a concurrency-safe buffer for a text slog handler.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newLogger(buf *logBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
