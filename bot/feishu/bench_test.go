package feishu

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	larkevent "github.com/larksuite/oapi-sdk-go/v3/event"
	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher"
	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"
	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
)

// The two benchmarks run the same signed, encrypted im.message.receive_v1 request through
// an http.Handler: ours, and the SDK's dispatcher behind the small adapter the reference
// recommends (§13), whose handler converts to a bot.Message and hands it to the same no-op
// sink. Request and writer are reused, so only the handlers' own work is measured.

// benchWriter is a reusable http.ResponseWriter.
type benchWriter struct {
	h    http.Header
	code int
}

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchWriter) WriteHeader(code int)        { w.code = code }

// benchBody is a rewindable request body.
type benchBody struct{ bytes.Reader }

func (*benchBody) Close() error { return nil }

func benchRequest(b *testing.B, h http.Handler) {
	plain := feishutest.TextMessageEvent("5e3702a84e847582be8db7fb73283c02", "om_5ce6d572455d361153b7cb51da133945",
		"oc_5ce6d572455d361153b7xx51da133945", "ou_84aad35d084aa403a838cf73ee18467",
		"建单 ksyun 数据库连接超时 请尽快处理", feishutest.WithVerificationToken(testToken))
	body, hdr := sealed(plain)
	rd := &benchBody{}
	req := httptest.NewRequest(http.MethodPost, "/feishu/webhook", nil)
	req.Header = hdr
	req.ContentLength = int64(len(body))
	w := &benchWriter{h: http.Header{}}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		rd.Reset(body)
		req.Body = rd
		clear(w.h)
		w.code = 0
		h.ServeHTTP(w, req)
		if w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
	}
}

// BenchmarkWebhookMessage: verify + decrypt + parse + hand-off, our handler.
func BenchmarkWebhookMessage(b *testing.B) {
	benchRequest(b, newWebhook(b, nopSink{}).Handler())
}

// BenchmarkSDKDispatcher: the same request through dispatcher.Handle.
func BenchmarkSDKDispatcher(b *testing.B) {
	d := dispatcher.NewEventDispatcher(testToken, testKey)
	d.InitConfig(larkevent.WithLogger(sdkLogger{slog.New(slog.DiscardHandler)}))
	sink := nopSink{}
	d.OnP2MessageReceiveV1(func(ctx context.Context, ev *larkim.P2MessageReceiveV1) error {
		e := envelopeFromSDKMessage(ev)
		m, _ := toMessage(&e, "")
		return sink.HandleMessage(ctx, m)
	})
	adapter := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		resp := d.Handle(r.Context(), &larkevent.EventReq{Header: r.Header, Body: body, RequestURI: r.RequestURI})
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(resp.Body)
	})
	benchRequest(b, adapter)
}

// BenchmarkWebhookCardAction: a card click answered with a toast and a card.
func BenchmarkWebhookCardAction(b *testing.B) {
	sink := &recordingSink{}
	sink.actRes.Toast.Text = "已关闭"
	sink.actRes.Card = []byte(testCard)
	h := newWebhook(b, nopActionSink{sink.actRes}).Handler()
	body, hdr := sealed(feishutest.CardActionEvent("ev", testChat, "om_card", testUser, "close ksyun 1204", map[string]string{"reply_text": "好"}, testToken))
	rd := &benchBody{}
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	req.Header = hdr
	req.ContentLength = int64(len(body))
	w := &benchWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		req.Body = rd
		clear(w.h)
		h.ServeHTTP(w, req)
		if w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
	}
}
