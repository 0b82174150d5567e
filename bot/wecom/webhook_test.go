package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
	"github.com/ticketbot/ticketbot/internal/msgcrypt"
)

// get runs a GET through h with the query q.
func get(h http.Handler, q url.Values) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, CallbackPath+"?"+q.Encode(), nil))
	return rec
}

// post runs a POST through h.
func post(h http.Handler, q url.Values, body []byte) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, CallbackPath+"?"+q.Encode(), bytes.NewReader(body))
	h.ServeHTTP(rec, req)
	return rec
}

func signedQuery3(sig, ts, nonce string) url.Values {
	return url.Values{"msg_signature": {sig}, "timestamp": {ts}, "nonce": {nonce}}
}

// TestVerifyURLVectors answers the URL check of both vectors with exactly the plaintext.
func TestVerifyURLVectors(t *testing.T) {
	t.Run("AI bot (receiveid empty)", func(t *testing.T) {
		w := newWebhook(t, webhookConfig(nil), nil, newTestClock(testNow))
		q := signedQuery3(botEchoSig, botTS, botNonce)
		q.Set("echostr", botEcho)
		rec := get(w.Handler(), q)
		if rec.Code != 200 || rec.Body.String() != botEchoPlain {
			t.Fatalf("got %d %q", rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("Content-Type %q", ct)
		}
	})
	t.Run("official (corpid receiveid)", func(t *testing.T) {
		w := newWebhook(t, webhookConfig(nil), nil, newTestClock(time.Unix(1409659589, 0)))
		w.receiveID = officialCorpID
		// Sent URL-encoded as in the reference: + and / survive.
		raw := "msg_signature=" + officialEchoSig + "&timestamp=" + officialEchoTS + "&nonce=" + officialEchoNonce +
			"&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D"
		rec := httptest.NewRecorder()
		w.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, CallbackPath+"?"+raw, nil))
		if rec.Code != 200 || rec.Body.String() != officialEchoPlain {
			t.Fatalf("got %d %q", rec.Code, rec.Body)
		}
		// A + that arrived unescaped reads as a space; it is put back.
		rec = httptest.NewRecorder()
		w.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, CallbackPath+"?"+strings.ReplaceAll(raw, "%2B", "+"), nil))
		if rec.Code != 200 || rec.Body.String() != officialEchoPlain {
			t.Fatalf("unescaped +: got %d %q", rec.Code, rec.Body)
		}
	})
	t.Run("through the fake", func(t *testing.T) {
		s := newSetup(t, nil)
		status, body, err := s.fake.VerifyURL(context.Background(), s.callbackURL(), "echo-42")
		if err != nil || status != 200 || body != "echo-42" {
			t.Fatalf("got %d %q %v", status, body, err)
		}
	})
}

func TestVerifyURLRejects(t *testing.T) {
	good := func() url.Values {
		q := signedQuery3(botEchoSig, botTS, botNonce)
		q.Set("echostr", botEcho)
		return q
	}
	tests := []struct {
		name   string
		q      func() url.Values
		now    time.Time
		status int
	}{
		{"tampered signature", func() url.Values { q := good(); q.Set("msg_signature", strings.Repeat("0", 40)); return q }, testNow, 401},
		{"tampered echostr", func() url.Values { q := good(); q.Set("echostr", "Q"+botEcho[1:]); return q }, testNow, 401},
		{"no signature", func() url.Values { q := good(); q.Del("msg_signature"); return q }, testNow, 401},
		{"no echostr", func() url.Values { q := good(); q.Del("echostr"); return q }, testNow, 400},
		{"stale", good, testNow.Add(6 * time.Minute), 401},
		{"future", good, testNow.Add(-6 * time.Minute), 401},
		{"signed but not ciphertext", func() url.Values {
			q := signedQuery3(msgcrypt.Signature(testToken, botTS, botNonce, "AAAA"), botTS, botNonce)
			q.Set("echostr", "AAAA")
			return q
		}, testNow, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &logBuffer{}
			w := newLoggedWebhook(t, webhookConfig(nil), nil, newTestClock(tt.now), logs)
			q := tt.q()
			if rec := get(w.Handler(), q); rec.Code != tt.status {
				t.Fatalf("got %d %q, want %d", rec.Code, rec.Body, tt.status)
			}
			assertRejectedOnce(t, logs.String(), tt.status, q.Get("msg_signature"))
		})
	}
}

// TestCallbackVector posts the self-generated AI-bot vector byte for byte.
func TestCallbackVector(t *testing.T) {
	sink := newRecordingSink()
	w := newWebhook(t, webhookConfig(nil), sink, nil)
	rec := post(w.Handler(), signedQuery3(botSig, botTS, botNonce), []byte(`{"encrypt":"`+botEncrypt+`"}`))
	if rec.Code != 200 || rec.Body.Len() != 0 {
		t.Fatalf("got %d %q", rec.Code, rec.Body)
	}
	want := bot.Message{Platform: "wecom", MessageID: "CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=", ChatID: "CHATID",
		ChatType: "group", UserID: "USERID", Text: "/close T-1"}
	if got := sink.messages(); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Fatalf("sink got %+v\nwant %+v", got, want)
	}
	// JSON with escaped slashes, as WeCom's encoder may write, takes the slow path.
	sink2 := newRecordingSink()
	w2 := newWebhook(t, webhookConfig(nil), sink2, nil)
	body := `{ "encrypt" : "` + strings.ReplaceAll(botEncrypt, "/", `\/`) + `" }`
	if rec := post(w2.Handler(), signedQuery3(botSig, botTS, botNonce), []byte(body)); rec.Code != 200 || len(sink2.messages()) != 1 {
		t.Fatalf("escaped: got %d %q", rec.Code, rec.Body)
	}
}

func TestCallbackMessage(t *testing.T) {
	s := newSetup(t, nil)
	r, err := s.fake.PostText(context.Background(), s.callbackURL(), "msg-1", testChat, testUser, "close ksyun:1204 已解决",
		wecomtest.WithQuote("【金山云工单】数据库连接超时 ksyun:1204"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != 200 || len(r.Body) != 0 {
		t.Fatalf("answer %d %q, want an empty 200", r.Status, r.Body)
	}
	want := bot.Message{Platform: "wecom", MessageID: "msg-1", ChatID: testChat, ChatType: "group", UserID: testUser,
		Text: "close ksyun:1204 已解决", Quote: "【金山云工单】数据库连接超时 ksyun:1204"}
	if got := s.sink.messages(); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Fatalf("sink got %+v\nwant %+v", got, want)
	}
}

func TestCallbackMessageKinds(t *testing.T) {
	tests := []struct {
		name string
		chat string
		opts []wecomtest.PayloadOpt
		text string
		want func(*bot.Message)
	}{
		{"single chat", "single:" + testUser, nil, "list", func(m *bot.Message) {
			m.ChatID, m.ChatType = "single:"+testUser, "p2p"
		}},
		{"mixed", testChat, []wecomtest.PayloadOpt{wecomtest.WithMixed("第二段")}, "reply ksyun:1 看图", func(m *bot.Message) {
			m.Text = "reply ksyun:1 看图\n第二段"
			m.Files = []bot.FileRef{{Key: "https://example.invalid/image", Name: "image-1.png", Kind: "image"}}
		}},
		{"mixed with images and their keys", testChat, []wecomtest.PayloadOpt{wecomtest.WithMixedImages([2]string{"https://x/1", ""}, [2]string{"https://x/2", "a2V5"})},
			"建单 截图", func(m *bot.Message) {
				m.Files = []bot.FileRef{{Key: "https://x/1", Name: "image-1.png", Kind: "image"},
					{Key: "https://x/2", AESKey: "a2V5", Name: "image-2.png", Kind: "image"}}
			}},
		{"quoting an image", testChat, []wecomtest.PayloadOpt{wecomtest.WithQuoteJSON([]byte(`{"msgtype":"image","image":{"url":"https://x/q","aeskey":"cXE="}}`))},
			"建单", func(m *bot.Message) {
				m.QuoteFiles = []bot.FileRef{{Key: "https://x/q", AESKey: "cXE=", Name: "quoted-1.png", Kind: "image"}}
			}},
		{"voice", "single:" + testUser, []wecomtest.PayloadOpt{wecomtest.WithMsgType("voice"), wecomtest.WithMention("")}, "查看工单", func(m *bot.Message) {
			m.ChatID, m.ChatType, m.Text = "single:"+testUser, "p2p", "查看工单"
		}},
		{"two leading mentions and U+2005", testChat, []wecomtest.PayloadOpt{wecomtest.WithMention("RobotA\u2005@张三")}, "跟进", func(m *bot.Message) {
			m.Text = "跟进"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSetup(t, nil)
			r, err := s.fake.PostText(context.Background(), s.callbackURL(), "m1", tt.chat, testUser, tt.text, tt.opts...)
			if err != nil || r.Status != 200 {
				t.Fatalf("%d %v", r.Status, err)
			}
			want := bot.Message{Platform: "wecom", MessageID: "m1", ChatID: testChat, ChatType: "group", UserID: testUser, Text: tt.text}
			tt.want(&want)
			if got := s.sink.messages(); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
				t.Fatalf("sink got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestCallbackIgnored(t *testing.T) {
	s := newSetup(t, nil)
	for i, p := range [][]byte{
		wecomtest.TextMessage("img", testChat, testUser, "", wecomtest.WithMsgType("image")),
		[]byte(`{"msgid":"st","msgtype":"stream","stream":{"id":"STREAMID"}}`),
		[]byte(`{"msgid":"ev","msgtype":"event","from":{"userid":"u"},"event":{"eventtype":"enter_chat"}}`),
		[]byte(`{"msgid":"fb","msgtype":"event","from":{"userid":"u"},"event":{"eventtype":"feedback_event"}}`),
	} {
		r, err := s.fake.PostCallback(context.Background(), s.callbackURL(), p)
		if err != nil || r.Status != 200 || len(r.Body) != 0 {
			t.Fatalf("%d: %d %q %v", i, r.Status, r.Body, err)
		}
	}
	if n := len(s.sink.messages()) + len(s.sink.actions()); n != 0 {
		t.Fatalf("sink called %d times", n)
	}
}

// TestCallbackRejects covers every way a POST fails authentication or shape; none may reach
// the sink.
func TestCallbackRejects(t *testing.T) {
	plain := wecomtest.TextMessage("m1", testChat, testUser, "list", wecomtest.WithResponseURL("https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=x"))
	seal := func(at time.Time) (url.Values, []byte) {
		q, b, err := wecomtest.SealCallback(testToken, testAESKey, plain, at, "n1")
		if err != nil {
			t.Fatal(err)
		}
		return q, b
	}
	goodQ, goodBody := seal(testNow)
	resign := func(body []byte, enc string) (url.Values, []byte) {
		q := signedQuery3(msgcrypt.Signature(testToken, goodQ.Get("timestamp"), "n1", enc), goodQ.Get("timestamp"), "n1")
		return q, body
	}
	tests := []struct {
		name   string
		req    func() (url.Values, []byte)
		status int
	}{
		{"tampered signature", func() (url.Values, []byte) {
			q := url.Values{}
			for k, v := range goodQ {
				q[k] = v
			}
			sig := []byte(q.Get("msg_signature"))
			sig[0] ^= 1
			q.Set("msg_signature", string(sig))
			return q, goodBody
		}, 401},
		{"tampered ciphertext", func() (url.Values, []byte) {
			b := bytes.Replace(goodBody, []byte(`":"`), []byte(`":"A`), 1)
			return goodQ, b
		}, 401},
		{"nonce changed", func() (url.Values, []byte) {
			q := url.Values{"msg_signature": goodQ["msg_signature"], "timestamp": goodQ["timestamp"], "nonce": {"n2"}}
			return q, goodBody
		}, 401},
		{"other token", func() (url.Values, []byte) {
			q, b, _ := wecomtest.SealCallback("other", testAESKey, plain, testNow, "n1")
			return q, b
		}, 401},
		{"no signature", func() (url.Values, []byte) {
			return url.Values{"timestamp": goodQ["timestamp"], "nonce": {"n1"}}, goodBody
		}, 401},
		{"stale timestamp", func() (url.Values, []byte) { return seal(testNow.Add(-5*time.Minute - time.Second)) }, 401},
		{"future timestamp", func() (url.Values, []byte) { return seal(testNow.Add(5*time.Minute + time.Second)) }, 401},
		{"timestamp in ms", func() (url.Values, []byte) {
			var enc struct{ Encrypt string }
			_ = json.Unmarshal(goodBody, &enc)
			ts := "1700000000000"
			return signedQuery3(msgcrypt.Signature(testToken, ts, "n1", enc.Encrypt), ts, "n1"), goodBody
		}, 401},
		{"no encrypt field", func() (url.Values, []byte) { return goodQ, []byte(`{"msgid":"x"}`) }, 400},
		{"not JSON", func() (url.Values, []byte) { return goodQ, []byte(`hello`) }, 400},
		{"signed, not base64", func() (url.Values, []byte) { return resign([]byte(`{"encrypt":"!!!"}`), "!!!") }, 400},
		{"signed, other key", func() (url.Values, []byte) {
			q, b, _ := wecomtest.SealCallback(testToken, strings.Repeat("A", 43), plain, testNow, "n1")
			return q, b
		}, 400},
		{"signed, corp receiveid", func() (url.Values, []byte) {
			enc := mustCrypt(t).Encrypt(plain, officialCorpID)
			b, _ := json.Marshal(map[string]string{"encrypt": enc})
			return resign(b, enc)
		}, 400},
		{"signed, plaintext not JSON", func() (url.Values, []byte) {
			enc := mustCrypt(t).Encrypt([]byte("not json"), "")
			b, _ := json.Marshal(map[string]string{"encrypt": enc})
			return resign(b, enc)
		}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newRecordingSink()
			logs := &logBuffer{}
			w := newLoggedWebhook(t, webhookConfig(nil), sink, nil, logs)
			q, b := tt.req()
			rec := post(w.Handler(), q, b)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d (%s)", rec.Code, tt.status, rec.Body)
			}
			if n := len(sink.messages()); n != 0 {
				t.Fatalf("sink called %d times", n)
			}
			assertRejectedOnce(t, logs.String(), tt.status, q.Get("msg_signature"))
		})
	}
}

// TestCallbackOtherRejectionsLoggedOnce covers the refusals outside the authentication
// tables: each is logged exactly once, at warn level, with its reason.
func TestCallbackOtherRejectionsLoggedOnce(t *testing.T) {
	q, body, _ := wecomtest.SealCallback(testToken, testAESKey, wecomtest.TextMessage("m1", testChat, testUser, strings.Repeat("长", 600)), testNow, "n")
	target := CallbackPath + "?" + q.Encode()
	tests := []struct {
		name   string
		cfg    Config
		req    func() *http.Request
		status int
		reason string
	}{
		{"method", webhookConfig(nil), func() *http.Request { return httptest.NewRequest(http.MethodPut, CallbackPath, nil) }, 405, "method not allowed"},
		{"body too large, known length", webhookConfig(nil), func() *http.Request {
			return httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
		}, 413, "body too large"},
		{"body too large, chunked", webhookConfig(nil), func() *http.Request {
			req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
			req.ContentLength = -1
			return req
		}, 413, "body too large"},
		{"long-connection mode", Config{Mode: ModeWebsocket, BotID: testBotID, Secret: testSecret}, func() *http.Request {
			return httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
		}, 404, "callback not configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &logBuffer{}
			h := newLoggedWebhook(t, tt.cfg, nil, nil, logs, WithMaxBody(1024)).Handler()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, tt.req())
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			line := assertRejectedOnce(t, logs.String(), tt.status, q.Get("msg_signature"))
			if !strings.Contains(line, fmt.Sprintf("reason=%q", tt.reason)) {
				t.Errorf("reason missing: %s", line)
			}
		})
	}
}

// newLoggedWebhook is newWebhook logging into logs at debug level.
func newLoggedWebhook(tb testing.TB, cfg Config, sink bot.Sink, clk *testClock, logs *logBuffer, opts ...Option) *WeCom {
	tb.Helper()
	if clk == nil {
		clk = newTestClock(testNow)
	}
	opts = append([]Option{WithClock(clk.Now), WithSleep(clk.Sleep)}, opts...)
	w, err := New(cfg, sink, newLogger(logs), opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

// assertRejectedOnce checks that out holds exactly one rejection line, at warn level, with
// the status and a reason, and that nothing in out carries a secret or the signature.
func assertRejectedOnce(t *testing.T, out string, status int, sig string) string {
	t.Helper()
	var lines []string
	for line := range strings.Lines(out) {
		if strings.Contains(line, "rejected") {
			lines = append(lines, line)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("%d rejection lines, want 1:\n%s", len(lines), out)
	}
	line := lines[0]
	for _, want := range []string{"level=WARN", `msg="wecom: callback rejected"`, fmt.Sprintf("status=%d", status), "reason=", "request_id="} {
		if !strings.Contains(line, want) {
			t.Errorf("rejection line lacks %q: %s", want, line)
		}
	}
	for _, secret := range []string{testToken, testAESKey, testSecret} {
		if strings.Contains(out, secret) {
			t.Errorf("log holds %q:\n%s", secret, out)
		}
	}
	if sig != "" && strings.Contains(out, sig) {
		t.Errorf("log holds the signature:\n%s", out)
	}
	return line
}

func TestCallbackTimestampEdges(t *testing.T) {
	plain := wecomtest.TextMessage("m1", testChat, testUser, "list")
	for _, d := range []time.Duration{-5 * time.Minute, -time.Minute, 0, time.Minute, 5 * time.Minute} {
		sink := newRecordingSink()
		q, b, _ := wecomtest.SealCallback(testToken, testAESKey, plain, testNow.Add(d), "n")
		if rec := post(newWebhook(t, webhookConfig(nil), sink, nil).Handler(), q, b); rec.Code != 200 {
			t.Errorf("offset %v: status %d", d, rec.Code)
		}
	}
}

func TestCallbackBodyLimit(t *testing.T) {
	plain := wecomtest.TextMessage("m1", testChat, testUser, strings.Repeat("长", 600))
	q, body, _ := wecomtest.SealCallback(testToken, testAESKey, plain, testNow, "n")
	sink := newRecordingSink()
	h := newWebhook(t, webhookConfig(nil), sink, nil, WithMaxBody(1024)).Handler()
	if rec := post(h, q, body); rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("known length: got %d", rec.Code)
	}
	// Without a Content-Length (chunked), the limit is hit while reading.
	req := httptest.NewRequest(http.MethodPost, CallbackPath+"?"+q.Encode(), bytes.NewReader(body))
	req.ContentLength = -1
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("unknown length: got %d", rec.Code)
	}
	// The default limit is 1 MiB.
	big := bytes.Repeat([]byte("a"), 1<<20+1)
	if rec := post(newWebhook(t, webhookConfig(nil), sink, nil).Handler(), q, big); rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("default limit: got %d", rec.Code)
	}
	if len(sink.messages()) != 0 {
		t.Fatal("sink called")
	}
}

func TestCallbackMethodAndMode(t *testing.T) {
	h := newWebhook(t, webhookConfig(nil), nil, nil).Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, CallbackPath, nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, POST" {
		t.Fatalf("got %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
	// A long-connection bot without callback keys has no callback.
	ws := newWebhook(t, Config{Mode: ModeWebsocket, BotID: testBotID, Secret: testSecret}, nil, nil).Handler()
	rec = httptest.NewRecorder()
	ws.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, CallbackPath, strings.NewReader("{}")))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("websocket mode: got %d", rec.Code)
	}
}

func TestCallbackSinkErrors(t *testing.T) {
	for _, tt := range []struct {
		err    error
		status int
	}{
		{bot.ErrBusy, http.StatusServiceUnavailable},
		{errors.Join(errors.New("queue"), bot.ErrBusy), http.StatusServiceUnavailable},
		{errors.New("boom"), http.StatusInternalServerError},
	} {
		s := newSetup(t, nil)
		s.sink.msgErr = tt.err
		r, err := s.fake.PostText(context.Background(), s.callbackURL(), "m1", testChat, testUser, "list")
		if err != nil || r.Status != tt.status {
			t.Errorf("%v: got %d %v, want %d", tt.err, r.Status, err, tt.status)
		}
		if strings.Contains(string(r.Body), "boom") {
			t.Errorf("internal error leaked: %s", r.Body)
		}
		// The refused callback's response_url is not kept: WeCom delivers it again.
		if _, ok := s.bot.urls.takeMsg(s.clk.Now(), "m1"); ok {
			t.Errorf("%v: response_url of a refused callback kept", tt.err)
		}
	}
	// A send-only bot (no sink) asks for redelivery.
	s := newSetup(t, nil)
	s.bot.sink = nil
	if r, _ := s.fake.PostText(context.Background(), s.callbackURL(), "m1", testChat, testUser, "x"); r.Status != http.StatusServiceUnavailable {
		t.Errorf("nil sink: got %d", r.Status)
	}
}

// TestCallbackRedeliveryKeepsUsedURL: WeCom delivering a message again (the dispatcher drops
// it) must not make its used response_url look fresh.
func TestCallbackRedeliveryKeepsUsedURL(t *testing.T) {
	s := newSetup(t, nil)
	p := wecomtest.TextMessage("m1", testChat, testUser, "list", wecomtest.WithResponseURL(s.fake.ResponseURL(testChat)))
	if r, err := s.fake.PostCallback(context.Background(), s.callbackURL(), p); err != nil || r.Status != 200 {
		t.Fatal(r.Status, err)
	}
	ref := bot.CardRef{Platform: Platform, ChatID: testChat, MessageID: "m1"}
	if _, err := s.bot.Reply(context.Background(), ref, bot.Outgoing{Kind: bot.KindText, Body: []byte("one")}); err != nil {
		t.Fatal(err)
	}
	if r, err := s.fake.PostCallback(context.Background(), s.callbackURL(), p); err != nil || r.Status != 200 {
		t.Fatal(r.Status, err)
	}
	if _, ok := s.bot.urls.takeMsg(s.clk.Now(), "m1"); ok {
		t.Fatal("redelivery made the used response_url fresh")
	}
}

// openUpdate decodes a click's passive reply.
func openUpdate(t *testing.T, plain []byte) (responseType string, card map[string]any) {
	t.Helper()
	var u struct {
		ResponseType string         `json:"response_type"`
		TemplateCard map[string]any `json:"template_card"`
	}
	if err := json.Unmarshal(plain, &u); err != nil {
		t.Fatalf("reply %q: %v", plain, err)
	}
	return u.ResponseType, u.TemplateCard
}

func TestCallbackClick(t *testing.T) {
	s := newSetup(t, nil)
	s.sink.actRes = bot.ActionResult{Toast: bot.Toast{Type: "success", Text: "已关闭"}, Card: []byte(testCard)}
	r, err := s.fake.PostClick(context.Background(), s.callbackURL(), "click-1", testChat, testUser, "tb-card-1", "close ksyun:1204")
	if err != nil {
		t.Fatal(err) // PostClick verifies msgsignature and the echoed nonce
	}
	if r.Status != 200 || r.Plain == nil {
		t.Fatalf("answer %d %q", r.Status, r.Body)
	}
	typ, card := openUpdate(t, r.Plain)
	if typ != "update_template_card" || card["task_id"] != "tb-card-1" || card["card_type"] != "button_interaction" {
		t.Fatalf("reply %s", r.Plain)
	}
	if msg := wecomtest.CheckCard(mustJSON(t, card)); msg != "" {
		t.Fatalf("fake refuses the update: %s", msg)
	}
	// The reply's envelope as documented: msgsignature without underscore, timestamp a number.
	var env map[string]any
	_ = json.Unmarshal(r.Body, &env)
	if _, ok := env["timestamp"].(float64); !ok || env["msgsignature"] == nil || env["msg_signature"] != nil {
		t.Errorf("envelope %s", r.Body)
	}
	want := bot.Action{Platform: "wecom", EventID: "click-1", ChatID: testChat, MessageID: "tb-card-1", UserID: testUser, Command: "close ksyun:1204"}
	if got := s.sink.actions(); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Fatalf("sink got %+v\nwant %+v", got, want)
	}
	// A card that carries its own task_id, or comes wrapped as a message, gets the clicked one.
	s.sink.actRes.Card = []byte(`{"msgtype":"template_card","template_card":` + strings.Replace(testCard, "{", `{"task_id":"stale",`, 1) + `}`)
	r, _ = s.fake.PostClick(context.Background(), s.callbackURL(), "click-2", testChat, testUser, "tb-card-1", "show ksyun:1204")
	if _, card := openUpdate(t, r.Plain); card["task_id"] != "tb-card-1" {
		t.Fatalf("reply %s", r.Plain)
	}
}

func TestCallbackClickWithoutCard(t *testing.T) {
	tests := []struct {
		name   string
		res    bot.ActionResult
		err    error
		notice string // posted to the chat through the click's response_url
	}{
		{"in progress", bot.ActionResult{Toast: bot.Toast{Type: "info", Text: "正在处理"}}, nil, ""},
		{"error toast", bot.ActionResult{Toast: bot.Toast{Type: "error", Text: "关闭失败：<@all> 无权限"}}, nil, "关闭失败：＜@all> 无权限"},
		{"warning toast", bot.ActionResult{Toast: bot.Toast{Type: "warning", Text: "机器人正忙"}}, nil, "机器人正忙"},
		{"busy", bot.ActionResult{}, bot.ErrBusy, toastBusy},
		{"internal error", bot.ActionResult{}, errors.New("boom"), toastInternal},
		{"card not JSON", bot.ActionResult{Card: []byte("{")}, nil, toastInternal},
	}
	// (An error toast with a card: the card is updated and the error posted too, below.)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSetup(t, nil)
			s.sink.actRes, s.sink.actErr = tt.res, tt.err
			r, err := s.fake.PostClick(context.Background(), s.callbackURL(), "c1", testChat, testUser, "tb-1", "close ksyun:1")
			if err != nil || r.Status != 200 || len(r.Body) != 0 {
				t.Fatalf("answer %d %q %v, want an empty 200", r.Status, r.Body, err)
			}
			s.bot.bg.Wait()
			sent := s.fake.Sent()
			if tt.notice == "" {
				if len(sent) != 0 {
					t.Fatalf("posted %+v", sent)
				}
				return
			}
			if len(sent) != 1 || sent[0].Channel != "response_url" || sent[0].MsgType != "markdown" || sent[0].Content() != tt.notice {
				t.Fatalf("posted %+v", sent)
			}
		})
	}
}

func TestCallbackClickErrorWithCard(t *testing.T) {
	s := newSetup(t, nil)
	s.sink.actRes = bot.ActionResult{Toast: bot.Toast{Type: "error", Text: "关闭失败：供应商拒绝"}, Card: []byte(testCard)}
	r, err := s.fake.PostClick(context.Background(), s.callbackURL(), "c1", testChat, testUser, "tb-1", "close ksyun:1")
	if err != nil || r.Plain == nil {
		t.Fatalf("%d %q %v", r.Status, r.Body, err)
	}
	s.bot.bg.Wait()
	if sent := s.fake.Sent(); len(sent) != 1 || sent[0].Content() != "关闭失败：供应商拒绝" {
		t.Fatalf("posted %+v", sent)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
