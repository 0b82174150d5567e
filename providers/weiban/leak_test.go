package weiban_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/span"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

// safeBuffer is a bytes.Buffer for a logger shared by goroutines.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// captureLogs returns a debug-level logger writing JSON and text lines into one buffer.
func captureLogs() (*slog.Logger, *safeBuffer) {
	buf := &safeBuffer{}
	opts := &slog.HandlerOptions{Level: slog.LevelDebug}
	return slog.New(fanout{slog.NewJSONHandler(buf, opts), slog.NewTextHandler(buf, opts)}), buf
}

type fanout []slog.Handler

func (f fanout) Enabled(ctx context.Context, l slog.Level) bool { return f[0].Enabled(ctx, l) }
func (f fanout) Handle(ctx context.Context, r slog.Record) error {
	for _, h := range f {
		if err := h.Handle(ctx, r.Clone()); err != nil {
			return err
		}
	}
	return nil
}
func (f fanout) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithAttrs(as)
	}
	return out
}
func (f fanout) WithGroup(name string) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithGroup(name)
	}
	return out
}

const canary = "LEAK-CANARY-7731"

// TestNoSecretOrTokenLeaks drives the success and failure paths with a recognisable secret and
// checks that no error text, log line or config rendering carries the secret, an access
// token, the event token or the AES key.
func TestNoSecretOrTokenLeaks(t *testing.T) {
	ctx := context.Background()
	logger, logs := captureLogs()
	var texts []string
	collect := func(what string, err error) {
		if err == nil {
			t.Errorf("%s: want an error", what)
			return
		}
		texts = append(texts, fmt.Sprintf("%s: %v | %+v | %#v", what, err, err, err))
	}

	f := weibantest.New("corp-1", canary)
	defer f.Close()
	p, err := weiban.New(f.Config(), weiban.WithLogger(logger), weiban.WithSleep((&weiban.SleepRecorder{}).Sleep))
	if err != nil {
		t.Fatal(err)
	}
	h, _, target := eventServer(t, p)
	tk, err := p.Create(ctx, providers.CreateRequest{Title: "t"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Get(ctx, "404")
	collect("not found", err)
	f.ExpireTokens()
	_, _ = p.Get(ctx, tk.ID)
	f.RateLimitNext(weiban.RateRetries + 1)
	_, err = p.Get(ctx, tk.ID)
	collect("rate limited", err)
	f.FailNext(1, 22305, "无权限 "+canary) // the vendor echoing the secret back
	collect("vendor echo", p.Reply(ctx, tk.ID, providers.Reply{Text: "x"}))
	_ = p.Close(ctx, tk.ID, providers.CloseRequest{})
	collect("closed", p.Close(ctx, tk.ID, providers.CloseRequest{}))
	_, _ = f.PushChange(ctx, target, tk.ID, "close")
	_, _ = f.ResendLast(ctx, target)
	_, _ = weibantest.PostEvent(ctx, target, signed(f, "zzz"), []byte(`{"encrypt":"zzz"}`))
	h.Wait()

	// The fake knows another secret: the token request is refused.
	bad := weibantest.New("corp-1", "the-fakes-own-secret")
	defer bad.Close()
	cfg := bad.Config()
	cfg.Secret = canary
	bp, _ := weiban.New(cfg, weiban.WithLogger(logger))
	_, err = bp.Get(ctx, weibantest.DocOrderNo)
	collect("bad secret", err)

	// A server that answers the token, then hangs or fails: transport errors must not repeat
	// the URL, which carries the token.
	for _, hang := range []bool{true, false} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == weiban.TokenPath {
				_, _ = w.Write([]byte(`{"errcode":0,"errmsg":"ok","access_token":"TOKEN-CANARY-42","expires_in":7200}`))
				return
			}
			if hang {
				<-r.Context().Done()
				return
			}
			hj, _ := w.(http.Hijacker)
			c, _, _ := hj.Hijack()
			_ = c.Close()
		}))
		c := weiban.Config{BaseURL: srv.URL, CorpID: "c", Secret: canary, StaffID: "bot", Timeout: span.Of(50 * time.Millisecond)}
		sp, _ := weiban.New(c, weiban.WithLogger(logger), weiban.WithSleep((&weiban.SleepRecorder{}).Sleep))
		_, err = sp.Get(ctx, "1")
		collect("transport", err)
		var ve *providers.VendorError
		if !errors.As(err, &ve) || !ve.Temporary {
			t.Errorf("transport error %v is not a temporary VendorError", err)
		}
		srv.Close()
	}

	// Configuration errors and renderings.
	bc := f.Config()
	bc.Secret, bc.CorpID, bc.EventAESKey = canary, "", canary
	_, err = weiban.New(bc)
	collect("config", err)
	texts = append(texts, fmt.Sprintf("%v %+v %#v", bc, bc, bc))

	var tokens []string
	for _, c := range f.Calls() {
		if tok := c.Query.Get("access_token"); tok != "" {
			tokens = append(tokens, tok)
		}
		if c.Path != weiban.TokenPath && strings.Contains(fmt.Sprint(c.Query, c.Body), canary) {
			t.Errorf("the secret was sent to %s", c.Path)
		}
	}
	if len(tokens) == 0 {
		t.Fatal("no tokens seen")
	}
	all := strings.Join(texts, "\n") + "\n" + logs.String()
	needles := append([]string{canary, "TOKEN-CANARY-42", f.Config().EventToken.Reveal(), f.Config().EventAESKey.Reveal()}, tokens...)
	for _, n := range needles {
		if strings.Contains(all, n) {
			t.Errorf("leaked %q in:\n%s", n, all)
		}
	}
	if len(texts) < 8 || !strings.Contains(logs.String(), "weiban call") {
		t.Errorf("too little checked: %d texts, logs:\n%s", len(texts), logs.String())
	}
}
