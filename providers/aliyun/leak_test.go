package aliyun_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/aliyun/aliyuntest"
	"github.com/ticketbot/ticketbot/span"
)

const (
	keyCanary    = "LEAK-CANARY-AK-7731"
	secretCanary = "机密 SEC-CANARY 9f*~ p@ss"
)

// forms are the ways a value can appear in a text: raw and encoded as the wire encodes it.
func forms(v string) []string {
	return []string{v, aliyun.PercentEncode(v), aliyun.PercentEncode(aliyun.PercentEncode(v)), url.QueryEscape(v), "SEC-CANARY"}
}

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

// captureLogs returns a debug-level logger writing JSON and text to one buffer.
func captureLogs() (*slog.Logger, *safeBuffer) {
	buf := &safeBuffer{}
	opts := &slog.HandlerOptions{Level: slog.LevelDebug}
	return slog.New(fanout{slog.NewJSONHandler(buf, opts), slog.NewTextHandler(buf, opts)}), buf
}

// fanout sends each record to several handlers.
type fanout []slog.Handler

func (f fanout) Enabled(ctx context.Context, l slog.Level) bool { return f[0].Enabled(ctx, l) }
func (f fanout) Handle(ctx context.Context, r slog.Record) error {
	for _, h := range f {
		_ = h.Handle(ctx, r.Clone())
	}
	return nil
}
func (f fanout) WithAttrs(as []slog.Attr) slog.Handler {
	out := fanout{}
	for _, h := range f {
		out = append(out, h.WithAttrs(as))
	}
	return out
}
func (f fanout) WithGroup(g string) slog.Handler {
	out := fanout{}
	for _, h := range f {
		out = append(out, h.WithGroup(g))
	}
	return out
}

// TestNoAccessKeySecretInErrors drives every failure path with a recognisable AccessKey secret
// and checks that no error text, log line or config rendering carries it, and that it never
// travels on the wire.
func TestNoAccessKeySecretInErrors(t *testing.T) {
	ctx := context.Background()
	var texts []string
	collect := func(what string, err error) {
		if err == nil {
			t.Errorf("%s: want an error", what)
			return
		}
		texts = append(texts, fmt.Sprintf("%s: %v | %+v | %#v", what, err, err, err))
	}
	log, logs := captureLogs()

	for _, version := range []string{aliyun.Version2016, aliyun.Version2021} {
		// The fake knows another secret: every call is refused.
		f := aliyuntest.New("testid", "the-fakes-own-secret")
		cfg := f.Config()
		cfg.APIVersion, cfg.AccessKeySecret = version, keyCanary
		p, err := aliyun.New(cfg, aliyun.WithLogger(log), aliyun.WithSleep(func(context.Context, time.Duration) error { return nil }))
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Create(ctx, providers.CreateRequest{Title: "t"})
		collect("create", err)
		_, err = p.Get(ctx, "00001FK")
		collect("get", err)
		_, err = p.GetMany(ctx, []string{"00001FK"})
		collect("get many", err)
		_, err = p.Notes(ctx, "00001FK")
		collect("notes", err)
		collect("reply", p.Reply(ctx, "00001FK", providers.Reply{Text: "x"}))
		collect("close", p.Close(ctx, "00001FK", providers.CloseRequest{}))
		_, _, err = p.List(ctx, aliyun.ListRequest{})
		collect("list", err)
		_, err = p.Upload(ctx, "a.txt", strings.NewReader("a"))
		collect("upload", err)
		if version == aliyun.Version2021 {
			_, err = p.Products(ctx)
			collect("products", err)
		}
		for _, c := range f.Calls() {
			wire := fmt.Sprint(c.Method, c.Path, c.Params, c.Header)
			if strings.Contains(wire, keyCanary) {
				t.Errorf("the secret was sent on the wire: %s", wire)
			}
		}
		f.Close()
	}

	// Transport failures: 502, timeout, nobody listening.
	for _, h := range []http.HandlerFunc{
		func(w http.ResponseWriter, r *http.Request) { http.Error(w, "bad", http.StatusBadGateway) },
		func(w http.ResponseWriter, r *http.Request) {
			// The server notices a gone client only once the body is read.
			_, _ = io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
		},
	} {
		srv := httptest.NewServer(h)
		c := aliyun.ValidConfig()
		c.BaseURL, c.AccessKeySecret, c.Timeout = srv.URL, keyCanary, span.Of(50*time.Millisecond)
		p, err := aliyun.New(c, aliyun.WithLogger(log), aliyun.WithSleep(func(context.Context, time.Duration) error { return nil }))
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Get(ctx, "00001FK")
		collect("transport", err)
		srv.Close()
	}

	// Configuration errors and renderings.
	bad := aliyun.ValidConfig()
	bad.AccessKeySecret, bad.AccessKeyID, bad.APIVersion = keyCanary, "", "1999"
	_, err := aliyun.New(bad)
	collect("config", err)
	for _, e := range bad.Validate() {
		texts = append(texts, e.Error())
	}
	js, _ := json.Marshal(bad)
	texts = append(texts, fmt.Sprintf("%v %+v %#v %s %q", bad, bad, bad, bad.AccessKeySecret, bad.AccessKeySecret), string(js))
	texts = append(texts, logs.String())

	for _, s := range texts {
		if strings.Contains(s, keyCanary) {
			t.Errorf("secret leaked: %s", s)
		}
	}
	if len(texts) < 20 || !strings.Contains(logs.String(), "aliyun call") {
		t.Errorf("only %d texts checked; logs %q", len(texts), logs.String())
	}
}

// TestNoSecContentInErrorsOrLogs sends confidential content down every path that can fail and
// checks it never reaches an error or a log line, in any encoding, while it is sent as
// secContent (2016) or an encrypted reply (2021).
func TestNoSecContentInErrorsOrLogs(t *testing.T) {
	ctx := context.Background()
	log, logs := captureLogs()
	var texts []string
	collect := func(what string, err error) {
		if err != nil {
			texts = append(texts, fmt.Sprintf("%s: %v | %+v | %#v", what, err, err, err))
		}
	}
	noSleep := aliyun.WithSleep(func(context.Context, time.Duration) error { return nil })

	for _, version := range []string{aliyun.Version2016, aliyun.Version2021} {
		// 1. It works, and the secret is on the wire where it belongs.
		f := aliyuntest.New("testid", testSecret)
		cfg := f.Config()
		cfg.APIVersion = version
		p, err := aliyun.New(cfg, aliyun.WithLogger(log), noSleep)
		if err != nil {
			t.Fatal(err)
		}
		tk, err := p.CreateWith(ctx, providers.CreateRequest{Title: "t", Content: "c"}, aliyun.CreateOptions{SecretContent: secretCanary})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.ReplySecret(ctx, tk.ID, secretCanary, providers.Actor{Name: "张三"}); err != nil {
			t.Fatal(err)
		}
		wire := map[string][]string{}
		for _, c := range f.Calls() {
			for k, v := range c.Params {
				if v[0] == secretCanary {
					wire[c.Action] = append(wire[c.Action], k)
				}
			}
		}
		want := map[string]string{aliyun.Version2016: "map[QuestionReply:[QuestionSecContent] add:[secContent]]", aliyun.Version2021: "map[ReplyTicket:[Content Content]]"}[version]
		if fmt.Sprint(wire) != want {
			t.Errorf("%s: the secret went as %v, want %s", version, wire, want)
		}
		if version == aliyun.Version2021 {
			for _, c := range f.CallsTo("ReplyTicket") {
				if c.Params.Get("Encrypt") != "true" {
					t.Errorf("the secret was sent unencrypted: %v", c.Params)
				}
			}
		}
		notes, _ := p.Notes(ctx, tk.ID)
		texts = append(texts, fmt.Sprint(notes))

		// 2. The vendor refuses, echoing what it was sent.
		f.FailNext(1, aliyuntest.ErrParam, "ILLEGAL_PARAM: "+secretCanary)
		collect("echoed by the vendor", p.ReplySecret(ctx, tk.ID, secretCanary, providers.Actor{}))
		f.FailNext(1, aliyuntest.ErrBusy, "SYSTEM_BUSY "+aliyun.PercentEncode(secretCanary))
		_, err = p.CreateWith(ctx, providers.CreateRequest{Title: "t"}, aliyun.CreateOptions{SecretContent: secretCanary})
		collect("busy create", err)
		f.Close()

		// 3. The signature is refused: Aliyun repeats the string to sign, secret included.
		wrong := aliyuntest.New("testid", "another-secret")
		cfg = wrong.Config()
		cfg.APIVersion, cfg.AccessKeySecret = version, testSecret
		p, err = aliyun.New(cfg, aliyun.WithLogger(log), noSleep)
		if err != nil {
			t.Fatal(err)
		}
		err = p.ReplySecret(ctx, "00001FK", secretCanary, providers.Actor{})
		collect("signature", err)
		var ve *providers.VendorError
		if !errors.As(err, &ve) || ve.Code != aliyuntest.ErrSignature || strings.Contains(err.Error(), "POST&") {
			t.Errorf("err = %v, want the gateway's SignatureDoesNotMatch without its string to sign", err)
		}
		_, err = p.CreateWith(ctx, providers.CreateRequest{Title: "t"}, aliyun.CreateOptions{SecretContent: secretCanary})
		collect("signature create", err)
		err = p.ReplyWith(ctx, "00001FK", providers.Reply{Text: "x"}, aliyun.ReplyOptions{SecretContent: secretCanary})
		collect("signature reply", err)
		wrong.Close()
	}

	// 4. A server that echoes the whole request body in its message, on a 500.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.WriteHeader(http.StatusInternalServerError)
		_ = json.NewEncoder(w).Encode(map[string]any{"Code": "System.error", "Message": "bad request " + r.PostForm.Encode() + " raw " + fmt.Sprint(r.PostForm)})
	}))
	defer srv.Close()
	c := aliyun.ValidConfig()
	c.BaseURL = srv.URL
	p, err := aliyun.New(c, aliyun.WithLogger(log), noSleep)
	if err != nil {
		t.Fatal(err)
	}
	collect("echo server", p.ReplySecret(ctx, "00001FK", secretCanary, providers.Actor{}))
	fmt.Fprint(&bytes.Buffer{}, aliyun.CreateOptions{SecretContent: secretCanary})
	texts = append(texts, fmt.Sprintf("%v %+v", aliyun.CreateOptions{SecretContent: secretCanary}, aliyun.ReplyOptions{SecretContent: secretCanary}))
	texts = append(texts, logs.String())

	if len(texts) < 10 {
		t.Errorf("only %d texts checked", len(texts))
	}
	for _, s := range texts {
		for _, form := range forms(secretCanary) {
			if strings.Contains(s, form) {
				t.Errorf("confidential content leaked as %q in: %s", form, s)
			}
		}
	}
}
