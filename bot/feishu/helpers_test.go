package feishu

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
	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
)

// Test identities. The encrypt key and token are the reference's self-generated vector's.
const (
	testAppID     = "cli_test"
	testAppSecret = "app-secret-do-not-log"
	testKey       = "test key"
	testToken     = "vtoken"
	testChat      = "oc_chat1"
	testUser      = "ou_user1"
)

// testNow is the fixed clock of webhook tests: the reference vector's timestamp.
var testNow = time.Unix(1700000000, 0)

// recordingSink is a hand-written Sink that records what it gets.
type recordingSink struct {
	mu     sync.Mutex
	msgs   []bot.Message
	acts   []bot.Action
	msgErr error
	actRes bot.ActionResult
	actErr error
}

func (s *recordingSink) HandleMessage(_ context.Context, m bot.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	return s.msgErr
}

func (s *recordingSink) HandleAction(_ context.Context, a bot.Action) (bot.ActionResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.acts = append(s.acts, a)
	return s.actRes, s.actErr
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

// nopSink accepts everything, for benchmarks.
type nopSink struct{}

func (nopSink) HandleMessage(context.Context, bot.Message) error { return nil }
func (nopSink) HandleAction(context.Context, bot.Action) (bot.ActionResult, error) {
	return bot.ActionResult{}, nil
}

func testConfig() Config {
	return Config{
		AppID:             testAppID,
		AppSecret:         testAppSecret,
		VerificationToken: testToken,
		EncryptKey:        testKey,
	}
}

// newWebhook builds a webhook-mode Feishu on the fixed clock.
func newWebhook(tb testing.TB, sink bot.Sink, opts ...Option) *Feishu {
	tb.Helper()
	opts = append([]Option{WithClock(func() time.Time { return testNow })}, opts...)
	f, err := New(testConfig(), sink, nil, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// post sends a sealed payload through the handler.
func post(tb testing.TB, h http.Handler, body []byte, header http.Header) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest(http.MethodPost, "/feishu/webhook", bytes.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// sealed seals plaintext like Feishu at the fixed clock.
func sealed(plaintext []byte) ([]byte, http.Header) {
	return feishutest.SealRequest(testKey, plaintext, testNow, "nonce-1")
}

// unsigned drops the signature headers, as Feishu sends the URL check.
func unsigned(h http.Header) http.Header {
	h = h.Clone()
	h.Del(headerSignature)
	h.Del(headerTimestamp)
	h.Del(headerNonce)
	return h
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

// nopActionSink answers every click with the same result, for benchmarks.
type nopActionSink struct{ res bot.ActionResult }

func (nopActionSink) HandleMessage(context.Context, bot.Message) error { return nil }
func (s nopActionSink) HandleAction(context.Context, bot.Action) (bot.ActionResult, error) {
	return s.res, nil
}
