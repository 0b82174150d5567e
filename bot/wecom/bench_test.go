package wecom

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/wecom/wecomtest"
)

// The benchmarks run signed, encrypted callbacks through Handler with reused requests and
// writer, so only the handler's own work is measured: verify, decrypt, parse, remember the
// response_url, hand off to a no-op sink (and, for a click, encrypt and sign the reply).

type benchWriter struct {
	h    http.Header
	code int
}

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchWriter) WriteHeader(code int)        { w.code = code }

type benchBody struct{ bytes.Reader }

func (*benchBody) Close() error { return nil }

type benchReq struct {
	req  *http.Request
	body []byte
}

// benchRequests seals n distinct callbacks (distinct msgids, as WeCom sends them).
func benchRequests(b *testing.B, n int, payload func(i int) []byte) []benchReq {
	reqs := make([]benchReq, n)
	for i := range reqs {
		q, body, err := wecomtest.SealCallback(testToken, testAESKey, payload(i), testNow, "nonce-"+strconv.Itoa(i))
		if err != nil {
			b.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, CallbackPath+"?"+q.Encode(), nil)
		req.ContentLength = int64(len(body))
		reqs[i] = benchReq{req: req, body: body}
	}
	return reqs
}

func runBench(b *testing.B, h http.Handler, reqs []benchReq) {
	rd := &benchBody{}
	w := &benchWriter{h: http.Header{}}
	b.ReportAllocs()
	b.SetBytes(int64(len(reqs[0].body)))
	i := 0
	for b.Loop() {
		r := reqs[i%len(reqs)]
		i++
		rd.Reset(r.body)
		r.req.Body = rd
		clear(w.h)
		w.code = 0
		h.ServeHTTP(w, r.req)
		if w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
	}
}

// BenchmarkCallbackMessage: verify + decrypt + parse + hand-off of a group text message.
func BenchmarkCallbackMessage(b *testing.B) {
	h := newWebhook(b, webhookConfig(nil), nopSink{}, nil).Handler()
	reqs := benchRequests(b, 1024, func(i int) []byte {
		return wecomtest.TextMessage("CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI="+strconv.Itoa(i), "wrkSFfCgAAtJz2ZB9o5jk6D8zZ0b3yNw", "zhangsan",
			"建单 ksyun 数据库连接超时 请尽快处理",
			wecomtest.WithResponseURL("https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RESPONSECODE"+strconv.Itoa(i)),
			wecomtest.WithQuote("【金山云工单】数据库连接超时 ksyun:1204"))
	})
	runBench(b, h, reqs)
}

// BenchmarkCallbackClick: a click answered with the encrypted card update.
func BenchmarkCallbackClick(b *testing.B) {
	sink := nopSink{res: bot.ActionResult{Toast: bot.Toast{Type: "success", Text: "已关闭"}, Card: []byte(testCard)}}
	h := newWebhook(b, webhookConfig(nil), sink, nil).Handler()
	reqs := benchRequests(b, 64, func(i int) []byte {
		return wecomtest.CardEvent("click-"+strconv.Itoa(i), testChat, testUser, "tb-card-1", "close ksyun:1204",
			wecomtest.WithResponseURL("https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RC"+strconv.Itoa(i)))
	})
	runBench(b, h, reqs)
}

// answeringSink answers every message at once with out (bot.InstantAnswerer).
type answeringSink struct {
	nopSink
	out bot.Outgoing
}

func (s answeringSink) AnswerNow(bot.Message) (bot.Outgoing, bool) { return s.out, true }

// BenchmarkCallbackAnsweredNow: a message answered in the callback's own response (help, a
// usage hint): verify + decrypt + parse, then the answer shaped, encrypted and signed. No
// response_url is remembered and nothing is handed off.
func BenchmarkCallbackAnsweredNow(b *testing.B) {
	help := bytes.Repeat([]byte("**新建** · new：在供应商处新建工单\n<font color=\"comment\">新建 [供应商] 标题</font>\n"), 12)
	sink := answeringSink{out: bot.Outgoing{Kind: bot.KindMarkdown, Body: help}}
	h := newWebhook(b, webhookConfig(nil), sink, nil).Handler()
	reqs := benchRequests(b, 1024, func(i int) []byte {
		return wecomtest.TextMessage("CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI="+strconv.Itoa(i), "wrkSFfCgAAtJz2ZB9o5jk6D8zZ0b3yNw", "zhangsan",
			"help", wecomtest.WithResponseURL("https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RESPONSECODE"+strconv.Itoa(i)))
	})
	runBench(b, h, reqs)
}
