package weiban_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/internal/msgcrypt"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

// Fuzz targets of what Weiban sends us: API answers and pushed events. Run one with
//
//	go test ./providers/weiban -run '^$' -fuzz '^FuzzResponse$' -fuzztime 60s
//	go test ./providers/weiban -run '^$' -fuzz '^FuzzEvent$' -fuzztime 60s
//	go test ./providers/weiban -run '^$' -fuzz '^FuzzEventBody$' -fuzztime 60s
//
// Seeds: Weiban's own detail example (weibantest/testdata/detail_example.json), the push shapes of
// fake_push.go and the reference's WeCom vectors (Weiban seals events the same way), and
// testdata/fuzz/<FuzzName>/.

const fuzzToken = `{"errcode":0,"errmsg":"ok","access_token":"tok-fuzz","expires_in":7200}`

// fakeAPI answers the token call with a fixed token and every other call with body (HTTP
// 200), and counts what is read of the answers.
type fakeAPI struct {
	mu    sync.Mutex
	body  []byte
	body2 io.Reader // when set, the body instead of body
	read  int64
}

func (a *fakeAPI) set(body []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.body = body
}

func (a *fakeAPI) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var b io.Reader = bytes.NewReader(a.body)
	switch {
	case req.URL.Path == weiban.TokenPath:
		b = strings.NewReader(fuzzToken)
	case a.body2 != nil:
		b = a.body2
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(&countingReader{r: b, n: &a.read, mu: &a.mu}), Request: req}, nil
}

type countingReader struct {
	r  io.Reader
	n  *int64
	mu *sync.Mutex
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.mu.Lock()
	*c.n += int64(n)
	c.mu.Unlock()
	return n, err
}

// newFuzzProvider is a provider on the fake's configuration (events enabled) whose calls all
// go to api, and whose waits return at once.
func newFuzzProvider(tb testing.TB, api *fakeAPI) (*weiban.Provider, *weibantest.Server) {
	tb.Helper()
	f := weibantest.New("corp-1", testSecret)
	tb.Cleanup(f.Close)
	p, err := weiban.New(f.Config(), weiban.WithHTTPClient(&http.Client{Transport: api}),
		weiban.WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
	if err != nil {
		tb.Fatal(err)
	}
	return p, f
}

func readDetailExample(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile("weibantest/testdata/detail_example.json")
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// FuzzResponse feeds arbitrary detail answers (an in-memory HTTP response, no network)
// through the real client, envelope, lenient types and mapping: Get and Notes.
func FuzzResponse(f *testing.F) {
	detail := readDetailExample(f)
	f.Add(detail)
	f.Add([]byte(`{"errcode":"0","work_order":{"order_no":1471808049579560960,"status":"10","total_time":-5,` +
		`"processing_flows":[{"id":2,"type_name":"重新打开已关闭工单","created_at":"2021-12-17T19:42:45+08:00","content":"x","attached_json":"[{\"url\":\"u\"}]"},` +
		`{"id":1,"type_name":"新建工单","content":{"text":"","pic":"[\"a\",{\"name\":\"b\"}]"}}],` +
		`"work_order_component_record_list":[{"component_type":"file","values":["https://x/y/z.png","no-slash"],"sort":2},{"title":"城市","values":"上海","sort":1}]}}`))
	f.Add([]byte(`{"errcode":22301,"errmsg":"order_no非法,对应工单不存在"}`))
	f.Add([]byte(`{"errcode":10001,"errmsg":"认证错误"}`))
	f.Add([]byte(`{"errcode":10053,"errmsg":"too frequent"}`))
	f.Add([]byte(`{"errcode":0,"work_order":{"order_no":" ","button_operate":{"reopen":"1","close":0}}}`))
	f.Add([]byte(`{"errcode":0,"work_order":{"order_no":"A-1","total_time":9.2e18,"created_at":1e300,"updated_at":"NaN"}}`))

	api := &fakeAPI{}
	p, _ := newFuzzProvider(f, api)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, body []byte) {
		api.set(body)
		tk, err := p.Get(ctx, weibantest.DocOrderNo)
		tk2, err2 := p.Get(ctx, weibantest.DocOrderNo)
		if !reflect.DeepEqual(tk, tk2) || (err == nil) != (err2 == nil) {
			t.Fatalf("Get is not deterministic: %+v %v / %+v %v", tk, err, tk2, err2)
		}
		notes, nerr := p.Notes(ctx, weibantest.DocOrderNo)
		if (err == nil) != (nerr == nil) {
			t.Fatalf("Get and Notes disagree on the same detail: %v / %v", err, nerr)
		}
		if err != nil {
			checkError(t, err)
			checkError(t, nerr)
			return
		}
		checkTicket(t, tk)
		for i, n := range notes {
			if i > 0 && n.At.Before(notes[i-1].At) {
				t.Fatalf("notes out of order at %d", i)
			}
		}
	})
}

// checkError: a failure is an error with the provider's context, never a half ticket.
func checkError(t *testing.T, err error) {
	t.Helper()
	if !strings.HasPrefix(err.Error(), "weiban: ") {
		t.Fatalf("error without context: %v", err)
	}
	var ve *providers.VendorError
	if errors.As(err, &ve) && (ve.Provider != "weiban" || ve.Code == "") {
		t.Fatalf("vendor error without provider or code: %+v", ve)
	}
	if strings.Contains(err.Error(), "tok-fuzz") || strings.Contains(err.Error(), testSecret) {
		t.Fatalf("error leaks the token or secret: %v", err)
	}
}

// checkTicket: a ticket read without error is sane.
func checkTicket(t *testing.T, tk providers.Ticket) {
	t.Helper()
	if tk.Provider != "weiban" || tk.ID == "" || tk.ID != strings.TrimSpace(tk.ID) {
		t.Fatalf("ticket without provider or id: %+v", tk)
	}
	switch tk.Status {
	case providers.StatusOpen, providers.StatusInProgress, providers.StatusWaitingOnUs, providers.StatusPendingConfirm,
		providers.StatusClosed, providers.StatusCancelled, providers.StatusUnknown:
	default:
		t.Fatalf("status %q", tk.Status)
	}
	if tk.UpdatedAt.IsZero() && !tk.CreatedAt.IsZero() {
		t.Fatalf("updated time not defaulted to the creation time: %+v", tk)
	}
	if !strings.Contains(tk.Content, "持续时间：") {
		t.Fatalf("content without its duration line: %q", tk.Content)
	}
}

// fuzzEvents are decrypted work_order_change events.
func fuzzEvents() [][]byte {
	full, _ := json.Marshal(map[string]any{
		"id": "5f1c9e2a-0000-4000-8000-000000000001", "corp_id": "corp-1", "create_time": 1700000000, "type": "event",
		"event": weiban.EventKind, "status": "close", "retry_count": 0,
		"msg_data": map[string]any{
			"order_no": weibantest.DocOrderNo, "staff_id": "LiuYang", "handler_id": weibantest.AgentID, "cc_list": []any{},
			"content": map[string]any{"text": "", "pic": []any{}}, "is_show": 1, "attached_json": []any{},
		},
	})
	return [][]byte{
		full,
		[]byte(`{"id":"ev-1","event":"work_order_change","status":"reply","msg_data":{"order_no":"` + weibantest.DocOrderNo + `"}}`),
		[]byte(`{"event":"work_order_change","status":"switch","create_time":1.7e9,"msg_data":{"order_no":1471808049579560960,"cc_list":"[\"a\"]","content":"文本","attached_json":"[{\"type\":\"image\",\"url\":\"u\"}]"}}`),
		[]byte(`{"id":"a","event":"customer_change","msg_data":{"order_no":"1"}}`),
		[]byte(`{"id":"b","event":"work_order_change","msg_data":{}}`),
		[]byte(`{"id":"c","event":"work_order_change","msg_data":{"order_no":"../../etc/passwd"}}`),
		[]byte(`{"ToUserName":"wx5823bf96d3bd56c7","FromUserName":"mycreate","CreateTime": 1409659813,"MsgType":"text","Content":"hello","MsgId":4561255354251345929,"AgentID": 218}`),
		[]byte(`not json`),
	}
}

// changes records onChange calls.
type fuzzChanges struct {
	mu sync.Mutex
	ts []providers.Ticket
}

func (c *fuzzChanges) onChange(_ context.Context, t providers.Ticket) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ts = append(c.ts, t)
	return nil
}

func (c *fuzzChanges) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.ts)
}

// postEventTo runs one push through h directly (no server) and returns the status.
func postEventTo(h http.Handler, q url.Values, body []byte) int {
	req := httptest.NewRequest(http.MethodPost, "/weiban/events?"+q.Encode(), bytes.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// FuzzEvent seals arbitrary plaintexts as Weiban does (for our corp, signed) and pushes them
// twice: a plaintext that is not JSON is answered 400, anything else 200; onChange is called
// at most once, only for a work_order_change naming a valid order_no, with the re-read
// work order.
func FuzzEvent(f *testing.F) {
	for _, e := range fuzzEvents() {
		f.Add(e)
	}
	api := &fakeAPI{}
	api.set(readDetailExample(f))
	p, fake := newFuzzProvider(f, api)
	ch := &fuzzChanges{}
	h := p.EventHandler(ch.onChange).(*weiban.EventHandlerOf)
	f.Fuzz(func(t *testing.T, plain []byte) {
		before := ch.count()
		q, body, err := fake.Seal(plain, "corp-1")
		if err != nil {
			t.Fatal(err)
		}
		q.Del("echostr")
		var ev weiban.Event
		decodes := json.Unmarshal(plain, &ev) == nil
		for range 2 { // the second is a redelivery
			status := postEventTo(h, q, body)
			h.Wait()
			if want := map[bool]int{true: http.StatusOK, false: http.StatusBadRequest}[decodes]; status != want {
				t.Fatalf("status %d, want %d", status, want)
			}
		}
		n := ch.count() - before
		_, errNo := weiban.OrderNo(string(ev.MsgData.OrderNo))
		want := decodes && (ev.Event == "" || ev.Event == weiban.EventKind) && errNo == nil
		switch {
		case n > 1:
			t.Fatalf("onChange called %d times for one event", n)
		case n == 1 && !want:
			t.Fatalf("onChange called for %q", plain)
		}
	})
}

// FuzzEventBody pushes arbitrary bodies, with a valid msg_signature over the body's encrypted
// field (sign) or a wrong one: the handler answers 200, 400, 401, 403 or 413, calls onChange
// only for a signed body, and answers 200 only to a body sealed for our corp.
func FuzzEventBody(f *testing.F) {
	api := &fakeAPI{}
	api.set(readDetailExample(f))
	p, fake := newFuzzProvider(f, api)
	for _, e := range fuzzEvents()[:3] {
		_, body, _ := fake.Seal(e, "corp-1")
		f.Add(body, true)
		_, body, _ = fake.Seal(e, "corp-2")
		f.Add(body, true)
	}
	const official = "CZWs4CWRpI4VolQlvn4dlEC1alN2MUEY2VklGehgBVLBrlVF7SyT+SV+Toj43l4ayJ9UMGKphktKKmP7B2j/P1ey67XB8PBgS7Wr5/8+w/yWriZv3Vmoo/MH3/1HsIWZrPQ3N2mJrelStIfI2Y8kLKXA7EhfZgZX4o+ffdkZDM76SEl79Ib9mw7TGjZ9Aw/x/A2VjNbV1E8BtEbRxYYcQippYNw7hr8sFfa3nW1xLdxokt8QkRX83vK3DFP2F6TQFPL2Tu98UwhcUpPvdJBuu1/yiOQIScppV3eOuLWEsko="
	f.Add([]byte(`{"tousername":"wx5823bf96d3bd56c7","encrypt":"`+official+`","agentid":"218"}`), true)
	f.Add([]byte(`{"msg_encrypt":"AAAA","encrypt":7}`), true)
	f.Add([]byte(`{"Encrypt":"not base64!"}`), false)
	f.Add([]byte(`[]`), true)

	ch := &fuzzChanges{}
	h := p.EventHandler(ch.onChange).(*weiban.EventHandlerOf)
	crypt, _ := msgcrypt.New(fake.Config().EventAESKey.Reveal())
	f.Fuzz(func(t *testing.T, body []byte, sign bool) {
		before := ch.count()
		enc := encryptedField(body)
		sig := strings.Repeat("0", 40)
		if sign {
			sig = msgcrypt.Signature(fake.Config().EventToken.Reveal(), "1700000000", "n", enc)
		}
		q := url.Values{"msg_signature": {sig}, "timestamp": {"1700000000"}, "nonce": {"n"}}
		status := postEventTo(h, q, body)
		h.Wait()
		switch status {
		case http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d", status)
		}
		if status == http.StatusOK {
			_, rid, err := crypt.Decrypt(enc)
			if !sign || err != nil || rid != "corp-1" {
				t.Fatalf("200 for a body not sealed for us (signed %v, %v, receive id %q)", sign, err, rid)
			}
		}
		if ch.count() != before && !sign {
			t.Fatal("an unsigned push reached onChange")
		}
	})
}

// encryptedField finds the encrypted field as the handler does, or "".
func encryptedField(body []byte) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return ""
	}
	var enc string
	for _, k := range weiban.EncryptFields {
		if raw, ok := fields[k]; ok && json.Unmarshal(raw, &enc) == nil && enc != "" {
			break
		}
	}
	return enc
}

// endless is a body that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// TestEventReadsAtMostTheLimit pushes an endless body: the handler stops reading one byte
// past the limit and answers 413.
func TestEventReadsAtMostTheLimit(t *testing.T) {
	p, _ := newFuzzProvider(t, &fakeAPI{})
	h := p.EventHandler(nil)
	var n int64
	var mu sync.Mutex
	req := httptest.NewRequest(http.MethodPost, "/weiban/events", &countingReader{r: endless{}, n: &n, mu: &mu})
	req.ContentLength = -1
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || n > weiban.MaxEventBody+1 {
		t.Fatalf("status %d after reading %d bytes", rec.Code, n)
	}
}

// TestResponseBounded answers with an endless body: the client reads at most maxResponse
// bytes of it and fails; it neither hangs nor holds more.
func TestResponseBounded(t *testing.T) {
	api := &fakeAPI{body2: io.MultiReader(strings.NewReader(`{"errcode":0,"work_order":{"order_no":"1"}`), endless{})}
	p, _ := newFuzzProvider(t, api)
	if _, err := p.Get(context.Background(), weibantest.DocOrderNo); err == nil {
		t.Fatal("an endless answer was accepted")
	}
	if api.read > weiban.MaxResponse+int64(len(fuzzToken)) {
		t.Fatalf("read %d bytes, limit %d", api.read, weiban.MaxResponse)
	}
}
