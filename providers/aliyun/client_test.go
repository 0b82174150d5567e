package aliyun

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/span"

	"github.com/ticketbot/ticketbot/providers"
)

// stub answers every request with a fixed status and body and records the requests.
type stub struct {
	status int
	body   string
	delay  time.Duration

	mu   sync.Mutex
	reqs []stubReq
}

type stubReq struct {
	method, path, rawQuery, contentType, body string
}

func (s *stub) server(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, stubReq{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), string(b)})
		s.mu.Unlock()
		if s.delay > 0 {
			select {
			case <-time.After(s.delay):
			case <-r.Context().Done():
				return
			}
		}
		w.WriteHeader(cmpStatus(s.status))
		_, _ = w.Write([]byte(s.body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func (s *stub) requests() []stubReq {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]stubReq(nil), s.reqs...)
}

func cmpStatus(s int) int {
	if s == 0 {
		return http.StatusOK
	}
	return s
}

func stubProvider(t *testing.T, s *stub, change func(*Config)) *Provider {
	t.Helper()
	c := validConfig()
	c.BaseURL = s.server(t).URL
	if change != nil {
		change(&c)
	}
	// A clock in Shanghai: the Timestamp must still be UTC.
	clock := func() time.Time { return fixedNow.In(shanghai) }
	p, err := New(c, WithClock(clock), WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestCommonParameters(t *testing.T) {
	s := &stub{body: `{"success":true,"code":"200","message":"successful"}`}
	p := stubProvider(t, s, func(c *Config) { c.RegionID = "cn-hangzhou" })
	if err := p.Reply(context.Background(), "00001FK", providers.Reply{Text: "a b*~+&="}); err != nil {
		t.Fatal(err)
	}
	reqs := s.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if r.method != http.MethodPost || r.path != "/" || r.rawQuery != "" || !strings.HasPrefix(r.contentType, "application/x-www-form-urlencoded") {
		t.Errorf("request = %s %s?%s %s: every parameter belongs in the form body", r.method, r.path, r.rawQuery, r.contentType)
	}
	// The body is the signed canonical query: %20 for space, %2A for *, ~ kept.
	if !strings.Contains(r.body, "QuestionContent=a%20b%2A~%2B%26%3D") {
		t.Errorf("body %s does not use Aliyun's encoding", r.body)
	}
	q, err := url.ParseQuery(r.body)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Action": "QuestionReply", "Version": "2016-08-30", "Format": "JSON", "AccessKeyId": "testid",
		"SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "Timestamp": "2024-01-01T08:00:00Z",
		"RegionId": "cn-hangzhou", "QuestionId": "00001FK", "QuestionContent": "a b*~+&=",
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if !uuidV4.MatchString(q.Get("SignatureNonce")) {
		t.Errorf("SignatureNonce = %q, want a UUID", q.Get("SignatureNonce"))
	}
	flat := map[string]string{}
	for k := range q {
		flat[k] = q.Get(k)
	}
	if _, sig := signRequest("POST", "testsecret", flat); sig != q.Get("Signature") {
		t.Errorf("Signature %s does not verify (want %s)", q.Get("Signature"), sig)
	}
}

func TestNonceIsFresh(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		n := newNonce()
		if seen[n] || !uuidV4.MatchString(n) {
			t.Fatalf("nonce %q repeated or malformed", n)
		}
		seen[n] = true
	}
}

func TestClientErrors(t *testing.T) {
	tests := []struct {
		name          string
		status        int
		body          string
		wantCode      string
		wantMessage   string
		wantRequestID string
		wantTemporary bool
		wantPlain     bool // a non-vendor error
		wantCalls     int  // a read: 3 when temporary
	}{
		{name: "2016 ILLEGAL_AUTH", body: `{"success":false,"code":-121,"message":"ILLEGAL_AUTH"}`,
			wantCode: "-121", wantMessage: "ILLEGAL_AUTH", wantCalls: 1},
		{name: "2016 ILLEGAL_PARAM as a string success", body: `{"success":"false","code":"-101","message":"ILLEGAL_PARAM"}`,
			wantCode: "-101", wantMessage: "ILLEGAL_PARAM", wantCalls: 1},
		{name: "2016 ILLEGAL_PARAM_EMPTY", body: `{"Success":false,"Code":"-104","Message":"ILLEGAL_PARAM_EMPTY","RequestId":"r0"}`,
			wantCode: "-104", wantMessage: "ILLEGAL_PARAM_EMPTY", wantRequestID: "r0", wantCalls: 1},
		{name: "2016 SYSTEM_BUSY is retried", body: `{"success":false,"code":-153,"message":"SYSTEM_BUSY"}`,
			wantCode: "-153", wantMessage: "SYSTEM_BUSY", wantTemporary: true, wantCalls: 3},
		{name: "2021 illegal.param", status: 400, body: `{"RequestId":"r1","Success":false,"Code":"illegal.param","Message":"入参解析失败"}`,
			wantCode: "illegal.param", wantMessage: "入参解析失败", wantRequestID: "r1", wantCalls: 1},
		{name: "2021 illegal.auth", status: 401, body: `{"RequestId":"r2","Success":false,"Code":"illegal.auth","Message":"no permission"}`,
			wantCode: "illegal.auth", wantMessage: "no permission", wantRequestID: "r2", wantCalls: 1},
		{name: "2021 System.error", status: 500, body: `{"RequestId":"r3","Success":false,"Code":"System.error","Message":"系统异常"}`,
			wantCode: "System.error", wantMessage: "系统异常", wantRequestID: "r3", wantTemporary: true, wantCalls: 3},
		{name: "gateway signature", status: 400, body: `{"RequestId":"r4","HostId":"workorder.aliyuncs.com","Code":"SignatureDoesNotMatch","Message":"Specified signature is not matched with our calculation."}`,
			wantCode: "SignatureDoesNotMatch", wantMessage: "Specified signature is not matched with our calculation.", wantRequestID: "r4", wantCalls: 1},
		{name: "throttling", status: 400, body: `{"Code":"Throttling.User","Message":"Request was denied due to user flow control."}`,
			wantCode: "Throttling.User", wantMessage: "Request was denied due to user flow control.", wantTemporary: true, wantCalls: 3},
		{name: "HTTP 502 without JSON", status: 502, body: "<html>bad gateway</html>",
			wantCode: "HTTP 502", wantMessage: "Bad Gateway", wantTemporary: true, wantCalls: 3},
		{name: "HTTP 429", status: 429, wantCode: "HTTP 429", wantMessage: "Too Many Requests", wantTemporary: true, wantCalls: 3},
		{name: "HTTP 403", status: 403, wantCode: "HTTP 403", wantMessage: "Forbidden", wantCalls: 1},
		{name: "no success field but a code", body: `{"Code":"Forbidden.RAM","Message":"no"}`, wantCode: "Forbidden.RAM", wantMessage: "no", wantCalls: 1},
		{name: "no success field at all", body: `{"data":[]}`, wantPlain: true, wantCalls: 1},
		{name: "not JSON", body: "hello", wantPlain: true, wantCalls: 1},
		{name: "success with code 0 and an odd message", body: `{"Success":true,"Code":0,"Message":"入参解析失败","ListResult":{"QuestionDetail":[{"Id":"00001FK"}]}}`, wantCalls: 1},
		{name: "success as a string", body: `{"success":"true","code":200,"data":[{"id":"00001FK"}]}`, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &stub{status: tt.status, body: tt.body}
			p := stubProvider(t, s, nil)
			_, _, err := p.List(context.Background(), ListRequest{})
			if n := len(s.requests()); n != tt.wantCalls {
				t.Errorf("%d calls, want %d", n, tt.wantCalls)
			}
			if tt.wantCode == "" && !tt.wantPlain {
				if err != nil {
					t.Fatalf("List: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("List succeeded, want an error")
			}
			var ve *providers.VendorError
			if tt.wantPlain {
				if errors.As(err, &ve) {
					t.Fatalf("got VendorError %v, want a plain error", ve)
				}
				return
			}
			if !errors.As(err, &ve) {
				t.Fatalf("error %v is not a VendorError", err)
			}
			if ve.Provider != "aliyun" || ve.Op != "QuestionList" || ve.Code != tt.wantCode || ve.Message != tt.wantMessage ||
				ve.RequestID != tt.wantRequestID || ve.Temporary != tt.wantTemporary {
				t.Errorf("VendorError = %+v, want code %q message %q request %q temporary %v",
					*ve, tt.wantCode, tt.wantMessage, tt.wantRequestID, tt.wantTemporary)
			}
			if !strings.HasPrefix(err.Error(), "aliyun: list tickets: ") {
				t.Errorf("error %q is not wrapped with the operation", err)
			}
		})
	}
}

func TestClientTimeout(t *testing.T) {
	s := &stub{delay: time.Second, body: `{"success":true}`}
	p := stubProvider(t, s, func(c *Config) { c.Timeout = span.Of(50 * time.Millisecond) })
	_, err := p.Notes(context.Background(), "00001FK")
	var ve *providers.VendorError
	if !errors.As(err, &ve) || ve.Code != "timeout" || !ve.Temporary {
		t.Fatalf("err = %v, want a temporary timeout", err)
	}
	if n := len(s.requests()); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
}

func TestClientCallerCancel(t *testing.T) {
	s := &stub{delay: time.Second, body: `{"success":true}`}
	p := stubProvider(t, s, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.Get(ctx, "00001FK")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	var ve *providers.VendorError
	if errors.As(err, &ve) {
		t.Errorf("a caller's cancellation is not a vendor error: %v", err)
	}
}

func TestClientNetworkError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close() // nothing listens there any more
	c := validConfig()
	c.BaseURL = u
	p, err := New(c, WithSleep(func(context.Context, time.Duration) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Get(context.Background(), "00001FK")
	var ve *providers.VendorError
	if !errors.As(err, &ve) || !ve.Temporary || ve.Code != "network" {
		t.Fatalf("err = %v, want a temporary network VendorError", err)
	}
	if strings.Contains(err.Error(), u) {
		t.Errorf("error %q repeats the URL", err)
	}
}

func TestScrub(t *testing.T) {
	c := &client{secret: "ak-secret", keyID: "LTAI5tFakeKeyId", aliUID: "1234567890123456"}
	secret := "密码 a&b*c~"
	r := rpc{sensitive: []string{secret}}
	for _, in := range []string{
		"echo " + secret,
		"echo " + percentEncode(secret),
		"echo " + percentEncode(percentEncode(secret)),
		"echo " + url.QueryEscape(secret),
		"key ak-secret",
		"Specified access key LTAI5tFakeKeyId is disabled",
		"aliUid 1234567890123456 does not belong to the AccessKey",
		"aliUid%3D1234567890123456%26",
	} {
		got := c.scrub(in, r)
		for _, leak := range []string{"a&b", "ak-secret", "%E5%AF%86", "LTAI5tFakeKeyId", "1234567890123456"} {
			if strings.Contains(got, leak) || !strings.Contains(got, "<redacted>") {
				t.Errorf("scrub(%q) = %q", in, got)
			}
		}
	}
	// The echoed string to sign is cut as a whole, whether or not the call carried secrets: it
	// repeats the key id, the aliUid and every parameter.
	for _, r := range []rpc{r, {}} {
		for in, want := range map[string]string{
			"Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3Dx": "Specified signature is not matched with our calculation. server string to sign: <omitted>",
			"The request signature does not match. StringToSign: ACS3-HMAC-SHA256\nabc":                                  "The request signature does not match. StringToSign: <omitted>",
			"Bad signature. The Canonical Request is: POST\n/":                                                           "Bad signature. The Canonical Request: <omitted>",
			"ILLEGAL_PARAM: 工单不存在":                                                                                       "ILLEGAL_PARAM: 工单不存在",
		} {
			if got := c.scrub(in, r); got != want {
				t.Errorf("scrub(%q) = %q, want %q", in, got, want)
			}
		}
	}
}
