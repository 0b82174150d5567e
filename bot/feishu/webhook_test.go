package feishu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
)

func messageWant(eventID, messageID, chatID, openID, text string) bot.Message {
	return bot.Message{Platform: "feishu", EventID: eventID, MessageID: messageID, ChatID: chatID,
		ChatType: "group", UserID: openID, Text: text}
}

func TestWebhookMessage(t *testing.T) {
	sink := &recordingSink{}
	h := newWebhook(t, sink).Handler()
	body, hdr := sealed(feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, "建单 ksyun 数据库连接超时",
		feishutest.WithVerificationToken(testToken), feishutest.WithParentID("om_p"), feishutest.WithRootID("om_r")))
	rec := post(t, h, body, hdr)
	if rec.Code != http.StatusOK || rec.Body.String() != "{}" {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	want := messageWant("ev1", "om_1", testChat, testUser, "建单 ksyun 数据库连接超时")
	want.ParentID, want.RootID = "om_p", "om_r"
	if got := sink.messages(); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Fatalf("sink got %+v\nwant %+v", got, want)
	}
}

// TestWebhookRejects covers every way a request fails authentication or shape; none may
// reach the sink.
func TestWebhookRejects(t *testing.T) {
	event := feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, "list", feishutest.WithVerificationToken(testToken))
	good, goodHdr := sealed(event)
	at := func(ts time.Time) ([]byte, http.Header) { return feishutest.SealRequest(testKey, event, ts, "n") }

	tests := []struct {
		name   string
		body   func() ([]byte, http.Header)
		status int
	}{
		{"tampered signature", func() ([]byte, http.Header) {
			h := goodHdr.Clone()
			s := []byte(h.Get(headerSignature))
			s[0] ^= 1
			h.Set(headerSignature, string(s))
			return good, h
		}, 401},
		{"tampered body", func() ([]byte, http.Header) {
			b := bytes.Clone(good)
			b[20] ^= 1
			return b, goodHdr
		}, 401},
		{"signed with another key", func() ([]byte, http.Header) {
			return feishutest.SealRequest("other key", event, testNow, "n")
		}, 401},
		{"nonce changed", func() ([]byte, http.Header) {
			h := goodHdr.Clone()
			h.Set(headerNonce, "other")
			return good, h
		}, 401},
		{"stale timestamp", func() ([]byte, http.Header) { return at(testNow.Add(-MaxEventAge - time.Second)) }, 401},
		{"a day old", func() ([]byte, http.Header) { return at(testNow.Add(-25 * time.Hour)) }, 401},
		{"future timestamp", func() ([]byte, http.Header) { return at(testNow.Add(6 * time.Minute)) }, 401},
		{"card callback an hour old", func() ([]byte, http.Header) {
			return feishutest.SealRequest(testKey, feishutest.CardActionEvent("ev-c", testChat, "om_card", testUser, "list", nil, testToken), testNow.Add(-time.Hour), "n")
		}, 401},
		{"timestamp in ms", func() ([]byte, http.Header) {
			// Signed correctly over a millisecond timestamp: outside the window in seconds.
			h := goodHdr.Clone()
			ts := fmt.Sprint(testNow.UnixMilli())
			h.Set(headerTimestamp, ts)
			h.Set(headerSignature, signature(ts, h.Get(headerNonce), []byte(testKey), good))
			return good, h
		}, 401},
		{"no signature, not a challenge", func() ([]byte, http.Header) { return good, unsigned(goodHdr) }, 401},
		{"signature only, no timestamp", func() ([]byte, http.Header) {
			h := goodHdr.Clone()
			h.Del(headerTimestamp)
			return good, h
		}, 401},
		{"wrong verification token", func() ([]byte, http.Header) {
			return sealed(feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, "list", feishutest.WithVerificationToken("wrong")))
		}, 401},
		{"no verification token", func() ([]byte, http.Header) {
			return sealed(feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, "list"))
		}, 401},
		{"signed plaintext (no encryption)", func() ([]byte, http.Header) {
			h := goodHdr.Clone()
			h.Set(headerSignature, signature(h.Get(headerTimestamp), h.Get(headerNonce), []byte(testKey), event))
			return event, h
		}, 400},
		{"signed, ciphertext broken", func() ([]byte, http.Header) {
			b := []byte(`{"encrypt":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}`)
			h := goodHdr.Clone()
			h.Set(headerSignature, signature(h.Get(headerTimestamp), h.Get(headerNonce), []byte(testKey), b))
			return b, h
		}, 400},
		{"unsigned, not base64", func() ([]byte, http.Header) { return []byte(`{"encrypt":"!!!"}`), http.Header{} }, 400},
		{"unsigned, not JSON", func() ([]byte, http.Header) { return []byte(`hello`), http.Header{} }, 400},
		{"unsigned, other key", func() ([]byte, http.Header) {
			b, h := feishutest.SealRequest("other key", feishutest.ChallengeEvent("c", testToken), testNow, "n")
			return b, unsigned(h)
		}, 401},
		{"unsigned, big", func() ([]byte, http.Header) {
			b, h := sealed(feishutest.ChallengeEvent(strings.Repeat("x", 5000), testToken))
			return b, unsigned(h)
		}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &recordingSink{}
			var logs logBuffer
			f, err := New(testConfig(), sink, newLogger(&logs), WithClock(func() time.Time { return testNow }))
			if err != nil {
				t.Fatal(err)
			}
			h := f.Handler()
			body, hdr := tt.body()
			rec := post(t, h, body, hdr)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d (%s)", rec.Code, tt.status, rec.Body)
			}
			if n := len(sink.messages()); n != 0 {
				t.Fatalf("sink called %d times", n)
			}
			assertRejectedOnce(t, logs.String(), tt.status, hdr.Get(headerSignature))
		})
	}
}

// TestWebhookOtherRejectionsLoggedOnce covers the refusals outside the authentication table:
// each is logged exactly once, at warn level, with its reason.
func TestWebhookOtherRejectionsLoggedOnce(t *testing.T) {
	body, hdr := sealed(feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, strings.Repeat("长", 600), feishutest.WithVerificationToken(testToken)))
	tests := []struct {
		name   string
		cfg    func(*Config)
		req    func() *http.Request
		status int
		reason string
	}{
		{"method", nil, func() *http.Request { return httptest.NewRequest(http.MethodGet, "/", nil) }, 405, "method not allowed"},
		{"body too large, known length", nil, func() *http.Request {
			req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			req.Header = hdr.Clone()
			return req
		}, 413, "body too large"},
		{"body too large, chunked", nil, func() *http.Request {
			req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			req.ContentLength = -1
			req.Header = hdr.Clone()
			return req
		}, 413, "body too large"},
		{"webhook mode off", func(c *Config) { c.Mode, c.EncryptKey = ModeWebsocket, "" }, func() *http.Request {
			req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			req.Header = hdr.Clone()
			return req
		}, 404, "webhook mode not configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			var logs logBuffer
			f, err := New(cfg, &recordingSink{}, newLogger(&logs), WithClock(func() time.Time { return testNow }), WithMaxBody(1024))
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			f.Handler().ServeHTTP(rec, tt.req())
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			line := assertRejectedOnce(t, logs.String(), tt.status, hdr.Get(headerSignature))
			if !strings.Contains(line, fmt.Sprintf("reason=%q", tt.reason)) {
				t.Errorf("reason missing: %s", line)
			}
		})
	}
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
	for _, want := range []string{"level=WARN", `msg="feishu: webhook request rejected"`, fmt.Sprintf("status=%d", status), "reason=", "request_id="} {
		if !strings.Contains(line, want) {
			t.Errorf("rejection line lacks %q: %s", want, line)
		}
	}
	for _, secret := range []string{testKey, testToken, testAppSecret} {
		if strings.Contains(out, secret) {
			t.Errorf("log holds %q:\n%s", secret, out)
		}
	}
	if sig != "" && strings.Contains(out, sig) {
		t.Errorf("log holds the signature:\n%s", out)
	}
	return line
}

// TestWebhookTimestampWindowEdges pins the accepted ages: an event up to MaxEventAge old
// (Feishu retries for 6 h), a card callback up to 5 minutes old, either at most 5 minutes
// ahead of our clock.
func TestWebhookTimestampWindowEdges(t *testing.T) {
	event := feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, "list", feishutest.WithVerificationToken(testToken))
	click := feishutest.CardActionEvent("ev-c", testChat, "om_card", testUser, "list", nil, testToken)
	tests := []struct {
		name   string
		plain  []byte
		offset time.Duration // of the timestamp from our clock
		want   int
	}{
		{"event, 5 min ahead", event, 5 * time.Minute, 200},
		{"event, 5 min 1 s ahead", event, 5*time.Minute + time.Second, 401},
		{"event, now", event, 0, 200},
		{"event, 5 min old", event, -5 * time.Minute, 200},
		{"event, 1 h old (third retry)", event, -time.Hour, 200},
		{"event, 6 h old (last retry)", event, -6 * time.Hour, 200},
		{"event, MaxEventAge old", event, -MaxEventAge, 200},
		{"event, MaxEventAge and 1 s old", event, -MaxEventAge - time.Second, 401},
		{"click, 5 min ahead", click, 5 * time.Minute, 200},
		{"click, 5 min old", click, -5 * time.Minute, 200},
		{"click, 5 min 1 s old", click, -5*time.Minute - time.Second, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &recordingSink{}
			body, hdr := feishutest.SealRequest(testKey, tt.plain, testNow.Add(tt.offset), "n")
			rec := post(t, newWebhook(t, sink).Handler(), body, hdr)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d (%s)", rec.Code, tt.want, rec.Body)
			}
			delivered := len(sink.messages()) + len(sink.actions())
			if (tt.want == 200) != (delivered == 1) || delivered > 1 {
				t.Fatalf("sink got %d deliveries for status %d", delivered, rec.Code)
			}
		})
	}
}

func TestWebhookChallenge(t *testing.T) {
	h := newWebhook(t, &recordingSink{}).Handler()
	t.Run("unsigned, as Feishu sends it", func(t *testing.T) {
		body, hdr := sealed(feishutest.ChallengeEvent("ajls384kdjx98XX", testToken))
		rec := post(t, h, body, unsigned(hdr))
		if rec.Code != 200 || rec.Body.String() != `{"challenge":"ajls384kdjx98XX"}` {
			t.Fatalf("got %d %s", rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type = %q", ct)
		}
	})
	t.Run("signed", func(t *testing.T) {
		body, hdr := sealed(feishutest.ChallengeEvent("c2", testToken))
		if rec := post(t, h, body, hdr); rec.Code != 200 || rec.Body.String() != `{"challenge":"c2"}` {
			t.Fatalf("got %d %s", rec.Code, rec.Body)
		}
	})
	t.Run("quotes are escaped", func(t *testing.T) {
		body, hdr := sealed(feishutest.ChallengeEvent(`a"b`, testToken))
		if rec := post(t, h, body, unsigned(hdr)); rec.Code != 200 || rec.Body.String() != `{"challenge":"a\"b"}` {
			t.Fatalf("got %d %s", rec.Code, rec.Body)
		}
	})
	t.Run("wrong token", func(t *testing.T) {
		body, hdr := sealed(feishutest.ChallengeEvent("c", "wrong"))
		if rec := post(t, h, body, unsigned(hdr)); rec.Code != 401 {
			t.Fatalf("got %d %s", rec.Code, rec.Body)
		}
		if rec := post(t, h, body, hdr); rec.Code != 401 {
			t.Fatalf("signed: got %d %s", rec.Code, rec.Body)
		}
	})
}

// TestWebhookSelfGeneratedVector replays the reference's signed challenge byte for byte,
// with its exact X-Lark-Signature.
func TestWebhookSelfGeneratedVector(t *testing.T) {
	h := newWebhook(t, &recordingSink{}).Handler()
	hdr := http.Header{}
	hdr.Set(headerTimestamp, "1700000000")
	hdr.Set(headerNonce, "abc")
	hdr.Set(headerSignature, vectorSignature)
	rec := post(t, h, []byte(`{"encrypt":"`+vectorEncrypt+`"}`), hdr)
	if rec.Code != 200 || rec.Body.String() != `{"challenge":"ajls384kdjx98XX"}` {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
}

func TestWebhookBodyLimit(t *testing.T) {
	sink := &recordingSink{}
	h := newWebhook(t, sink, WithMaxBody(1024)).Handler()
	body, hdr := sealed(feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, strings.Repeat("长", 600), feishutest.WithVerificationToken(testToken)))
	if rec := post(t, h, body, hdr); rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("known length: got %d", rec.Code)
	}
	// Without a Content-Length (chunked), the limit is hit while reading.
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.ContentLength = -1
	req.Header = hdr
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("unknown length: got %d", rec.Code)
	}
	if len(sink.messages()) != 0 {
		t.Fatal("sink called")
	}
	// The default limit is 1 MiB.
	big := bytes.Repeat([]byte("a"), 1<<20+1)
	if rec := post(t, newWebhook(t, sink).Handler(), big, hdr); rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("default limit: got %d", rec.Code)
	}
}

func TestWebhookMethod(t *testing.T) {
	h := newWebhook(t, &recordingSink{}).Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "POST" {
		t.Fatalf("got %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}

func TestWebhookSinkErrors(t *testing.T) {
	body, hdr := sealed(feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, "list", feishutest.WithVerificationToken(testToken)))
	for _, tt := range []struct {
		err    error
		status int
	}{
		{bot.ErrBusy, http.StatusServiceUnavailable},
		{fmt.Errorf("queue: %w", bot.ErrBusy), http.StatusServiceUnavailable},
		{errors.New("boom"), http.StatusInternalServerError},
	} {
		rec := post(t, newWebhook(t, &recordingSink{msgErr: tt.err}).Handler(), body, hdr)
		if rec.Code != tt.status {
			t.Errorf("%v: got %d, want %d", tt.err, rec.Code, tt.status)
		}
		if strings.Contains(rec.Body.String(), "boom") {
			t.Errorf("internal error leaked: %s", rec.Body)
		}
	}
	// A send-only Feishu (no sink) asks for redelivery.
	if rec := post(t, newWebhook(t, nil).Handler(), body, hdr); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("nil sink: got %d", rec.Code)
	}
}

func TestWebhookIgnored(t *testing.T) {
	tests := map[string][]byte{
		"from an app": feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, "x", feishutest.WithVerificationToken(testToken), feishutest.WithSenderType("app")),
		"sticker":     feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, "", feishutest.WithVerificationToken(testToken), feishutest.WithContent("sticker", `{"file_key":"s_1"}`)),
		"other event": []byte(`{"schema":"2.0","header":{"event_id":"e","event_type":"im.chat.member.bot.added_v1","token":"vtoken"},"event":{}}`),
	}
	for name, plain := range tests {
		t.Run(name, func(t *testing.T) {
			sink := &recordingSink{}
			body, hdr := sealed(plain)
			rec := post(t, newWebhook(t, sink).Handler(), body, hdr)
			if rec.Code != 200 || rec.Body.String() != "{}" {
				t.Fatalf("got %d %s", rec.Code, rec.Body)
			}
			if len(sink.messages()) != 0 || len(sink.actions()) != 0 {
				t.Fatal("sink called")
			}
		})
	}
}

func TestWebhookPostMessage(t *testing.T) {
	sink := &recordingSink{}
	post1 := `{"title":"","content":[[{"tag":"at","user_id":"@_user_1","user_name":"ticketbot"},{"tag":"text","text":" 建单 ksyun 打印机卡纸"}],[{"tag":"text","text":"详情见 "},{"tag":"a","href":"https://x","text":"工单"},{"tag":"text","text":" 请 "},{"tag":"at","user_id":"@_user_2","user_name":"Tom"},{"tag":"text","text":" 跟进"}]]}`
	plain := feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, "", feishutest.WithVerificationToken(testToken),
		feishutest.WithContent("post", post1,
			feishutest.Mention{Key: "@_user_1", OpenID: feishutest.BotOpenID, Name: "ticketbot", Type: "bot"},
			feishutest.Mention{Key: "@_user_2", OpenID: "ou_tom", Name: "Tom", Type: "user"}))
	body, hdr := sealed(plain)
	if rec := post(t, newWebhook(t, sink).Handler(), body, hdr); rec.Code != 200 {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
	got := sink.messages()
	if len(got) != 1 || got[0].Text != "建单 ksyun 打印机卡纸\n详情见 工单 请 @Tom 跟进" {
		t.Fatalf("got %+v", got)
	}
}

func TestWebhookBotOpenIDConfigured(t *testing.T) {
	sink := &recordingSink{}
	cfg := testConfig()
	cfg.BotOpenID = "ou_me"
	f, err := New(cfg, sink, nil, WithClock(func() time.Time { return testNow }))
	if err != nil {
		t.Fatal(err)
	}
	plain := feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, "", feishutest.WithVerificationToken(testToken),
		feishutest.WithContent("text", `{"text":"@_user_2 @_user_1 show 12"}`,
			feishutest.Mention{Key: "@_user_1", OpenID: "ou_me", Name: "ticketbot"},
			feishutest.Mention{Key: "@_user_2", OpenID: "ou_tom", Name: "Tom"}))
	body, hdr := sealed(plain)
	post(t, f.Handler(), body, hdr)
	if got := sink.messages(); len(got) != 1 || got[0].Text != "@Tom show 12" {
		t.Fatalf("got %+v", got)
	}
}

func TestWebhookCardAction(t *testing.T) {
	card := []byte(`{"schema":"2.0","config":{"update_multi":true},"body":{"elements":[{"tag":"markdown","content":"<b>已关闭</b> & \"done\""}]}}`)
	plain := feishutest.CardActionEvent("ev9", testChat, "om_card", testUser, "reply ksyun 1204", map[string]string{"reply_text": "你好"}, testToken)

	t.Run("toast and card", func(t *testing.T) {
		sink := &recordingSink{actRes: bot.ActionResult{Toast: bot.Toast{Type: "success", Text: "已关闭"}, Card: card}}
		body, hdr := sealed(plain)
		rec := post(t, newWebhook(t, sink).Handler(), body, hdr)
		if rec.Code != 200 {
			t.Fatalf("got %d %s", rec.Code, rec.Body)
		}
		var resp struct {
			Toast struct{ Type, Content string }
			Card  struct {
				Type string
				Data json.RawMessage
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatal(err)
		}
		if resp.Toast.Type != "success" || resp.Toast.Content != "已关闭" || resp.Card.Type != "raw" || !bytes.Equal(resp.Card.Data, card) {
			t.Fatalf("answer %s", rec.Body)
		}
		want := bot.Action{Platform: "feishu", EventID: "ev9", ChatID: testChat, MessageID: "om_card", UserID: testUser,
			Command: "reply ksyun 1204", Form: map[string]string{"reply_text": "你好"}, Token: "c-ev9"}
		if got := sink.actions(); len(got) != 1 || fmt.Sprint(got[0]) != fmt.Sprint(want) {
			t.Fatalf("sink got %+v\nwant %+v", got, want)
		}
	})
	t.Run("toast only", func(t *testing.T) {
		sink := &recordingSink{actRes: bot.ActionResult{Toast: bot.Toast{Type: "info", Text: "好"}}}
		body, hdr := sealed(plain)
		rec := post(t, newWebhook(t, sink).Handler(), body, hdr)
		if got := strings.TrimSpace(rec.Body.String()); got != `{"toast":{"type":"info","content":"好"}}` {
			t.Fatalf("answer %s", got)
		}
	})
	t.Run("nothing", func(t *testing.T) {
		body, hdr := sealed(plain)
		rec := post(t, newWebhook(t, &recordingSink{}).Handler(), body, hdr)
		if got := strings.TrimSpace(rec.Body.String()); rec.Code != 200 || got != `{}` {
			t.Fatalf("answer %d %s", rec.Code, got)
		}
	})
	for name, sink := range map[string]*recordingSink{
		"sink error":   {actErr: errors.New("db down at 10.0.0.1")},
		"invalid card": {actRes: bot.ActionResult{Card: []byte(`{"schema":`)}},
	} {
		t.Run(name, func(t *testing.T) {
			body, hdr := sealed(plain)
			rec := post(t, newWebhook(t, sink).Handler(), body, hdr)
			if got := strings.TrimSpace(rec.Body.String()); rec.Code != 200 || got != `{"toast":{"type":"error","content":"内部错误，请稍后再试"}}` {
				t.Fatalf("answer %d %s", rec.Code, got)
			}
		})
	}
	t.Run("wrong token", func(t *testing.T) {
		sink := &recordingSink{}
		body, hdr := sealed(feishutest.CardActionEvent("ev9", testChat, "om_card", testUser, "x", nil, "wrong"))
		if rec := post(t, newWebhook(t, sink).Handler(), body, hdr); rec.Code != 401 || len(sink.actions()) != 0 {
			t.Fatalf("got %d", rec.Code)
		}
	})
}

// TestWebhookUnderGin mounts the handler the way the router does.
func TestWebhookUnderGin(t *testing.T) {
	gin.SetMode(gin.TestMode)
	sink := &recordingSink{}
	r := gin.New()
	r.POST("/feishu/webhook", gin.WrapH(newWebhook(t, sink).Handler()))
	srv := httptest.NewServer(r)
	defer srv.Close()

	body, hdr := sealed(feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, "list", feishutest.WithVerificationToken(testToken)))
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/feishu/webhook", bytes.NewReader(body))
	req.Header = hdr
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("got %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if got := sink.messages(); len(got) != 1 || got[0].Text != "list" {
		t.Fatalf("sink got %+v", got)
	}
}

// TestWebhookLogsNoSecrets runs accepted and rejected requests with debug logging and checks
// that neither secrets nor message text reach the log.
func TestWebhookLogsNoSecrets(t *testing.T) {
	var buf logBuffer
	sink := &recordingSink{msgErr: errors.New("boom")}
	f, err := New(testConfig(), sink, newLogger(&buf), WithClock(func() time.Time { return testNow }))
	if err != nil {
		t.Fatal(err)
	}
	h := f.Handler()
	secretText := "SECRET-TEXT-4711"
	body, hdr := sealed(feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, secretText, feishutest.WithVerificationToken(testToken)))
	post(t, h, body, hdr)
	bad := hdr.Clone()
	bad.Set(headerSignature, strings.Repeat("0", 64))
	post(t, h, body, bad)
	body2, hdr2 := sealed(feishutest.TextMessageEvent("ev2", "om_2", testChat, testUser, secretText, feishutest.WithVerificationToken("wrong")))
	post(t, h, body2, hdr2)
	post(t, h, body, unsigned(hdr))
	cb, ch := sealed(feishutest.ChallengeEvent("c", testToken))
	post(t, h, cb, unsigned(ch))

	out := buf.String()
	if out == "" {
		t.Fatal("nothing logged")
	}
	for _, s := range []string{testKey, testToken, testAppSecret, secretText, hdr.Get(headerSignature)} {
		if strings.Contains(out, s) {
			t.Errorf("log contains %q:\n%s", s, out)
		}
	}
}

// Images and files reach the bot as Files: a screenshot sent with a command becomes a ticket
// attachment.
func TestWebhookFiles(t *testing.T) {
	tests := map[string]struct {
		plain []byte
		text  string
		files []bot.FileRef
	}{
		"image": {feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, "", feishutest.WithVerificationToken(testToken), feishutest.WithContent("image", `{"image_key":"img_1"}`)),
			"", []bot.FileRef{{Key: "img_1", Name: "img_1.png", Kind: "image"}}},
		"file": {feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, "", feishutest.WithVerificationToken(testToken), feishutest.WithContent("file", `{"file_key":"file_1","file_name":"slow.log"}`)),
			"", []bot.FileRef{{Key: "file_1", Name: "slow.log", Kind: "file"}}},
		"post with a screenshot": {feishutest.TextMessageEvent("ev1", "om_1", testChat, testUser, "", feishutest.WithVerificationToken(testToken),
			feishutest.WithContent("post", `{"title":"","content":[[{"tag":"text","text":"建单 ECS 报错"}],[{"tag":"img","image_key":"img_2"}]]}`)),
			"建单 ECS 报错", []bot.FileRef{{Key: "img_2", Name: "img_2.png", Kind: "image"}}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			sink := &recordingSink{}
			body, hdr := sealed(tt.plain)
			if rec := post(t, newWebhook(t, sink).Handler(), body, hdr); rec.Code != 200 {
				t.Fatalf("got %d %s", rec.Code, rec.Body)
			}
			got := sink.messages()
			if len(got) != 1 || strings.TrimSpace(got[0].Text) != tt.text || !reflect.DeepEqual(got[0].Files, tt.files) {
				t.Fatalf("got %+v", got)
			}
		})
	}
}

func TestFetchFile(t *testing.T) {
	fake := feishutest.New("cli_f", "sec")
	defer fake.Close()
	cfg := Config{AppID: "cli_f", AppSecret: "sec", VerificationToken: "v", EncryptKey: "k", BaseURL: fake.URL()}
	cfg.Defaults()
	f, err := New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	fake.PutResource("om_9", "file_9", []byte("slow query log"))
	got, err := f.FetchFile(context.Background(), "om_9", bot.FileRef{Key: "file_9", Kind: "file"}, 1<<20)
	if err != nil || string(got) != "slow query log" {
		t.Fatalf("got %q %v", got, err)
	}
	if _, err := f.FetchFile(context.Background(), "om_9", bot.FileRef{Key: "file_9", Kind: "file"}, 4); err == nil {
		t.Error("a file over the limit must be refused")
	}
	if _, err := f.FetchFile(context.Background(), "om_9", bot.FileRef{Key: "nope", Kind: "file"}, 1<<20); err == nil {
		t.Error("an unknown resource must be an error")
	}
}
