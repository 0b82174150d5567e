package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ticketbot/ticketbot/bot/feishu"
	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
	"github.com/ticketbot/ticketbot/bot/wecom"
	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

// lockedBuffer is a buffer several goroutines may write logs to.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	l.b.Reset()
	return s
}

// TestRouterLogsEachRejectionOnce sends refused requests to the three real webhook handlers
// through the real gin engine, all logging to one logger as in serve: each refusal is one
// warn line, from the handler; the router and gin add none, to the log or to gin's writers.
func TestRouterLogsEachRejectionOnce(t *testing.T) {
	var ginOut lockedBuffer
	defer func(w, e io.Writer) { gin.DefaultWriter, gin.DefaultErrorWriter = w, e }(gin.DefaultWriter, gin.DefaultErrorWriter)
	gin.DefaultWriter, gin.DefaultErrorWriter = &ginOut, &ginOut

	var logs lockedBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	const (
		fsKey, fsToken, fsSecret = "router-encrypt-key", "router-vtoken", "router-app-secret"
		wbSecret                 = "router-weiban-secret"
	)
	fs, err := feishu.New(feishu.Config{AppID: "cli_r", AppSecret: fsSecret, VerificationToken: fsToken, EncryptKey: fsKey}, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	wc, err := wecom.New(wecom.Config{Token: wecomtest.Token, EncodingAESKey: wecomtest.EncodingAESKey}, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	wf := weibantest.New("corp-r", wbSecret)
	t.Cleanup(wf.Close)
	wb, err := weiban.New(wf.Config(), weiban.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newRouter(routes{Log: log, Webhooks: map[string]http.Handler{
		"/feishu/webhook":  fs.Handler(),
		wecom.CallbackPath: wc.Handler(),
		"/weiban/events":   wb.EventHandler(nil),
	}}))
	t.Cleanup(srv.Close)

	fsBody, fsHdr := feishutest.SealRequest("not-the-key", feishutest.TextMessageEvent("ev", "om", "oc", "ou", "x", feishutest.WithVerificationToken(fsToken)), time.Now(), "n")
	staleBody, staleHdr := feishutest.SealRequest(fsKey, feishutest.TextMessageEvent("ev", "om", "oc", "ou", "x", feishutest.WithVerificationToken(fsToken)), time.Now().Add(-25*time.Hour), "n")
	wcQ, wcBody, err := wecomtest.SealCallback(wecomtest.Token, wecomtest.EncodingAESKey, wecomtest.TextMessage("m", "c", "u", "x"), time.Now().Add(-time.Hour), "n")
	if err != nil {
		t.Fatal(err)
	}
	post := func(path string, hdr http.Header, body []byte) func() (*http.Response, error) {
		return func() (*http.Response, error) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(body))
			for k, v := range hdr {
				req.Header[k] = v
			}
			return http.DefaultClient.Do(req)
		}
	}
	tests := []struct {
		name   string
		do     func() (*http.Response, error)
		status int
		msg    string
	}{
		{"feishu, forged", post("/feishu/webhook", fsHdr, fsBody), 401, "feishu: webhook request rejected"},
		{"feishu, a day old", post("/feishu/webhook", staleHdr, staleBody), 401, "feishu: webhook request rejected"},
		{"feishu, too large", post("/feishu/webhook", nil, make([]byte, 2<<20)), 413, "feishu: webhook request rejected"},
		{"wecom, stale", post(wecom.CallbackPath+"?"+wcQ.Encode(), nil, wcBody), 401, "wecom: callback rejected"},
		{"wecom, unsigned URL check", func() (*http.Response, error) { return http.Get(srv.URL + wecom.CallbackPath + "?echostr=x") }, 401, "wecom: callback rejected"},
		{"weiban, forged", func() (*http.Response, error) {
			code, err := weibantest.New("corp-r", "x").PushChange(context.Background(), srv.URL+"/weiban/events", weibantest.DocOrderNo, "reply")
			return &http.Response{StatusCode: code, Body: io.NopCloser(strings.NewReader(""))}, err
		}, 401, "weiban: event rejected"},
		{"weiban, not JSON", post("/weiban/events?msg_signature=x", nil, []byte("hello")), 400, "weiban: event rejected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := tt.do()
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			out := logs.take()
			var rejected []string
			for line := range strings.Lines(out) {
				if strings.Contains(line, "rejected") {
					rejected = append(rejected, line)
				}
			}
			if len(rejected) != 1 {
				t.Fatalf("%d rejection lines, want 1:\n%s", len(rejected), out)
			}
			for _, want := range []string{"level=WARN", fmt.Sprintf("msg=%q", tt.msg), fmt.Sprintf("status=%d", tt.status), "reason="} {
				if !strings.Contains(rejected[0], want) {
					t.Errorf("line lacks %q: %s", want, rejected[0])
				}
			}
			for _, secret := range []string{fsKey, fsToken, fsSecret, wbSecret, wecomtest.Token, wecomtest.EncodingAESKey, wf.Config().EventToken.Reveal()} {
				if strings.Contains(out, secret) {
					t.Errorf("the log holds a secret:\n%s", out)
				}
			}
		})
	}
	if s := ginOut.take(); s != "" {
		t.Errorf("gin wrote: %s", s)
	}
}
