package weiban_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/internal/msgcrypt"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

// changes records onChange calls.
type changes struct {
	mu sync.Mutex
	ts []providers.Ticket
}

func (c *changes) onChange(_ context.Context, t providers.Ticket) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ts = append(c.ts, t)
	return nil
}

func (c *changes) got() []providers.Ticket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]providers.Ticket(nil), c.ts...)
}

// eventServer mounts the provider's handler at /weiban/events.
func eventServer(t *testing.T, p *weiban.Provider) (*weiban.EventHandlerOf, *changes, string) {
	t.Helper()
	ch := &changes{}
	h := p.EventHandler(ch.onChange).(*weiban.EventHandlerOf)
	mux := http.NewServeMux()
	mux.Handle("/weiban/events", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return h, ch, srv.URL + "/weiban/events"
}

func TestEventValidPushCallsOnChangeOnce(t *testing.T) {
	ctx := context.Background()
	p, f, _ := newFakeProvider(t)
	h, ch, target := eventServer(t, p)
	tk, err := p.Create(ctx, providers.CreateRequest{Title: "推送测试"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.AddFlow(tk.ID, weibantest.AgentID, "请补充截图"); err != nil {
		t.Fatal(err)
	}
	before := len(callsTo(f, weiban.PathDetail))
	status, err := f.PushChange(ctx, target, tk.ID, "reply")
	if err != nil || status != http.StatusOK {
		t.Fatalf("push = %d %v", status, err)
	}
	h.Wait()
	got := ch.got()
	if len(got) != 1 {
		t.Fatalf("onChange called %d times", len(got))
	}
	if got[0].ID != tk.ID || got[0].LatestNote == nil || got[0].LatestNote.Body != "请补充截图" || !got[0].LatestNote.Official {
		t.Errorf("ticket = %+v", got[0])
	}
	if n := len(callsTo(f, weiban.PathDetail)) - before; n != 1 {
		t.Errorf("detail re-read %d times, want 1", n)
	}

	// The same event again (retry_count 1): dropped.
	status, err = f.ResendLast(ctx, target)
	if err != nil || status != http.StatusOK {
		t.Fatalf("resend = %d %v", status, err)
	}
	h.Wait()
	if n := len(ch.got()); n != 1 {
		t.Errorf("duplicate delivered: onChange called %d times", n)
	}
}

func TestEventAckIsFast(t *testing.T) {
	ctx := context.Background()
	p, f, _ := newFakeProvider(t)
	h, ch, target := eventServer(t, p)
	f.SetLatency(300 * time.Millisecond) // a slow vendor
	start := time.Now()
	status, err := f.PushChange(ctx, target, weibantest.DocOrderNo, "switch")
	if err != nil || status != http.StatusOK {
		t.Fatalf("push = %d %v", status, err)
	}
	if d := time.Since(start); d > 250*time.Millisecond {
		t.Errorf("ack took %v: the vendor call is on the request path", d)
	}
	h.Wait()
	if got := ch.got(); len(got) != 1 || got[0].Status != providers.StatusOpen {
		// 10 is mapped to open: the status map wins over the event's hint.
		t.Errorf("changes = %+v", got)
	}
}

func TestEventHintWhenStatusUnmapped(t *testing.T) {
	ctx := context.Background()
	p, f, _ := newFakeProvider(t)
	h, ch, target := eventServer(t, p)
	tk, _ := p.Create(ctx, providers.CreateRequest{Title: "t"})
	_ = f.SetStatus(tk.ID, 55)
	if _, err := f.PushChange(ctx, target, tk.ID, "switch"); err != nil {
		t.Fatal(err)
	}
	h.Wait()
	if got := ch.got(); len(got) != 1 || got[0].Status != providers.StatusInProgress || got[0].RawStatus != "55" {
		t.Errorf("switch hint: %+v", got)
	}
	// Weiban's close page shows "switch": a switch event on a work order whose detail shows
	// it closed reads as closed.
	if err := p.Close(ctx, tk.ID, providers.CloseRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.PushChange(ctx, target, tk.ID, "switch"); err != nil {
		t.Fatal(err)
	}
	h.Wait()
	if got := ch.got(); len(got) != 2 || got[1].Status != providers.StatusClosed {
		t.Errorf("close sent as switch: %+v", got)
	}
}

func TestEventRejections(t *testing.T) {
	ctx := context.Background()
	p, f, _ := newFakeProvider(t)
	h, ch, target := eventServer(t, p)
	msg := []byte(`{"id":"ev-1","event":"work_order_change","status":"reply","msg_data":{"order_no":"` + weibantest.DocOrderNo + `"}}`)

	post := func(q url.Values, body []byte) int {
		t.Helper()
		status, err := weibantest.PostEvent(ctx, target, q, body)
		if err != nil {
			t.Fatal(err)
		}
		return status
	}
	q, body, err := f.Seal(msg, "corp-1")
	if err != nil {
		t.Fatal(err)
	}

	// Tampered signature.
	bad := cloneValues(q)
	bad.Set("msg_signature", strings.Repeat("0", 40))
	if s := post(bad, body); s != http.StatusUnauthorized {
		t.Errorf("bad signature = %d, want 401", s)
	}
	noSig := cloneValues(q)
	noSig.Del("msg_signature")
	if s := post(noSig, body); s != http.StatusUnauthorized {
		t.Errorf("no signature = %d, want 401", s)
	}
	// A changed timestamp breaks the signature too.
	ts := cloneValues(q)
	ts.Set("timestamp", "1")
	if s := post(ts, body); s != http.StatusUnauthorized {
		t.Errorf("replayed with another timestamp = %d, want 401", s)
	}
	// Sealed for another corp, correctly signed.
	q2, body2, _ := f.Seal(msg, "corp-2")
	if s := post(q2, body2); s != http.StatusForbidden {
		t.Errorf("wrong receive id = %d, want 403", s)
	}
	// Signed but not decryptable (wrong key).
	other, _ := msgcrypt.New(strings.Repeat("A", 43))
	enc := other.Encrypt(msg, "corp-1")
	q3 := signed(f, enc)
	if s := post(q3, []byte(`{"encrypt":"`+enc+`"}`)); s != http.StatusBadRequest {
		t.Errorf("wrong key = %d, want 400", s)
	}
	q4 := signed(f, "not base64!")
	if s := post(q4, []byte(`{"encrypt":"not base64!"}`)); s != http.StatusBadRequest {
		t.Errorf("garbage = %d, want 400", s)
	}
	if s := post(q, []byte(`not json`)); s != http.StatusBadRequest {
		t.Errorf("non-JSON body = %d, want 400", s)
	}
	if s := post(q, []byte(`{"other":"x"}`)); s != http.StatusBadRequest {
		t.Errorf("no encrypt field = %d, want 400", s)
	}
	big := bytes.Repeat([]byte("a"), weiban.MaxEventBody+1)
	if s := post(q, big); s != http.StatusRequestEntityTooLarge {
		t.Errorf("big body = %d, want 413", s)
	}
	req, _ := http.NewRequest(http.MethodPut, target, nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("PUT = %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	h.Wait()
	if n := len(ch.got()); n != 0 {
		t.Errorf("onChange called %d times for rejected pushes", n)
	}

	// The untampered original is still accepted; a second copy is a duplicate.
	if s := post(q, body); s != http.StatusOK {
		t.Errorf("valid = %d", s)
	}
	if s := post(q, body); s != http.StatusOK {
		t.Errorf("duplicate = %d", s)
	}
	h.Wait()
	if n := len(ch.got()); n != 1 {
		t.Errorf("onChange called %d times, want 1", n)
	}
}

// TestEventEachRejectionLoggedOnce refuses a push in every way there is and counts the log
// lines: each refusal is logged exactly once, at warn level, with its status and reason, and
// no line carries a secret or the signature.
func TestEventEachRejectionLoggedOnce(t *testing.T) {
	msg := []byte(`{"id":"ev-1","event":"work_order_change","status":"reply","msg_data":{"order_no":"` + weibantest.DocOrderNo + `"}}`)
	other, _ := msgcrypt.New(strings.Repeat("A", 43))
	tests := []struct {
		name   string
		events bool // event_token and event_aes_key set
		req    func(f *weibantest.Server, target string) *http.Request
		status int
		reason string
	}{
		{"bad signature", true, func(f *weibantest.Server, target string) *http.Request {
			q, body, _ := f.Seal(msg, "corp-1")
			q.Set("msg_signature", strings.Repeat("0", 40))
			return pushRequest(target, q, body)
		}, 401, "bad msg_signature"},
		{"no signature", true, func(f *weibantest.Server, target string) *http.Request {
			q, body, _ := f.Seal(msg, "corp-1")
			q.Del("msg_signature")
			return pushRequest(target, q, body)
		}, 401, "bad msg_signature"},
		{"URL check, bad signature", true, func(f *weibantest.Server, target string) *http.Request {
			q, _, _ := f.Seal([]byte("echo"), "corp-1")
			q.Set("msg_signature", strings.Repeat("0", 40))
			return httptest.NewRequest(http.MethodGet, target+"?"+q.Encode(), nil)
		}, 401, "bad msg_signature"},
		{"another receive id", true, func(f *weibantest.Server, target string) *http.Request {
			q, body, _ := f.Seal(msg, "corp-2")
			return pushRequest(target, q, body)
		}, 403, "sealed for another receive id"},
		{"another key", true, func(f *weibantest.Server, target string) *http.Request {
			enc := other.Encrypt(msg, "corp-1")
			return pushRequest(target, signed(f, enc), []byte(`{"encrypt":"`+enc+`"}`))
		}, 400, "does not decrypt"},
		{"decrypted event not JSON", true, func(f *weibantest.Server, target string) *http.Request {
			q, body, _ := f.Seal([]byte("not json"), "corp-1")
			return pushRequest(target, q, body)
		}, 400, "decrypted event is not JSON"},
		{"body not JSON", true, func(f *weibantest.Server, target string) *http.Request {
			q, _, _ := f.Seal(msg, "corp-1")
			return pushRequest(target, q, []byte("not json"))
		}, 400, "body is not a JSON object"},
		{"no encrypted field", true, func(f *weibantest.Server, target string) *http.Request {
			q, _, _ := f.Seal(msg, "corp-1")
			return pushRequest(target, q, []byte(`{"other":"x"}`))
		}, 400, "no encrypted field in the body"},
		{"body too large", true, func(f *weibantest.Server, target string) *http.Request {
			q, _, _ := f.Seal(msg, "corp-1")
			return pushRequest(target, q, bytes.Repeat([]byte("a"), weiban.MaxEventBody+1))
		}, 413, "body too large"},
		{"method", true, func(f *weibantest.Server, target string) *http.Request {
			return httptest.NewRequest(http.MethodPut, target, nil)
		}, 405, "method not allowed"},
		{"events not configured", false, func(f *weibantest.Server, target string) *http.Request {
			q, body, _ := f.Seal(msg, "corp-1")
			return pushRequest(target, q, body)
		}, 503, "event_token/event_aes_key are not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := weibantest.New("corp-1", canary+"-secret")
			t.Cleanup(f.Close)
			cfg := f.Config()
			if !tt.events {
				cfg.EventToken, cfg.EventAESKey = "", ""
			}
			logger, logs := captureText()
			p, err := weiban.New(cfg, weiban.WithLogger(logger))
			if err != nil {
				t.Fatal(err)
			}
			ch := &changes{}
			h := p.EventHandler(ch.onChange).(*weiban.EventHandlerOf)
			req := tt.req(f, "/weiban/events")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			h.Wait()
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			if n := len(ch.got()); n != 0 {
				t.Fatalf("onChange called %d times", n)
			}
			out := logs.String()
			lines := linesWith(out, "rejected")
			if len(lines) != 1 {
				t.Fatalf("%d rejection lines, want 1:\n%s", len(lines), out)
			}
			for _, want := range []string{"level=WARN", `msg="weiban: event rejected"`, fmt.Sprintf("status=%d", tt.status), "reason=\"" + tt.reason} {
				if !strings.Contains(lines[0], want) {
					t.Errorf("rejection line lacks %q: %s", want, lines[0])
				}
			}
			for _, secret := range []string{canary, f.Config().EventToken.Reveal(), f.Config().EventAESKey.Reveal(), req.URL.Query().Get("msg_signature")} {
				if secret != "" && strings.Contains(out, secret) {
					t.Errorf("the log holds a secret or the signature:\n%s", out)
				}
			}
		})
	}
}

// pushRequest is a POST of body to target with the query q (the echostr dropped).
func pushRequest(target string, q url.Values, body []byte) *http.Request {
	q = cloneValues(q)
	q.Del("echostr")
	return httptest.NewRequest(http.MethodPost, target+"?"+q.Encode(), bytes.NewReader(body))
}

func TestEventIgnoredKinds(t *testing.T) {
	ctx := context.Background()
	p, f, _ := newFakeProvider(t)
	h, ch, target := eventServer(t, p)
	for _, msg := range []string{
		`{"id":"a","event":"customer_change","msg_data":{"order_no":"1"}}`,
		`{"id":"b","event":"work_order_change","msg_data":{}}`,
	} {
		q, body, _ := f.Seal([]byte(msg), "corp-1")
		if s, err := weibantest.PostEvent(ctx, target, q, body); err != nil || s != http.StatusOK {
			t.Errorf("%s = %d %v", msg, s, err)
		}
	}
	h.Wait()
	if n := len(ch.got()); n != 0 {
		t.Errorf("onChange called %d times", n)
	}
}

func TestEventURLCheck(t *testing.T) {
	p, f, _ := newFakeProvider(t)
	_, _, target := eventServer(t, p)
	status, body, want, err := f.CheckURL(context.Background(), target)
	if err != nil || status != http.StatusOK || body != want {
		t.Errorf("URL check = %d %q (want %q) %v", status, body, want, err)
	}
}

// TestEventOfficialVectors runs WeCom's official vectors (reference/chat-platforms.md §6)
// through the handler: Weiban uses the same scheme.
func TestEventOfficialVectors(t *testing.T) {
	cfg := weiban.Config{
		CorpID: "wx5823bf96d3bd56c7", Secret: "s", StaffID: "bot",
		EventToken: "QDG6eK", EventAESKey: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
	}
	p, err := weiban.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := p.EventHandler(nil)

	get := httptest.NewRequest(http.MethodGet, "/weiban/events?msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"+
		"&timestamp=1409659589&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, get)
	if w.Code != 200 || w.Body.String() != "1616140317555161061" {
		t.Errorf("URL check = %d %q", w.Code, w.Body.String())
	}
	// The same, with the '+' left unescaped by the sender.
	get = httptest.NewRequest(http.MethodGet, "/weiban/events?msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"+
		"&timestamp=1409659589&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==", nil)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, get)
	if w.Code != 200 || w.Body.String() != "1616140317555161061" {
		t.Errorf("URL check with raw '+' = %d %q", w.Code, w.Body.String())
	}

	const enc = "CZWs4CWRpI4VolQlvn4dlEC1alN2MUEY2VklGehgBVLBrlVF7SyT+SV+Toj43l4ayJ9UMGKphktKKmP7B2j/P1ey67XB8PBgS7Wr5/8+w/yWriZv3Vmoo/MH3/1HsIWZrPQ3N2mJrelStIfI2Y8kLKXA7EhfZgZX4o+ffdkZDM76SEl79Ib9mw7TGjZ9Aw/x/A2VjNbV1E8BtEbRxYYcQippYNw7hr8sFfa3nW1xLdxokt8QkRX83vK3DFP2F6TQFPL2Tu98UwhcUpPvdJBuu1/yiOQIScppV3eOuLWEsko="
	if !msgcrypt.Verify("0623cbc5a8cbee5bcc137c70de99575366fc2af3", "QDG6eK", "1409659813", "1372623149", enc) {
		t.Error("official signature does not verify")
	}
	c, _ := msgcrypt.New(cfg.EventAESKey.Reveal())
	msg, rid, err := c.Decrypt(enc)
	want := `{"ToUserName":"wx5823bf96d3bd56c7","FromUserName":"mycreate","CreateTime": 1409659813,"MsgType":"text","Content":"hello","MsgId":4561255354251345929,"AgentID": 218}`
	if err != nil || string(msg) != want || rid != "wx5823bf96d3bd56c7" {
		t.Errorf("decrypt = %q %q %v", msg, rid, err)
	}
	post := httptest.NewRequest(http.MethodPost, "/weiban/events?msg_signature=0623cbc5a8cbee5bcc137c70de99575366fc2af3&timestamp=1409659813&nonce=1372623149",
		strings.NewReader(`{"tousername":"wx5823bf96d3bd56c7","encrypt":"`+enc+`","agentid":"218"}`))
	w = httptest.NewRecorder()
	h.ServeHTTP(w, post)
	if w.Code != 200 || w.Body.String() != "{}" { // verified, not a work-order event: acked and ignored
		t.Errorf("official POST = %d %q", w.Code, w.Body.String())
	}
}

func TestEventsNotConfigured(t *testing.T) {
	p, err := weiban.New(weiban.Config{CorpID: "c", Secret: "s", StaffID: "bot"})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	p.EventHandler(nil).ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/weiban/events", strings.NewReader("{}")))
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("status = %d", w.Code)
	}
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// signed returns a query signing enc with the fake's token.
func signed(f *weibantest.Server, enc string) url.Values {
	return url.Values{"msg_signature": {msgcrypt.Signature(f.Config().EventToken.Reveal(), "1700000000", "n", enc)}, "timestamp": {"1700000000"}, "nonce": {"n"}}
}

func BenchmarkEventHandler(b *testing.B) {
	f := weibantest.New("corp-1", testSecret)
	defer f.Close()
	p, _ := weiban.New(f.Config())
	h := p.EventHandler(nil).(*weiban.EventHandlerOf)
	msg := []byte(`{"event":"other"}`)
	q, body, _ := f.Seal(msg, "corp-1")
	q.Del("echostr")
	target := "/weiban/events?" + q.Encode()
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body)))
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
