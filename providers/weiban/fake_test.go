package weiban_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

// fakeGet calls the fake directly, without the provider.
func fakeGet(t *testing.T, f *weibantest.Server, path string) map[string]any {
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

func fakeToken(t *testing.T, f *weibantest.Server, secret string) map[string]any {
	t.Helper()
	resp, err := http.Post(f.URL()+weiban.TokenPath, "application/json", bytes.NewReader([]byte(`{"corp_id":"corp-1","secret":"`+secret+`"}`)))
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
	f := weibantest.New("corp-1", "s")
	defer f.Close()
	tok := fakeToken(t, f, "s")
	if tok["errcode"] != float64(0) || tok["access_token"] == "" || tok["expires_in"] != float64(7200) {
		t.Fatalf("token = %v", tok)
	}
	got := fakeGet(t, f, weiban.PathDetail+"?order_no="+weibantest.DocOrderNo+"&access_token="+tok["access_token"].(string))

	raw, _ := os.ReadFile("weibantest/testdata/detail_example.json")
	var want map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	_ = dec.Decode(&want)
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Errorf("fake detail differs from the document:\n%s\n%s", g, w)
	}

	if r := fakeToken(t, f, "wrong"); r["errcode"] != float64(weibantest.ErrCredentials) {
		t.Errorf("wrong secret = %v", r)
	}
	if r := fakeGet(t, f, weiban.PathDetail+"?order_no="+weibantest.DocOrderNo+"&access_token=nope"); r["errcode"] != json.Number("10001") {
		t.Errorf("bad token = %v", r)
	}
	if r := fakeGet(t, f, weiban.PathDetail+"?order_no=1&access_token="+tok["access_token"].(string)); r["errcode"] != json.Number("22301") {
		t.Errorf("unknown order = %v", r)
	}
}

func TestFakeTokenTTL(t *testing.T) {
	now := time.Unix(1700000000, 0)
	var mu sync.Mutex
	f := weibantest.New("corp-1", "s")
	defer f.Close()
	f.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	f.SetTokenTTL(2 * time.Second)
	tok := fakeToken(t, f, "s")
	if tok["expires_in"] != float64(2) {
		t.Errorf("expires_in = %v", tok["expires_in"])
	}
	path := weiban.PathDetail + "?order_no=" + weibantest.DocOrderNo + "&access_token=" + tok["access_token"].(string)
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
	f := weibantest.New("corp-1", "s")
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
		if c == float64(weiban.CodeTooConcurrent) {
			refused++
		}
	}
	if refused == 0 || f.MaxInFlight() <= weiban.MaxInFlight {
		t.Errorf("refused %d of 10 concurrent calls (max in flight %d); Weiban refuses beyond 5", refused, f.MaxInFlight())
	}
}

func TestFakeHooks(t *testing.T) {
	ctx := context.Background()
	p, f, _ := newFakeProvider(t)
	f.FailNext(1, 22305, "无权限")
	if _, err := p.Get(ctx, weibantest.DocOrderNo); weiban.CodeOf(err) != 22305 {
		t.Errorf("FailNext: %v", err)
	}
	if err := f.SetStatus("nope", 1); err == nil {
		t.Error("SetStatus on an unknown order")
	}
	if err := f.AddFlow(weibantest.DocOrderNo, weibantest.AgentID, "hi"); err != nil {
		t.Fatal(err)
	}
	o, _ := f.Order(weibantest.DocOrderNo)
	if len(o.Flows) != 3 || o.Flows[0].Text != "hi" || o.Flows[0].Type != weibantest.FlowReply || o.Status != weibantest.StatusNew {
		t.Errorf("order = %+v", o)
	}
	if n := len(f.Orders()); n != 1 {
		t.Errorf("orders = %d", n)
	}
	if _, err := f.ResendLast(ctx, "http://127.0.0.1:1"); err == nil {
		t.Error("ResendLast without a push")
	}
}

// TestFakeListFilters proves the fake's list honours what api-8267893 documents and the
// finder relies on: start_time/end_time (seconds, only together, inclusive), the title filter,
// limit ≤ 100 with offset, newest first, and a total that counts every match.
func TestFakeListFilters(t *testing.T) {
	f := weibantest.New("corp-1", "s")
	defer f.Close()
	base := time.Unix(1700000000, 0)
	old := f.AddOrder("磁盘告警", base.Add(-time.Hour))
	a := f.AddOrder("磁盘告警", base)
	b := f.AddOrder("网络抖动", base.Add(time.Minute))
	c := f.AddOrder("磁盘告警（二）", base.Add(2*time.Minute))
	tok := fakeToken(t, f, "s")["access_token"].(string)
	list := func(query string) (codes string, total string, nos []string) {
		t.Helper()
		r := fakeGet(t, f, weiban.PathList+"?access_token="+tok+query)
		items, _ := r["workorder_list"].([]any)
		for _, x := range items {
			nos = append(nos, str(x.(map[string]any)["order_no"]))
		}
		return str(r["errcode"]), str(r["total"]), nos
	}
	from, to := strconv.FormatInt(base.Unix(), 10), strconv.FormatInt(base.Add(2*time.Minute).Unix(), 10)
	tests := []struct {
		name, query string
		code, total string
		want        []string
	}{
		{"everything, newest first", "", "0", "5", []string{c, b, a, old, weibantest.DocOrderNo}},
		{"window, inclusive at both ends", "&start_time=" + from + "&end_time=" + to, "0", "3", []string{c, b, a}},
		{"window and title, which matches a part", "&start_time=" + from + "&end_time=" + to + "&title=" + url.QueryEscape("磁盘告警"), "0", "2", []string{c, a}},
		{"title alone", "&title=" + url.QueryEscape("磁盘告警"), "0", "3", []string{c, a, old}},
		{"limit and offset", "&limit=2&offset=1", "0", "5", []string{b, a}},
		{"offset past the end", "&offset=9", "0", "5", nil},
		{"start without end", "&start_time=" + from, "10003", "", nil},
		{"end without start", "&end_time=" + to, "10003", "", nil},
		{"a start that is not a number", "&start_time=x&end_time=" + to, "10003", "", nil},
		{"limit over 100", "&limit=101", "10003", "", nil},
		{"limit 0", "&limit=0", "10003", "", nil},
		{"limit 100", "&limit=100", "0", "5", []string{c, b, a, old, weibantest.DocOrderNo}},
		{"window in milliseconds", "&start_time=" + from + "000&end_time=" + to + "000", "10003", "", nil},
		{"window ending in milliseconds", "&start_time=" + from + "&end_time=" + to + "000", "10003", "", nil},
		{"negative offset", "&offset=-1", "10003", "", nil},
	}
	for _, tt := range tests {
		code, total, nos := list(tt.query)
		if code != tt.code || total != tt.total || !slices.Equal(nos, tt.want) {
			t.Errorf("%s: errcode %s total %s %v, want %s %s %v", tt.name, code, total, nos, tt.code, tt.total, tt.want)
		}
	}

	// A window by update time, as a real list may have it: a touch brings an old order in.
	f.SetClock(func() time.Time { return base.Add(time.Minute) })
	if err := f.Update(old, func(map[string]any, int64) {}); err != nil {
		t.Fatal(err)
	}
	f.ListWindowByUpdate(true)
	if code, total, nos := list("&start_time=" + from + "&end_time=" + to); code != "0" || total != "4" || !slices.Contains(nos, old) {
		t.Errorf("window by update: errcode %s total %s %v, want the touched old order too", code, total, nos)
	}
	f.ListWindowByUpdate(false)

	f.OmitFromList("title")
	r := fakeGet(t, f, weiban.PathList+"?access_token="+tok+"&limit=1")
	e := r["workorder_list"].([]any)[0].(map[string]any)
	if _, ok := e["title"]; ok || str(e["order_no"]) != c {
		t.Errorf("OmitFromList: entry = %v", e)
	}
}

// The fake's switch checks what api-8269990 says, whatever a client sends: the next handler is
// a staff member Weiban knows, the remark is at most 600 characters, is_show is 0 or 1.
func TestFakeSwitchChecks(t *testing.T) {
	f := weibantest.New("corp-1", testSecret)
	t.Cleanup(f.Close)
	token, _ := fakeToken(t, f, testSecret)["access_token"].(string)
	no := f.AddOrder("网关超时", time.Now())
	long := ""
	for range 601 {
		long += "长"
	}
	tests := []struct {
		name string
		body map[string]any
		code string
	}{
		{"a known handler", map[string]any{"handler_id": weibantest.Agent2ID, "is_show": 1}, "0"},
		{"no handler", map[string]any{"is_show": 1}, "22302"},
		{"an unknown handler", map[string]any{"handler_id": "nobody", "is_show": 1}, "22302"},
		{"601 characters", map[string]any{"handler_id": weibantest.Agent2ID, "is_show": 1, "content": map[string]any{"text": long}}, strconv.Itoa(weibantest.ErrParam)},
		{"is_show 2", map[string]any{"handler_id": weibantest.Agent2ID, "is_show": 2}, strconv.Itoa(weibantest.ErrParam)},
		{"an unknown acting staff_id", map[string]any{"handler_id": weibantest.Agent2ID, "staff_id": "nobody"}, "22304"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := map[string]any{"order_no": no, "staff_id": weibantest.BotStaffID}
			for k, v := range tt.body {
				body[k] = v
			}
			b, _ := json.Marshal(body)
			resp, err := http.Post(f.URL()+weiban.PathSwitch+"?access_token="+url.QueryEscape(token), "application/json", bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out struct {
				Errcode json.Number `json:"errcode"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatal(err)
			}
			if out.Errcode.String() != tt.code {
				t.Errorf("errcode %s, want %s", out.Errcode, tt.code)
			}
		})
	}
}
