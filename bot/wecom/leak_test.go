package wecom

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
)

// TestSecretsNeverLogged drives every path that logs or returns errors, with debug logging
// on, and looks for the token, the AES key, the long-connection secret, the robot key and
// the response_codes in what came out.
func TestSecretsNeverLogged(t *testing.T) {
	ctx := context.Background()
	var errs []error
	s := newSetup(t, nil)
	cb := s.callbackURL()

	// Callbacks: good, tampered, a click failing with a notice.
	r, err := s.fake.PostText(ctx, cb, "m1", testChat, testUser, "list")
	errs = append(errs, err)
	codes := []string{responseCode(t, r.ResponseURL)}
	q, body, _ := wecomtest.SealCallback(testToken, testAESKey, wecomtest.TextMessage("m2", testChat, testUser, "x"), s.clk.Now(), "n")
	q.Set("msg_signature", strings.Repeat("a", 40))
	post(s.bot.Handler(), q, body)
	s.sink.actRes = bot.ActionResult{Toast: bot.Toast{Type: "error", Text: "失败"}}
	r, err = s.fake.PostClick(ctx, cb, "c1", testChat, testUser, "tb-1", "close x:1")
	errs = append(errs, err)
	codes = append(codes, responseCode(t, r.ResponseURL))
	s.bot.bg.Wait()

	// The robot refusing, with an errmsg that echoes the key.
	s.fake.FailRobot(1, 93000, "invalid webhook url "+testWebhookKey)
	_, err = s.bot.Send(ctx, testChat, text("x"))
	errs = append(errs, err)
	// Frequency retries.
	s.fake.FailRobot(1, 45009, "api freq out of limit")
	_, err = s.bot.Send(ctx, testChat, text("y"))
	errs = append(errs, err)
	// The network failing.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + l.Addr().String()
	l.Close()
	s2 := newSetup(t, func(c *Config) { c.APIBaseURL = dead })
	_, err = s2.bot.Send(ctx, testChat, text("x"))
	errs = append(errs, err)
	p := wecomtest.TextMessage("m3", testChat, testUser, "x", wecomtest.WithResponseURL(dead+"/cgi-bin/aibot/response?response_code=secret-code-1"))
	codes = append(codes, "secret-code-1")
	_, err = s2.fake.PostCallback(ctx, s2.callbackURL(), p)
	errs = append(errs, err)
	_, err = s2.bot.Reply(ctx, bot.CardRef{MessageID: "m3"}, text("x"))
	errs = append(errs, err)

	// The long connection: refused, then connected and cut.
	wsLog := &logBuffer{}
	fake := wecomtest.New(wecomtest.Config{BotID: testBotID, Secret: testSecret})
	defer fake.Close()
	bad, _ := New(Config{Mode: ModeWebsocket, BotID: testBotID, Secret: testSecret + "-wrong", WSURL: fake.WSURL()}, nil, newLogger(wsLog))
	errs = append(errs, bad.Run(ctx))
	good, _ := New(Config{Mode: ModeWebsocket, BotID: testBotID, Secret: testSecret, WSURL: fake.WSURL()}, newRecordingSink(),
		newLogger(wsLog), WithBackoff(10*time.Millisecond, 20*time.Millisecond))
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- good.Run(rctx) }()
	fake.WaitSubscribed(1, wsWait)
	fake.DropConnection()
	fake.WaitSubscribed(2, wsWait)
	cancel()
	errs = append(errs, <-done)

	out := s.log.String() + s2.log.String() + wsLog.String()
	for _, e := range errs {
		if e != nil {
			out += "\nerror: " + e.Error()
		}
	}
	if !strings.Contains(out, "callback rejected") || !strings.Contains(out, "errcode 93000") || !strings.Contains(out, "subscribed") {
		t.Fatalf("the paths did not run:\n%s", out)
	}
	secrets := append([]string{testToken, testAESKey, testSecret, testWebhookKey}, codes...)
	for _, sec := range secrets {
		if sec != "" && strings.Contains(out, sec) {
			t.Errorf("%q found in logs or errors", sec)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
	if errors.Is(errs[len(errs)-1], context.Canceled) {
		t.Error("Run returned the cancellation")
	}
}

func responseCode(t *testing.T, u string) string {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil || pu.Query().Get("response_code") == "" {
		t.Fatalf("response_url %q", u)
	}
	return pu.Query().Get("response_code")
}
