package weiban_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

func TestTokenCachedAndRefreshedOnExpiredCode(t *testing.T) {
	ctx := context.Background()
	p, f, _ := newFakeProvider(t)
	for range 3 {
		if _, err := p.Get(ctx, weibantest.DocOrderNo); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.TokensIssued(); n != 1 {
		t.Fatalf("tokens issued = %d, want 1 (cached)", n)
	}
	tokCall := callsTo(f, weiban.TokenPath)[0]
	if tokCall.Method != http.MethodPost || tokCall.Body["corp_id"] != "corp-1" || tokCall.Body["secret"] != testSecret {
		t.Errorf("token request = %+v", tokCall)
	}

	// The vendor expires the token: the call answers 10001, the token is refreshed once and
	// the call succeeds.
	f.ExpireTokens()
	before := len(f.Calls())
	if _, err := p.Get(ctx, weibantest.DocOrderNo); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	var seq []string
	for _, c := range f.Calls()[before:] {
		seq = append(seq, c.Path+" "+strconv.Itoa(c.Errcode))
	}
	want := []string{weiban.PathDetail + " 10001", weiban.TokenPath + " 0", weiban.PathDetail + " 0"}
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

	p, f, _ := newFakeProvider(t, weiban.WithClock(clock))
	f.SetClock(clock)
	f.SetTokenTTL(100 * time.Second)
	if _, err := p.Get(ctx, weibantest.DocOrderNo); err != nil {
		t.Fatal(err)
	}
	advance(70 * time.Second) // within 4/5 of the TTL: still cached
	_, _ = p.Get(ctx, weibantest.DocOrderNo)
	if n := f.TokensIssued(); n != 1 {
		t.Errorf("tokens at 70 s = %d, want 1", n)
	}
	advance(15 * time.Second) // past 4/5: renewed before Weiban would refuse it
	_, _ = p.Get(ctx, weibantest.DocOrderNo)
	if n := f.TokensIssued(); n != 2 {
		t.Errorf("tokens at 85 s = %d, want 2", n)
	}
	for _, c := range f.Calls() {
		if c.Errcode == weiban.CodeBadToken {
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
				if _, err := p.Get(ctx, weibantest.DocOrderNo); err != nil {
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

func TestRateLimitBacksOffThenSucceeds(t *testing.T) {
	ctx := context.Background()
	p, f, rec := newFakeProvider(t)
	if _, err := p.Get(ctx, weibantest.DocOrderNo); err != nil { // warm the token
		t.Fatal(err)
	}
	f.RateLimitNext(3)
	if _, err := p.Get(ctx, weibantest.DocOrderNo); err != nil {
		t.Fatalf("rate-limited read failed: %v", err)
	}
	want := []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond}
	if got := rec.Waits(); !equalDurations(got, want) {
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
	f.RateLimitNext(weiban.RateRetries + 1)
	_, err = p.Get(ctx, weibantest.DocOrderNo)
	var ve *providers.VendorError
	if !errors.As(err, &ve) || ve.Code != "10052" || !ve.Temporary {
		t.Errorf("exhausted = %v", err)
	}
}

func TestFrequencyLimitWaitsOutPenalty(t *testing.T) {
	ctx := context.Background()
	p, f, rec := newFakeProvider(t)
	if _, err := p.Get(ctx, weibantest.DocOrderNo); err != nil {
		t.Fatal(err)
	}
	f.FailNext(1, weiban.CodeTooFrequent, "接口调用频率超出限制")
	if _, err := p.Get(ctx, weibantest.DocOrderNo); err != nil {
		t.Fatal(err)
	}
	var long bool
	for _, d := range rec.Waits() {
		if d > 55*time.Second && d <= weiban.Penalty {
			long = true
		}
	}
	if !long {
		t.Errorf("no wait of the 60 s penalty after 10053: %v", rec.Waits())
	}
}

func TestBackoffCtxAware(t *testing.T) {
	f := weibantest.New("corp-1", testSecret)
	defer f.Close()
	p, err := weiban.New(f.Config()) // real sleep
	if err != nil {
		t.Fatal(err)
	}
	f.RateLimitNext(100)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = p.Get(ctx, weibantest.DocOrderNo)
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
			if _, err := p.Get(ctx, weibantest.DocOrderNo); err != nil {
				failed.Add(1)
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if m := f.MaxInFlight(); m > weiban.MaxInFlight || m < 2 {
		t.Errorf("max in flight = %d, want 2..5", m)
	}
	for _, c := range f.Calls() {
		if c.Errcode == weiban.CodeTooConcurrent {
			t.Error("the fake refused a call for concurrency: the limiter let a sixth through")
			break
		}
	}
	if failed.Load() != 0 {
		t.Errorf("%d calls failed", failed.Load())
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
