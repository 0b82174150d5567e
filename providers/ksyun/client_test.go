package ksyun

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/span"

	"github.com/ticketbot/ticketbot/providers"
)

// The expected digests were computed outside Go, e.g.
// printf 'appA1700000000sec' | md5sum
// printf 'appA1700000000' | openssl dgst -sha256 -hmac sec
func TestSign(t *testing.T) {
	at := time.Unix(1700000000, 0)
	tests := []struct {
		name               string
		algo, tmpl, c, u   string
		wantTS, wantDigest string
	}{
		{"default md5", "md5", DefaultSignTemplate, "lower", "s", "1700000000", "20daed76cddee08fcb4d7d2ee099d18d"},
		{"md5 upper", "md5", DefaultSignTemplate, "upper", "s", "1700000000", "20DAED76CDDEE08FCB4D7D2EE099D18D"},
		{"sha1", "sha1", DefaultSignTemplate, "lower", "s", "1700000000", "dbb746fff8a3936405b7ece3c38fc5ca8dc63fb1"},
		{"sha256", "sha256", DefaultSignTemplate, "lower", "s", "1700000000", "a9b2ca100deeff329ab4a1e56ffcf38b2a6c3b9ecaab6bb020dd3e2103bf9b1c"},
		{"hmac-sha256 leaves the secret out of the message", "hmac-sha256", DefaultSignTemplate, "lower", "s", "1700000000", "bc3d1e28112a54037d643bccceb2c96dfd9ff5c116ea6a9bfba17e01a6437dab"},
		{"other template, milliseconds", "md5", "{app_secret}{timestamp}", "lower", "ms", "1700000000000", "9cd0a016d3fa923368de75ef9b92fb1e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := signer{algo: tt.algo, template: tt.tmpl, letterCase: tt.c, unit: tt.u}
			ts := s.timestamp(at)
			if ts != tt.wantTS {
				t.Fatalf("timestamp = %q, want %q", ts, tt.wantTS)
			}
			if got := s.sign("appA", "sec", ts); got != tt.wantDigest {
				t.Errorf("sign = %s, want %s", got, tt.wantDigest)
			}
		})
	}
}

// stubSpec is what a stub answers.
type stubSpec struct {
	status int
	body   string
	delay  time.Duration
}

// stub serves fixed answers per endpoint and records the last request's headers.
type stub struct {
	status int
	body   string
	delay  time.Duration

	mu     sync.Mutex
	header http.Header
}

func (s *stub) lastHeader() http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.header
}

func (s *stub) server(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.header = r.Header.Clone()
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

func cmpStatus(s int) int {
	if s == 0 {
		return http.StatusOK
	}
	return s
}

func stubProvider(t *testing.T, srv *httptest.Server, change func(*Config)) *Provider {
	t.Helper()
	c := validConfig()
	c.BaseURL = srv.URL
	if change != nil {
		change(&c)
	}
	p, err := New(c, WithClock(func() time.Time { return time.Unix(1700000000, 0) }))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestClientHeaders(t *testing.T) {
	s := &stub{body: `{"errno":10000,"errmsg":"OK","data":{"id":7,"status":1}}`}
	p := stubProvider(t, s.server(t), func(c *Config) { c.SignCase = "upper" })
	if _, err := p.Base(context.Background(), "7"); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"AppId": "appA", "Timestamp": "1700000000", "Sign": "20DAED76CDDEE08FCB4D7D2EE099D18D"}
	for k, v := range want {
		if got := s.lastHeader().Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
}

func TestClientErrors(t *testing.T) {
	tests := []struct {
		name          string
		stub          stubSpec
		successCodes  []int
		wantCode      string
		wantMessage   string
		wantRequestID string
		wantTemporary bool
		wantPlain     bool // a non-vendor error
	}{
		{name: "vendor errno", stub: stubSpec{body: `{"errno":23000,"errmsg":"工单状态不允许关闭","request_id":"r1"}`},
			wantCode: "23000", wantMessage: "工单状态不允许关闭", wantRequestID: "r1"},
		{name: "errno 0 is not success by default", stub: stubSpec{body: `{"errno":0,"errmsg":"","data":{"id":5,"status":1}}`},
			wantCode: "0"},
		{name: "errno 0 with success_codes [0]", stub: stubSpec{body: `{"errno":0,"errmsg":"","data":{"id":5,"status":1}}`},
			successCodes: []int{10000, 0}},
		{name: "HTTP 502", stub: stubSpec{status: 502, body: "<html>bad gateway</html>"},
			wantCode: "HTTP 502", wantMessage: "Bad Gateway", wantTemporary: true},
		{name: "HTTP 503 with envelope", stub: stubSpec{status: 503, body: `{"errno":50300,"errmsg":"busy","request_id":"r2"}`},
			wantCode: "HTTP 503", wantMessage: "busy", wantRequestID: "r2", wantTemporary: true},
		{name: "HTTP 429", stub: stubSpec{status: 429}, wantCode: "HTTP 429", wantMessage: "Too Many Requests", wantTemporary: true},
		{name: "HTTP 403 is not temporary", stub: stubSpec{status: 403}, wantCode: "HTTP 403", wantMessage: "Forbidden"},
		{name: "timeout", stub: stubSpec{delay: time.Second, body: `{"errno":10000}`}, wantCode: "timeout", wantTemporary: true},
		{name: "not JSON", stub: stubSpec{body: "hello"}, wantPlain: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &stub{status: tt.stub.status, body: tt.stub.body, delay: tt.stub.delay}
			p := stubProvider(t, s.server(t), func(c *Config) {
				c.SuccessCodes = tt.successCodes
				c.Timeout = span.Of(50 * time.Millisecond)
			})
			_, err := p.Base(context.Background(), "5")
			if tt.wantCode == "" && !tt.wantPlain {
				if err != nil {
					t.Fatalf("Base: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Base succeeded, want an error")
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
			if ve.Provider != "ksyun" || ve.Op != "base" || ve.Code != tt.wantCode || ve.Temporary != tt.wantTemporary ||
				ve.RequestID != tt.wantRequestID || (tt.wantMessage != "" && ve.Message != tt.wantMessage) {
				t.Errorf("VendorError = %+v, want code %q message %q request %q temporary %v",
					*ve, tt.wantCode, tt.wantMessage, tt.wantRequestID, tt.wantTemporary)
			}
			if errors.Is(err, providers.ErrNotFound) {
				t.Errorf("%v must not read as not found", err)
			}
			if !strings.HasPrefix(err.Error(), "ksyun: get ticket 5: ") {
				t.Errorf("error %q is not wrapped with the operation", err)
			}
		})
	}
}

func TestClientCallerCancel(t *testing.T) {
	s := &stub{delay: time.Second, body: `{"errno":10000}`}
	p := stubProvider(t, s.server(t), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.Get(ctx, "1")
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
	url := srv.URL
	srv.Close() // nothing listens there any more
	c := validConfig()
	c.BaseURL = url
	p, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Get(context.Background(), "1")
	var ve *providers.VendorError
	if !errors.As(err, &ve) || !ve.Temporary || ve.Code != "network" {
		t.Fatalf("err = %v, want a temporary network VendorError", err)
	}
	if strings.Contains(err.Error(), url) {
		t.Errorf("error %q repeats the URL", err)
	}
}
