package weiban

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"
)

// fakeGet calls the fake directly, without the provider.
func fakeGet(t *testing.T, f *Fake, path string) map[string]any {
	t.Helper()
	resp, err := http.Get(f.URL() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func fakeToken(t *testing.T, f *Fake, secret string) map[string]any {
	t.Helper()
	resp, err := http.Post(f.URL()+tokenPath, "application/json", bytes.NewReader([]byte(`{"corp_id":"corp-1","secret":"`+secret+`"}`)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

func TestFakeServesTheDocumentExample(t *testing.T) {
	f := NewFake("corp-1", "s")
	defer f.Close()
	tok := fakeToken(t, f, "s")
	if tok["errcode"] != float64(0) || tok["access_token"] == "" || tok["expires_in"] != float64(7200) {
		t.Fatalf("token = %v", tok)
	}
	got := fakeGet(t, f, pathDetail+"?order_no="+DocOrderNo+"&access_token="+tok["access_token"].(string))

	raw, _ := os.ReadFile("testdata/detail_example.json")
	var want map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	_ = dec.Decode(&want)
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Errorf("fake detail differs from the document:\n%s\n%s", g, w)
	}

	if r := fakeToken(t, f, "wrong"); r["errcode"] != float64(FakeErrCredentials) {
		t.Errorf("wrong secret = %v", r)
	}
	if r := fakeGet(t, f, pathDetail+"?order_no="+DocOrderNo+"&access_token=nope"); r["errcode"] != json.Number("10001") {
		t.Errorf("bad token = %v", r)
	}
	if r := fakeGet(t, f, pathDetail+"?order_no=1&access_token="+tok["access_token"].(string)); r["errcode"] != json.Number("22301") {
		t.Errorf("unknown order = %v", r)
	}
}

func TestFakeTokenTTL(t *testing.T) {
	now := time.Unix(1700000000, 0)
	var mu sync.Mutex
	f := NewFake("corp-1", "s")
	defer f.Close()
	f.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	f.SetTokenTTL(2 * time.Second)
	tok := fakeToken(t, f, "s")
	if tok["expires_in"] != float64(2) {
		t.Errorf("expires_in = %v", tok["expires_in"])
	}
	path := pathDetail + "?order_no=" + DocOrderNo + "&access_token=" + tok["access_token"].(string)
	if r := fakeGet(t, f, path); r["errcode"] != json.Number("0") {
		t.Errorf("fresh token = %v", r["errcode"])
	}
	mu.Lock()
	now = now.Add(3 * time.Second)
	mu.Unlock()
	if r := fakeGet(t, f, path); r["errcode"] != json.Number("10001") {
		t.Errorf("expired token = %v", r["errcode"])
	}
	if f.TokensIssued() != 1 {
		t.Errorf("issued = %d", f.TokensIssued())
	}
}

func TestFakeRefusesSixthInFlight(t *testing.T) {
	f := NewFake("corp-1", "s")
	defer f.Close()
	f.SetLatency(50 * time.Millisecond)
	var wg sync.WaitGroup
	codes := make(chan any, 10)
	for range 10 {
		wg.Go(func() { codes <- fakeToken(t, f, "s")["errcode"] })
	}
	wg.Wait()
	close(codes)
	refused := 0
	for c := range codes {
		if c == float64(codeTooConcurrent) {
			refused++
		}
	}
	if refused == 0 || f.MaxInFlight() <= maxInFlight {
		t.Errorf("refused %d of 10 concurrent calls (max in flight %d); Weiban refuses beyond 5", refused, f.MaxInFlight())
	}
}

func TestFakeHooks(t *testing.T) {
	ctx := context.Background()
	p, f, _ := newFakeProvider(t)
	f.FailNext(1, 22305, "无权限")
	if _, err := p.Get(ctx, DocOrderNo); codeOf(err) != 22305 {
		t.Errorf("FailNext: %v", err)
	}
	if err := f.SetStatus("nope", 1); err == nil {
		t.Error("SetStatus on an unknown order")
	}
	if err := f.AddFlow(DocOrderNo, FakeAgentID, "hi"); err != nil {
		t.Fatal(err)
	}
	o, _ := f.Order(DocOrderNo)
	if len(o.Flows) != 3 || o.Flows[0].Text != "hi" || o.Flows[0].Type != FakeFlowReply || o.Status != FakeStatusNew {
		t.Errorf("order = %+v", o)
	}
	if n := len(f.Orders()); n != 1 {
		t.Errorf("orders = %d", n)
	}
	if _, err := f.ResendLast(ctx, "http://127.0.0.1:1"); err == nil {
		t.Error("ResendLast without a push")
	}
}
