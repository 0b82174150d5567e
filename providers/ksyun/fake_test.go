package ksyun_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/ksyun"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
)

// envelope is the wrapper of every answer, as the doc describes it.
type envelope struct {
	Errno     int             `json:"errno"`
	Errmsg    string          `json:"errmsg"`
	RequestID string          `json:"request_id"`
	Data      json.RawMessage `json:"data"`
}

// rawCall sends a request to the fake signed by hand under the default rule, and returns the
// HTTP status and the decoded envelope.
func rawCall(t *testing.T, f *ksyuntest.Server, method, op, query, body string) (int, envelope) {
	t.Helper()
	u := f.URL() + ksyun.APIPath + op
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sum := md5.Sum([]byte("appA" + ts + testSecret))
	req.Header.Set("AppId", "appA")
	req.Header.Set("Timestamp", ts)
	req.Header.Set("Sign", hex.EncodeToString(sum[:]))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env envelope
	_ = json.NewDecoder(resp.Body).Decode(&env)
	return resp.StatusCode, env
}

func TestFakeAuthentication(t *testing.T) {
	tests := []struct {
		name   string
		change func(*ksyun.Config)
		clock  time.Time // the provider's clock; the fake runs on fixedNow
		wantOK bool
	}{
		{"default rule", nil, fixedNow, true},
		{"milliseconds are accepted", func(c *ksyun.Config) { c.TimestampUnit = "ms" }, fixedNow, true},
		{"4 minutes of skew", nil, fixedNow.Add(-4 * time.Minute), true},
		{"wrong secret", func(c *ksyun.Config) { c.AppSecret = "not-the-secret" }, fixedNow, false},
		{"wrong app id", func(c *ksyun.Config) { c.AppID = "appB" }, fixedNow, false},
		{"stale timestamp", nil, fixedNow.Add(-6 * time.Minute), false},
		{"future timestamp", nil, fixedNow.Add(6 * time.Minute), false},
		{"other sign rule", func(c *ksyun.Config) { c.SignCase = "upper" }, fixedNow, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ksyuntest.New("appA", testSecret)
			defer f.Close()
			f.SetClock(fixedClock)
			cfg := f.Config()
			if tt.change != nil {
				tt.change(&cfg)
			}
			p, err := ksyun.New(cfg, ksyun.WithClock(func() time.Time { return tt.clock }))
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Create(context.Background(), providers.CreateRequest{Title: "t"})
			if tt.wantOK {
				if err != nil {
					t.Fatalf("Create: %v", err)
				}
				return
			}
			var ve *providers.VendorError
			if !errors.As(err, &ve) || ve.Code != strconv.Itoa(ksyuntest.ErrSign) || !strings.HasPrefix(ve.Message, "sign error") {
				t.Fatalf("err = %v, want VendorError %d sign error", err, ksyuntest.ErrSign)
			}
			if len(f.Tickets()) != 0 {
				t.Error("a rejected request created a ticket")
			}
			if len(f.Calls()) != 1 {
				t.Error("the rejected call was not recorded")
			}
		})
	}
}

func TestFakeAuthenticatesReads(t *testing.T) {
	f := ksyuntest.New("appA", testSecret)
	defer f.Close()
	cfg := f.Config()
	cfg.AppSecret = "wrong"
	p, err := ksyun.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Get(context.Background(), "1204")
	var ve *providers.VendorError
	if !errors.As(err, &ve) || ve.Code != "40001" {
		t.Fatalf("err = %v, want VendorError 40001", err)
	}
	if errors.Is(err, providers.ErrNotFound) {
		t.Error("a signature failure must not read as not found")
	}
}

func TestFakeRequiredFields(t *testing.T) {
	f := ksyuntest.New("appA", testSecret)
	defer f.Close()
	full := map[string]any{
		"title": "t", "detail": "d", "reported_time": time.Now().Unix(), "type": 1, "priority": 3,
		"customer_organization_id": 1, "customer_organization_name": "c", "repository_product_id": 36,
		"creator_id": 38361, "creator_name": "姜程",
	}
	without := func(m map[string]any, key string) string {
		c := map[string]any{}
		for k, v := range m {
			if k != key {
				c[k] = v
			}
		}
		b, _ := json.Marshal(c)
		return string(b)
	}
	for key := range full {
		t.Run("create without "+key, func(t *testing.T) {
			_, env := rawCall(t, f, http.MethodPost, "create", "", without(full, key))
			if env.Errno != ksyuntest.ErrParam || !strings.Contains(env.Errmsg, key) {
				t.Errorf("errno %d %q, want %d naming %s", env.Errno, env.Errmsg, ksyuntest.ErrParam, key)
			}
		})
	}
	_, env := rawCall(t, f, http.MethodPost, "create", "", without(full, ""))
	if env.Errno != ksyun.SuccessCode {
		t.Fatalf("complete create: %d %s", env.Errno, env.Errmsg)
	}

	closeFull := map[string]any{"id": 1204, "closer_id": 38361, "closer_name": "姜程", "solved_time": time.Now().Unix()}
	for key := range closeFull {
		t.Run("close without "+key, func(t *testing.T) {
			_, env := rawCall(t, f, http.MethodPost, "close_ticket", "", without(closeFull, key))
			if env.Errno != ksyuntest.ErrParam || !strings.Contains(env.Errmsg, key) {
				t.Errorf("errno %d %q, want %d naming %s", env.Errno, env.Errmsg, ksyuntest.ErrParam, key)
			}
		})
	}

	other := []struct {
		name, op, body string
		want           int
		wantMsg        string
	}{
		{"comment without detail", "comment_ticket", `{"id":1204,"productGroupId":36}`, ksyuntest.ErrParam, "detail"},
		{"comment without id", "comment_ticket", `{"detail":"x"}`, ksyuntest.ErrParam, "id"},
		{"comment on unknown ticket", "comment_ticket", `{"id":1,"detail":"x"}`, ksyuntest.ErrNotFound, "工单不存在"},
		{"snake_case product line is refused", "comment_ticket", `{"id":1204,"detail":"x","product_group_id":36}`, ksyuntest.ErrParam, "product_group_id"},
		{"string id is refused", "close_ticket", `{"id":"1204","closer_id":38361,"closer_name":"a","solved_time":1}`, ksyuntest.ErrParam, "参数格式错误"},
		{"close by another", "close_ticket", `{"id":1204,"closer_id":1,"closer_name":"a","solved_time":1}`, ksyuntest.ErrNotCreator, "仅工单的创建人可关闭工单"},
		{"close unknown", "close_ticket", `{"id":9,"closer_id":1,"closer_name":"a","solved_time":1}`, ksyuntest.ErrNotFound, "工单不存在"},
		{"close by creator", "close_ticket", `{"id":1204,"closer_id":38361,"closer_name":"a","solved_time":1}`, ksyun.SuccessCode, "OK"},
		{"close again", "close_ticket", `{"id":1204,"closer_id":38361,"closer_name":"a","solved_time":1}`, ksyuntest.ErrState, "工单状态不允许关闭"},
		{"upload without file", "upload_file", `{}`, ksyuntest.ErrParam, "file"},
	}
	for _, tt := range other {
		t.Run(tt.name, func(t *testing.T) {
			_, env := rawCall(t, f, http.MethodPost, tt.op, "", tt.body)
			if env.Errno != tt.want || !strings.Contains(env.Errmsg, tt.wantMsg) {
				t.Errorf("errno %d %q, want %d containing %q", env.Errno, env.Errmsg, tt.want, tt.wantMsg)
			}
		})
	}
}

func TestFakeRouting(t *testing.T) {
	f := ksyuntest.New("appA", testSecret)
	defer f.Close()
	tests := []struct {
		method, op, query string
		wantHTTP          int
		wantErrno         int
	}{
		{http.MethodGet, "base", "id=1204", 200, ksyuntest.ErrNotFound},
		{http.MethodGet, "detail", "", 200, ksyuntest.ErrParam},
		{http.MethodPost, "base", "id=1204", 405, 0},
		{http.MethodGet, "create", "", 405, 0},
		{http.MethodGet, "nope", "", 404, 0},
		{http.MethodGet, "list_tickets", "", 200, ksyun.SuccessCode},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.op, func(t *testing.T) {
			code, env := rawCall(t, f, tt.method, tt.op, tt.query, "")
			if code != tt.wantHTTP || env.Errno != tt.wantErrno {
				t.Errorf("HTTP %d errno %d, want %d %d", code, env.Errno, tt.wantHTTP, tt.wantErrno)
			}
		})
	}
}

func TestFakeFailureInjection(t *testing.T) {
	f := ksyuntest.New("appA", testSecret)
	defer f.Close()
	f.FailNext(2, 50001, "busy")
	f.FailHTTP(1, http.StatusBadGateway)
	want := []struct{ http, errno int }{{200, 50001}, {200, 50001}, {502, 0}, {200, ksyun.SuccessCode}}
	for i, w := range want {
		code, env := rawCall(t, f, http.MethodPost, "list_tickets", "", "{}")
		if code != w.http || env.Errno != w.errno {
			t.Errorf("call %d: HTTP %d errno %d, want %d %d", i, code, env.Errno, w.http, w.errno)
		}
	}
	if len(f.Calls()) != len(want) {
		t.Errorf("%d calls recorded, want %d", len(f.Calls()), len(want))
	}
}

func TestFakeHooksOnUnknownTicket(t *testing.T) {
	f := ksyuntest.New("appA", testSecret)
	defer f.Close()
	hooks := map[string]error{
		"SetStatus": f.SetStatus("1", 2),
		"Finish":    f.Finish("1"),
		"AddNote":   f.AddNote("1", "a", "b"),
		"Suspend":   f.Suspend("1", true),
	}
	for name, err := range hooks {
		if err == nil {
			t.Errorf("%s accepted an unknown ticket", name)
		}
	}
	if _, ok := f.Ticket("1"); ok {
		t.Error("Ticket found an unknown ticket")
	}
}

func TestFakeTicketIsACopy(t *testing.T) {
	p, f := newFakeProvider(t)
	id := mustCreate(t, p, providers.CreateRequest{Title: "t"}).ID
	tk, _ := f.Ticket(id)
	tk.Assigns[0].UserName = "changed"
	tk.Title = "changed"
	again, _ := f.Ticket(id)
	if again.Title != "t" || again.Assigns[0].UserName != ksyuntest.StaffName {
		t.Error("Ticket returned shared state")
	}
	// The multipart body is recorded too.
	var buf bytes.Buffer
	buf.Write([]byte{0, 1, 2})
	if _, err := p.Upload(context.Background(), "a.bin", &buf); err != nil {
		t.Fatal(err)
	}
	if c := callsTo(f, "upload_file"); len(c) != 1 || c[0]["file_type"] != "application/octet-stream" {
		t.Errorf("upload call = %v", c)
	}
}

// Held requests are applied in the order they came, as a slow vendor applies them: a list
// that arrived after a create sees the ticket once both are let go.
func TestFakeHoldAnswersInArrivalOrder(t *testing.T) {
	f := ksyuntest.New("appA", testSecret)
	defer f.Close()
	p, err := ksyun.New(f.Config())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	before, _, err := p.List(ctx, ksyun.ListRequest{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	waitHeld := func(n int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for f.Waiting() != n {
			if time.Now().After(deadline) {
				t.Fatalf("%d requests held, want %d", f.Waiting(), n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	release := f.Hold()
	created := make(chan int, 1)
	go func() {
		_, env := rawCall(t, f, http.MethodPost, "create", "", `{"title":"t","detail":"d","reported_time":1700000000,"type":1,"priority":3,
			"customer_organization_id":1,"customer_organization_name":"c","repository_product_id":36,"creator_id":38361,"creator_name":"姜程"}`)
		created <- env.Errno
	}()
	waitHeld(1)
	listed := make(chan int, 1)
	go func() {
		ts, _, err := p.List(ctx, ksyun.ListRequest{PageSize: 100})
		if err != nil {
			t.Error(err)
		}
		listed <- len(ts)
	}()
	waitHeld(2)
	release()
	if errno := <-created; errno != ksyun.SuccessCode {
		t.Fatalf("create: errno %d", errno)
	}
	if n := <-listed; n != len(before)+1 {
		t.Fatalf("the list that came after the create saw %d tickets, want %d", n, len(before)+1)
	}
}
