package weiban

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

func TestTokenCachedAndRefreshedOnExpiredCode(t *testing.T) {
	ctx := context.Background()
	p, f, _ := newFakeProvider(t)
	for range 3 {
		if _, err := p.Get(ctx, DocOrderNo); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.TokensIssued(); n != 1 {
		t.Fatalf("tokens issued = %d, want 1 (cached)", n)
	}
	tokCall := callsTo(f, tokenPath)[0]
	if tokCall.Method != http.MethodPost || tokCall.Body["corp_id"] != "corp-1" || tokCall.Body["secret"] != testSecret {
		t.Errorf("token request = %+v", tokCall)
	}

	// The vendor expires the token: the call answers 10001, the token is refreshed once and
	// the call succeeds.
	f.ExpireTokens()
	before := len(f.Calls())
	if _, err := p.Get(ctx, DocOrderNo); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	var seq []string
	for _, c := range f.Calls()[before:] {
		seq = append(seq, c.Path+" "+strconv.Itoa(c.Errcode))
	}
	want := []string{pathDetail + " 10001", tokenPath + " 0", pathDetail + " 0"}
	if strings.Join(seq, ",") != strings.Join(want, ",") {
		t.Errorf("calls = %v, want %v", seq, want)
	}
	if n := f.TokensIssued(); n != 2 {
		t.Errorf("tokens issued = %d, want 2", n)
	}
}

func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Unix(1700000000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	p, f, _ := newFakeProvider(t, WithClock(clock))
	f.SetClock(clock)
	f.SetTokenTTL(100 * time.Second)
	if _, err := p.Get(ctx, DocOrderNo); err != nil {
		t.Fatal(err)
	}
	advance(70 * time.Second) // within 4/5 of the TTL: still cached
	_, _ = p.Get(ctx, DocOrderNo)
	if n := f.TokensIssued(); n != 1 {
		t.Errorf("tokens at 70 s = %d, want 1", n)
	}
	advance(15 * time.Second) // past 4/5: renewed before Weiban would refuse it
	_, _ = p.Get(ctx, DocOrderNo)
	if n := f.TokensIssued(); n != 2 {
		t.Errorf("tokens at 85 s = %d, want 2", n)
	}
	for _, c := range f.Calls() {
		if c.Errcode == codeBadToken {
			t.Errorf("a call was refused for its token: %+v", c.Path)
		}
	}
}

func TestConcurrentCallersShareOneRefresh(t *testing.T) {
	ctx := context.Background()
	p, f, _ := newFakeProvider(t)
	f.SetLatency(5 * time.Millisecond)
	run := func() {
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				if _, err := p.Get(ctx, DocOrderNo); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	run()
	if n := f.TokensIssued(); n != 1 {
		t.Errorf("20 cold callers issued %d tokens, want 1", n)
	}
	f.ExpireTokens()
	run()
	if n := f.TokensIssued(); n != 2 {
		t.Errorf("20 callers after expiry issued %d tokens, want 2 in all", n)
	}
}

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

func TestRateLimitBacksOffThenSucceeds(t *testing.T) {
	ctx := context.Background()
	p, f, rec := newFakeProvider(t)
	if _, err := p.Get(ctx, DocOrderNo); err != nil { // warm the token
		t.Fatal(err)
	}
	f.RateLimitNext(3)
	if _, err := p.Get(ctx, DocOrderNo); err != nil {
		t.Fatalf("rate-limited read failed: %v", err)
	}
	want := []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond}
	if got := rec.waits(); !equalDurations(got, want) {
		t.Errorf("waits = %v, want %v", got, want)
	}

	// A write refused for the limits is retried too: Weiban processed nothing.
	f.RateLimitNext(1)
	tk, err := p.Create(ctx, providers.CreateRequest{Title: "限流下创建"})
	if err != nil {
		t.Fatal(err)
	}
	created := 0
	for _, o := range f.Orders() {
		if o.Title == "限流下创建" {
			created++
		}
	}
	if created != 1 || tk.ID == "" {
		t.Errorf("orders created = %d", created)
	}

	// Beyond the retries the refusal is returned, temporary.
	f.RateLimitNext(rateRetries + 1)
	_, err = p.Get(ctx, DocOrderNo)
	var ve *providers.VendorError
	if !errors.As(err, &ve) || ve.Code != "10052" || !ve.Temporary {
		t.Errorf("exhausted = %v", err)
	}
}

func TestFrequencyLimitWaitsOutPenalty(t *testing.T) {
	ctx := context.Background()
	p, f, rec := newFakeProvider(t)
	if _, err := p.Get(ctx, DocOrderNo); err != nil {
		t.Fatal(err)
	}
	f.FailNext(1, codeTooFrequent, "接口调用频率超出限制")
	if _, err := p.Get(ctx, DocOrderNo); err != nil {
		t.Fatal(err)
	}
	var long bool
	for _, d := range rec.waits() {
		if d > 55*time.Second && d <= penalty {
			long = true
		}
	}
	if !long {
		t.Errorf("no wait of the 60 s penalty after 10053: %v", rec.waits())
	}
}

func TestBackoffCtxAware(t *testing.T) {
	f := NewFake("corp-1", testSecret)
	defer f.Close()
	p, err := New(f.Config()) // real sleep
	if err != nil {
		t.Fatal(err)
	}
	f.RateLimitNext(100)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = p.Get(ctx, DocOrderNo)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("err = %v after %v", err, time.Since(start))
	}
}

func TestAtMostFiveInFlight(t *testing.T) {
	ctx := context.Background()
	p, f, _ := newFakeProvider(t)
	f.SetLatency(10 * time.Millisecond)
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 50 {
		wg.Go(func() {
			if _, err := p.Get(ctx, DocOrderNo); err != nil {
				failed.Add(1)
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if m := f.MaxInFlight(); m > maxInFlight || m < 2 {
		t.Errorf("max in flight = %d, want 2..5", m)
	}
	for _, c := range f.Calls() {
		if c.Errcode == codeTooConcurrent {
			t.Error("the fake refused a call for concurrency: the limiter let a sixth through")
			break
		}
	}
	if failed.Load() != 0 {
		t.Errorf("%d calls failed", failed.Load())
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

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
