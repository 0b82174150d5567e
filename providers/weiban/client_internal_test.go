package weiban

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

func TestTokenSourceDirect(t *testing.T) {
	var fetches atomic.Int32
	release := make(chan struct{})
	s := &tokenSource{now: time.Now, fetch: func(ctx context.Context) (string, time.Duration, error) {
		fetches.Add(1)
		<-release
		return "tok", time.Hour, nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 10)
	for i := range 10 {
		go func() {
			c := context.Background()
			if i == 0 {
				c = ctx
			}
			_, err := s.get(c)
			errs <- err
		}()
	}
	time.Sleep(20 * time.Millisecond)
	cancel() // the caller that started the refresh gives up; the others still get the token
	close(release)
	var canceled int
	for range 10 {
		if err := <-errs; errors.Is(err, context.Canceled) {
			canceled++
		} else if err != nil {
			t.Error(err)
		}
	}
	if fetches.Load() != 1 || canceled > 1 {
		t.Errorf("fetches = %d, canceled = %d", fetches.Load(), canceled)
	}
	s.invalidate("other") // not the current token: kept
	if tok, _ := s.get(context.Background()); tok != "tok" || fetches.Load() != 1 {
		t.Errorf("token dropped by a stale invalidate")
	}
}

func TestLimiterWindow(t *testing.T) {
	rec := &sleepRecorder{}
	now := time.Unix(1700000000, 0)
	l := newLimiter(func() time.Time { return now }, rec.sleep)
	for range maxPerWindow {
		rel, err := l.acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		rel()
	}
	if w := rec.waits(); len(w) != 0 {
		t.Fatalf("waited within the budget: %v", w)
	}
	rel, _ := l.acquire(context.Background())
	rel()
	if w := rec.waits(); len(w) != 1 || w[0] != time.Minute {
		t.Errorf("601st call waited %v, want 1m", w)
	}
	l.penalize()
	rel, _ = l.acquire(context.Background())
	rel()
	if w := rec.waits(); len(w) != 2 || w[1] != time.Minute {
		t.Errorf("after a penalty waited %v", w)
	}

	// A full set of slots makes the next caller wait, until its context ends.
	for range maxInFlight {
		if _, err := l.acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := l.acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("sixth acquire = %v", err)
	}
}

func TestHTTPFailures(t *testing.T) {
	ctx := context.Background()
	var calls atomic.Int32
	var status atomic.Int32
	status.Store(http.StatusBadGateway)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == tokenPath {
			_, _ = w.Write([]byte(`{"errcode":0,"errmsg":"ok","access_token":"TOKEN-XYZ","expires_in":7200}`))
			return
		}
		calls.Add(1)
		if s := int(status.Load()); s != 200 {
			http.Error(w, "upstream", s)
			return
		}
		_, _ = w.Write([]byte(`<html>not json</html>`))
	}))
	defer srv.Close()
	cfg := Config{BaseURL: srv.URL, CorpID: "c", Secret: "s", StaffID: "bot"}
	rec := &sleepRecorder{}
	p, err := New(cfg, WithSleep(rec.sleep))
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Get(ctx, "1")
	var ve *providers.VendorError
	if !errors.As(err, &ve) || ve.Code != "HTTP 502" || !ve.Temporary {
		t.Errorf("502 = %v", err)
	}
	if n := calls.Load(); n != 1+readRetries {
		t.Errorf("read attempts = %d, want %d", n, 1+readRetries)
	}
	calls.Store(0)
	err = p.Reply(ctx, "1", providers.Reply{Text: "x"})
	if n := calls.Load(); n != 1 || !errors.As(err, &ve) {
		t.Errorf("write after 502 sent %d times (%v); writes are never retried on failure", n, err)
	}
	status.Store(200)
	if _, err := p.Get(ctx, "1"); err == nil || !strings.Contains(err.Error(), "not JSON") {
		t.Errorf("html answer = %v", err)
	}
}
