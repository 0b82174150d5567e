package ksyun_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/ksyun"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
	"github.com/ticketbot/ticketbot/span"
)

const canary = "LEAK-CANARY-7731"

// TestNoSecretInErrors drives every failure path with a recognisable secret and checks that no
// error text, config rendering or request on the wire carries it.
func TestNoSecretInErrors(t *testing.T) {
	ctx := context.Background()
	var texts []string
	collect := func(what string, err error) {
		if err == nil {
			t.Errorf("%s: want an error", what)
			return
		}
		texts = append(texts, fmt.Sprintf("%s: %v | %+v | %#v", what, err, err, err))
	}

	// The fake knows another secret: every call is refused.
	f := ksyuntest.New("appA", "the-fakes-own-secret")
	defer f.Close()
	cfg := f.Config()
	cfg.AppSecret = canary
	p, err := ksyun.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Create(ctx, providers.CreateRequest{Title: "t"})
	collect("create", err)
	_, err = p.Get(ctx, "1204")
	collect("get", err)
	_, err = p.Base(ctx, "1204")
	collect("base", err)
	_, err = p.Notes(ctx, "1204")
	collect("notes", err)
	collect("reply", p.Reply(ctx, "1204", providers.Reply{Text: "x"}))
	collect("close", p.Close(ctx, "1204", providers.CloseRequest{}))
	collect("reject", p.RejectLine(ctx, "1204", 0, "x"))
	_, _, err = p.List(ctx, ksyun.ListRequest{})
	collect("list", err)
	_, err = p.Upload(ctx, "a.txt", strings.NewReader("a"))
	collect("upload", err)
	for _, c := range f.Calls() {
		wire := fmt.Sprint(c.Method, c.Path, c.Query, c.Header, c.Body)
		if strings.Contains(wire, canary) {
			t.Errorf("the secret was sent on the wire: %s", wire)
		}
	}

	// Not found, not creator, already closed, against a fake that accepts the canary.
	good := ksyuntest.New("appA", canary)
	defer good.Close()
	gp, err := ksyun.New(good.Config())
	if err != nil {
		t.Fatal(err)
	}
	tk, err := gp.Create(ctx, providers.CreateRequest{Title: "t"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = gp.Get(ctx, "9999")
	collect("not found", err)
	collect("not creator", gp.Close(ctx, tk.ID, providers.CloseRequest{Actor: providers.Actor{VendorID: "1"}}))
	_ = good.SetStatus(tk.ID, 3)
	collect("already closed", gp.Close(ctx, tk.ID, providers.CloseRequest{}))

	// Transport failures: 502, timeout, nobody listening.
	for _, h := range []http.HandlerFunc{
		func(w http.ResponseWriter, r *http.Request) { http.Error(w, "bad", http.StatusBadGateway) },
		func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
	} {
		srv := httptest.NewServer(h)
		c := ksyun.ValidConfig()
		c.BaseURL, c.AppSecret, c.Timeout = srv.URL, canary, span.Of(50*time.Millisecond)
		sp, err := ksyun.New(c)
		if err != nil {
			t.Fatal(err)
		}
		_, err = sp.Get(ctx, "1")
		collect("transport", err)
		srv.Close()
	}

	// Configuration errors and renderings.
	bad := ksyun.ValidConfig()
	bad.AppSecret, bad.AppID, bad.SignAlgo = canary, "", "rot13"
	_, err = ksyun.New(bad)
	collect("config", err)
	for _, e := range bad.Validate() {
		texts = append(texts, e.Error())
	}
	js, _ := json.Marshal(bad)
	texts = append(texts, fmt.Sprintf("%v %+v %#v %s %q", bad, bad, bad, bad.AppSecret, bad.AppSecret), string(js))

	for _, s := range texts {
		if strings.Contains(s, canary) {
			t.Errorf("secret leaked: %s", s)
		}
	}
	if len(texts) < 15 {
		t.Errorf("only %d texts checked", len(texts))
	}
}
