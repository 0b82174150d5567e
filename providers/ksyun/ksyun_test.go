package ksyun_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/ksyun"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
)

const testSecret = "s3cr3t-Value-9f2"

var fixedNow = time.Unix(1700000000, 0)

func fixedClock() time.Time { return fixedNow }

// newFakeProvider returns a provider talking to a fresh fake, both on the fixed clock.
func newFakeProvider(t *testing.T, opts ...ksyun.Option) (*ksyun.Provider, *ksyuntest.Server) {
	t.Helper()
	f := ksyuntest.New("appA", testSecret)
	t.Cleanup(f.Close)
	f.SetClock(fixedClock)
	p, err := ksyun.New(f.Config(), append([]ksyun.Option{ksyun.WithClock(fixedClock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return p, f
}

// callsTo returns the bodies of the calls made to one endpoint.
func callsTo(f *ksyuntest.Server, op string) []map[string]any {
	var out []map[string]any
	for _, c := range f.Calls() {
		if c.Path == ksyun.APIPath+op {
			out = append(out, c.Body)
		}
	}
	return out
}

// wireFields renders a recorded body's values as strings, for comparison.
func wireFields(body map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range body {
		out[k] = fmt.Sprint(v)
	}
	return out
}

func mustCreate(t *testing.T, p *ksyun.Provider, r providers.CreateRequest) providers.Ticket {
	t.Helper()
	tk, err := p.Create(context.Background(), r)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return tk
}

func TestProviderBasics(t *testing.T) {
	p, _ := newFakeProvider(t)
	if p.Name() != "ksyun" {
		t.Errorf("Name = %q", p.Name())
	}
	want := providers.Capabilities{Create: true, Reply: true, Close: true, Notes: true, CloseCreatorOnly: true, Reject: true}
	if p.Capabilities() != want {
		t.Errorf("Capabilities = %+v, want %+v", p.Capabilities(), want)
	}
}

func TestCreate(t *testing.T) {
	common := map[string]string{
		"reported_time": "1700000000", "customer_organization_id": "1",
		"customer_organization_name": "北京金山云网络技术有限公司", "repository_product_id": "36",
	}
	tests := []struct {
		name      string
		req       providers.CreateRequest
		wantWire  map[string]string
		wantLabel [3]string // priority, its level, type as read back
	}{
		{"defaults and unmapped user", providers.CreateRequest{Title: "数据库连接超时", Content: "连接池耗尽"},
			map[string]string{"title": "数据库连接超时", "detail": "连接池耗尽", "type": "1", "priority": "3",
				"creator_id": "38361", "creator_name": "姜程"}, [3]string{"低", "low", "问题排查"}},
		{"mapped user, urgent question", providers.CreateRequest{Title: "t", Content: "c", Priority: "urgent", Type: "question",
			Actor: providers.Actor{Name: "张三", VendorID: "40084"}},
			map[string]string{"type": "3", "priority": "1", "creator_id": "40084", "creator_name": "张三"}, [3]string{"高", "high", "咨询"}},
		{"named but unmapped user", providers.CreateRequest{Title: "t", Content: "c", Priority: "high", Type: "request",
			Actor: providers.Actor{Name: "李四"}},
			map[string]string{"type": "2", "priority": "1", "creator_id": "38361", "creator_name": "李四"}, [3]string{"高", "high", "需求反馈"}},
		{"normal incident", providers.CreateRequest{Title: "t", Content: "c", Priority: "Normal", Type: "incident"},
			map[string]string{"type": "1", "priority": "2"}, [3]string{"中", "normal", "问题排查"}},
		{"low", providers.CreateRequest{Title: "t", Content: "c", Priority: "low"},
			map[string]string{"priority": "3"}, [3]string{"低", "low", "问题排查"}},
		{"title only", providers.CreateRequest{Title: "  只有标题 "},
			map[string]string{"title": "只有标题", "detail": "只有标题"}, [3]string{"低", "low", "问题排查"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, f := newFakeProvider(t)
			got := mustCreate(t, p, tt.req)
			bodies := callsTo(f, "create")
			if len(bodies) != 1 {
				t.Fatalf("%d create calls, want 1", len(bodies))
			}
			wire := wireFields(bodies[0])
			for k, v := range common {
				tt.wantWire[k] = v
			}
			for k, v := range tt.wantWire {
				if wire[k] != v {
					t.Errorf("wire %s = %q, want %q", k, wire[k], v)
				}
			}
			if got.ID != "1204" || got.Status != providers.StatusOpen || got.RawStatus != "1" ||
				got.Priority != tt.wantLabel[0] || got.PriorityLevel != tt.wantLabel[1] || got.Type != tt.wantLabel[2] || got.Handler != ksyuntest.StaffName ||
				got.Creator != wire["creator_name"] || got.CreatorID != wire["creator_id"] || !got.CreatedAt.Equal(fixedNow) {
				t.Errorf("ticket = %+v", got)
			}
			if _, ok := f.Ticket("1204"); !ok {
				t.Error("the fake has no ticket 1204")
			}
		})
	}
}

func TestCreateRejectsBadInput(t *testing.T) {
	tests := []struct {
		name string
		req  providers.CreateRequest
		want string
	}{
		{"no title", providers.CreateRequest{Title: " ", Content: "c"}, "title is empty"},
		{"bad priority", providers.CreateRequest{Title: "t", Priority: "p0"}, `unknown priority "p0"`},
		{"bad type", providers.CreateRequest{Title: "t", Type: "bug"}, `unknown ticket type "bug"`},
		{"bad vendor id", providers.CreateRequest{Title: "t", Actor: providers.Actor{VendorID: "zhangsan2"}}, `"zhangsan2" is not a Kingsoft employee number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, f := newFakeProvider(t)
			_, err := p.Create(context.Background(), tt.req)
			if err == nil || !strings.HasPrefix(err.Error(), "ksyun: create ticket: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
			if n := len(f.Calls()); n != 0 {
				t.Errorf("%d calls made for an invalid create", n)
			}
		})
	}
}

func TestCreateSequentialIDs(t *testing.T) {
	p, _ := newFakeProvider(t)
	for _, want := range []string{"1204", "1205", "1206"} {
		if got := mustCreate(t, p, providers.CreateRequest{Title: "t"}); got.ID != want {
			t.Errorf("ID = %s, want %s", got.ID, want)
		}
	}
}

// failPath answers 502 for one endpoint and forwards everything else.
type failPath struct {
	op   string
	next http.RoundTripper
}

func (fp failPath) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == ksyun.APIPath+fp.op {
		return &http.Response{StatusCode: http.StatusBadGateway, Status: "502 Bad Gateway", Header: http.Header{},
			Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	}
	return fp.next.RoundTrip(r)
}

func TestCreateSucceedsWhenReadBackFails(t *testing.T) {
	hc := &http.Client{Transport: failPath{op: "detail", next: http.DefaultTransport}}
	p, f := newFakeProvider(t, ksyun.WithHTTPClient(hc))
	got, err := p.Create(context.Background(), providers.CreateRequest{Title: "t", Content: "c", Priority: "low",
		Actor: providers.Actor{Name: "张三", VendorID: "40084"}})
	if err != nil {
		t.Fatalf("Create reported failure although the ticket exists: %v", err)
	}
	if got.ID != "1204" || got.Status != providers.StatusOpen || got.Title != "t" || got.Content != "c" ||
		got.Priority != "低" || got.PriorityLevel != "low" || got.Creator != "张三" || got.CreatorID != "40084" || got.Provider != "ksyun" {
		t.Errorf("ticket = %+v", got)
	}
	if len(callsTo(f, "create")) != 1 || len(f.Tickets()) != 1 {
		t.Error("want exactly one create")
	}
}

func TestCreateVendorFailure(t *testing.T) {
	p, f := newFakeProvider(t)
	f.FailNext(1, 50000, "系统繁忙")
	_, err := p.Create(context.Background(), providers.CreateRequest{Title: "t"})
	var ve *providers.VendorError
	if !errors.As(err, &ve) || ve.Code != "50000" || ve.Message != "系统繁忙" || ve.Op != "create" {
		t.Fatalf("err = %v", err)
	}
	if len(f.Tickets()) != 0 {
		t.Error("a ticket was stored")
	}
	if n := len(callsTo(f, "create")); n != 1 {
		t.Errorf("%d create calls, want 1: a create is never retried", n)
	}
}

func TestGetFollowsTheVendor(t *testing.T) {
	p, f := newFakeProvider(t)
	id := mustCreate(t, p, providers.CreateRequest{Title: "t"}).ID
	steps := []struct {
		name       string
		do         func() error
		wantStatus providers.Status
		wantRaw    string
		wantFlags  []providers.Flag
		wantNote   string
	}{
		{"created", func() error { return nil }, providers.StatusOpen, "1", nil, ""},
		{"picked up", func() error { return f.SetStatus(id, 2) }, providers.StatusInProgress, "2", nil, ""},
		{"suspended", func() error { return f.Suspend(id, true) }, providers.StatusInProgress, "2", []providers.Flag{providers.FlagOnHold}, ""},
		{"staff note", func() error { return f.AddNote(id, "王工", "请提供实例ID") }, providers.StatusInProgress, "2", []providers.Flag{providers.FlagOnHold}, "请提供实例ID"},
		{"resumed", func() error { return f.Suspend(id, false) }, providers.StatusInProgress, "2", nil, "请提供实例ID"},
		{"product line rejected", func() error { return p.RejectLine(context.Background(), id, 0, "非本产品线") },
			providers.StatusInProgress, "2", []providers.Flag{providers.FlagRejected}, "非本产品线"},
		{"finished", func() error { return f.Finish(id) }, providers.StatusPendingConfirm, "2", nil, "非本产品线"},
		{"closed", func() error { return f.SetStatus(id, 3) }, providers.StatusClosed, "3", nil, "非本产品线"},
		{"cancelled", func() error { return f.SetStatus(id, 4) }, providers.StatusCancelled, "4", nil, "非本产品线"},
		{"unknown status", func() error { return f.SetStatus(id, 9) }, providers.StatusUnknown, "9", nil, "非本产品线"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if err := s.do(); err != nil {
				t.Fatal(err)
			}
			got, err := p.Get(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != s.wantStatus || got.RawStatus != s.wantRaw || !slices.Equal(got.Flags, s.wantFlags) {
				t.Errorf("Get = status %s raw %s flags %v; want %s %s %v", got.Status, got.RawStatus, got.Flags,
					s.wantStatus, s.wantRaw, s.wantFlags)
			}
			note := ""
			if got.LatestNote != nil {
				note = got.LatestNote.Body
			}
			if note != s.wantNote {
				t.Errorf("LatestNote = %q, want %q", note, s.wantNote)
			}
		})
	}
}

func TestGetMapsDetail(t *testing.T) {
	p, f := newFakeProvider(t)
	id := mustCreate(t, p, providers.CreateRequest{Title: "标题", Content: "内容", Priority: "normal", Type: "request"}).ID
	if err := f.AddNote(id, "王工", "已收到"); err != nil {
		t.Fatal(err)
	}
	got, err := p.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	ksyun.AssertTicket(t, got, providers.Ticket{
		Provider: "ksyun", ID: id, Title: "标题", Content: "内容", Status: providers.StatusOpen,
		RawStatus: "1", RawLabel: "待处理", Priority: "中", PriorityLevel: "normal", Type: "需求反馈",
		Customer: "北京金山云网络技术有限公司", Creator: "姜程", CreatorID: "38361", Handler: ksyuntest.StaffName,
		CreatedAt: fixedNow, UpdatedAt: fixedNow,
		LatestNote: &providers.Note{ID: "2", Author: "王工", Official: true, Body: "已收到", At: fixedNow},
	})
}

func TestNotFound(t *testing.T) {
	p, f := newFakeProvider(t)
	ctx := context.Background()
	ops := map[string]func(id string) error{
		"get":    func(id string) error { _, err := p.Get(ctx, id); return err },
		"base":   func(id string) error { _, err := p.Base(ctx, id); return err },
		"notes":  func(id string) error { _, err := p.Notes(ctx, id); return err },
		"reply":  func(id string) error { return p.Reply(ctx, id, providers.Reply{Text: "x"}) },
		"close":  func(id string) error { return p.Close(ctx, id, providers.CloseRequest{}) },
		"reject": func(id string) error { return p.RejectLine(ctx, id, 0, "x") },
	}
	for name, op := range ops {
		for _, id := range []string{"9999", "abc", "-1", ""} {
			t.Run(name+"/"+id, func(t *testing.T) {
				before := len(f.Calls())
				err := op(id)
				if !errors.Is(err, providers.ErrNotFound) {
					t.Fatalf("err = %v, want ErrNotFound", err)
				}
				if !strings.HasPrefix(err.Error(), "ksyun: ") || !strings.Contains(err.Error(), id) {
					t.Errorf("error %q does not name the ticket", err)
				}
				if id != "9999" && len(f.Calls()) != before {
					t.Errorf("a call was made for the impossible id %q", id)
				}
				if slices.ContainsFunc(f.Calls()[before:], func(c ksyuntest.Call) bool { return c.Method == http.MethodPost }) {
					t.Error("a write was sent for an unknown ticket")
				}
			})
		}
	}
}

func TestReply(t *testing.T) {
	p, f := newFakeProvider(t)
	id := mustCreate(t, p, providers.CreateRequest{Title: "t"}).ID
	if err := p.Reply(context.Background(), id, providers.Reply{Text: "请查看附件日志\n谢谢", Actor: providers.Actor{Name: "张三"}}); err != nil {
		t.Fatal(err)
	}
	bodies := callsTo(f, "comment_ticket")
	if len(bodies) != 1 {
		t.Fatalf("%d comment calls, want 1", len(bodies))
	}
	// comment_ticket has no author field: the author's name leads the text.
	want := map[string]string{"id": "1204", "detail": "张三：请查看附件日志\n谢谢", "productGroupId": "36"}
	if got := wireFields(bodies[0]); !mapsEqual(got, want) {
		t.Errorf("comment body = %v, want %v (productGroupId in camelCase)", got, want)
	}
	ft, _ := f.Ticket(id)
	h := ft.Assigns[0].History
	if len(h) != 1 || h[0].Detail != "张三：请查看附件日志\n谢谢" || h[0].CreatorID != ksyuntest.CreatorID {
		t.Errorf("fake history = %+v", h)
	}
	notes, err := p.Notes(context.Background(), id)
	if err != nil || len(notes) != 1 || notes[0].Official {
		t.Errorf("Notes = %+v, %v; want one customer-side note", notes, err)
	}
	// A reply written as the API account's own person shows the name once: 「最新回复 · 姜程」
	// over 「已重启」, not 「姜程：已重启」.
	if err := p.Reply(context.Background(), id, providers.Reply{Text: "已重启", Actor: providers.Actor{Name: ksyuntest.CreatorName}}); err != nil {
		t.Fatal(err)
	}
	got, err := p.Get(context.Background(), id)
	if err != nil || got.LatestNote == nil || got.LatestNote.Author != ksyuntest.CreatorName || got.LatestNote.Body != "已重启" {
		t.Errorf("latest note = %+v, %v", got.LatestNote, err)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestReplyEmpty(t *testing.T) {
	p, f := newFakeProvider(t)
	id := mustCreate(t, p, providers.CreateRequest{Title: "t"}).ID
	before := len(f.Calls())
	err := p.Reply(context.Background(), id, providers.Reply{Text: " \n\t"})
	if err == nil || !strings.Contains(err.Error(), "ksyun: reply to ticket 1204: reply text is empty") {
		t.Errorf("err = %v", err)
	}
	if len(f.Calls()) != before {
		t.Error("an empty reply was sent")
	}
}

// hookPath runs before() when a request for op passes, then forwards it: it lets a test change
// the fake between two calls of one operation.
type hookPath struct {
	op     string
	before func()
	next   http.RoundTripper
}

func (h hookPath) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == ksyun.APIPath+h.op {
		h.before()
	}
	return h.next.RoundTrip(r)
}

func TestClose(t *testing.T) {
	ctx := context.Background()
	creator := providers.Actor{Name: "张三", VendorID: "40084"}
	other := providers.Actor{Name: "李四", VendorID: "40085"}
	tests := []struct {
		name      string
		createAs  providers.Actor
		setup     func(f *ksyuntest.Server, id string)
		closeAs   providers.Actor
		wantErr   error  // a sentinel, or nil
		wantText  string // in the error
		wantCode  string // a VendorError code
		wantTemp  bool
		wantClose int // close_ticket calls
		wantWire  map[string]string
	}{
		{name: "unmapped creator closes", closeAs: providers.Actor{}, wantClose: 1, wantWire: map[string]string{
			"id": "1204", "closer_id": "38361", "closer_name": "姜程", "solved_time": "1700000000",
			"detail": "问题已解决", "is_solved": "false"}},
		{name: "mapped creator closes", createAs: creator, closeAs: creator, wantClose: 1,
			wantWire: map[string]string{"closer_id": "40084", "closer_name": "张三"}},
		{name: "someone else", createAs: creator, closeAs: other, wantErr: providers.ErrNotCreator,
			wantText: "ksyun: close ticket 1204: only the ticket's creator (张三) may close it"},
		{name: "unmapped user on someone's ticket", createAs: creator, closeAs: providers.Actor{Name: "王五"},
			wantErr: providers.ErrNotCreator, wantText: "(张三)"},
		{name: "closed", setup: func(f *ksyuntest.Server, id string) { _ = f.SetStatus(id, 3) }, wantErr: providers.ErrAlreadyClosed,
			wantText: "ksyun: close ticket 1204: ticket already closed (已关闭)"},
		{name: "cancelled", setup: func(f *ksyuntest.Server, id string) { _ = f.SetStatus(id, 4) }, wantErr: providers.ErrAlreadyClosed,
			wantText: "(已取消)"},
		{name: "HTTP 502 on base", setup: func(f *ksyuntest.Server, _ string) { f.FailHTTP(1, 502) }, wantCode: "HTTP 502", wantTemp: true},
		{name: "bad vendor id", closeAs: providers.Actor{VendorID: "x1"}, wantText: `"x1" is not a Kingsoft employee number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, f := newFakeProvider(t)
			id := mustCreate(t, p, providers.CreateRequest{Title: "t", Actor: tt.createAs}).ID
			if tt.setup != nil {
				tt.setup(f, id)
			}
			before, _ := f.Ticket(id)
			err := p.Close(ctx, id, providers.CloseRequest{Remark: "问题已解决", Actor: tt.closeAs})
			closes := callsTo(f, "close_ticket")
			if len(closes) != tt.wantClose {
				t.Errorf("%d close_ticket calls, want %d", len(closes), tt.wantClose)
			}
			after, _ := f.Ticket(id)
			if tt.wantClose == 0 {
				if err == nil {
					t.Fatal("Close succeeded, want an error")
				}
				if after.Status != before.Status {
					t.Errorf("status changed from %d to %d", before.Status, after.Status)
				}
			} else {
				if err != nil {
					t.Fatalf("Close: %v", err)
				}
				if after.Status != 3 {
					t.Errorf("fake status = %d, want 3", after.Status)
				}
				wire := wireFields(closes[0])
				for k, v := range tt.wantWire {
					if wire[k] != v {
						t.Errorf("wire %s = %q, want %q", k, wire[k], v)
					}
				}
				return
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("err = %q, want it to contain %q", err, tt.wantText)
			}
			var ve *providers.VendorError
			if tt.wantCode != "" && (!errors.As(err, &ve) || ve.Code != tt.wantCode || ve.Temporary != tt.wantTemp) {
				t.Errorf("err = %v, want VendorError %s temporary %v", err, tt.wantCode, tt.wantTemp)
			}
		})
	}
}

func TestCloseTwice(t *testing.T) {
	p, f := newFakeProvider(t)
	id := mustCreate(t, p, providers.CreateRequest{Title: "t"}).ID
	if err := p.Close(context.Background(), id, providers.CloseRequest{}); err != nil {
		t.Fatal(err)
	}
	err := p.Close(context.Background(), id, providers.CloseRequest{})
	if !errors.Is(err, providers.ErrAlreadyClosed) {
		t.Errorf("second Close = %v, want ErrAlreadyClosed", err)
	}
	if n := len(callsTo(f, "close_ticket")); n != 1 {
		t.Errorf("%d close_ticket calls, want 1", n)
	}
	body := callsTo(f, "close_ticket")[0]
	if _, sent := body["detail"]; sent {
		t.Errorf("an empty remark was sent as detail: %v", body)
	}
}

// TestCloseVendorRefuses covers the ticket closing at Kingsoft between our base and our close:
// the vendor's own 23000 must reach the chat as a VendorError with its code and message.
func TestCloseVendorRefuses(t *testing.T) {
	var f *ksyuntest.Server
	var id string
	hc := &http.Client{Transport: hookPath{op: "close_ticket", before: func() { _ = f.SetStatus(id, 3) }, next: http.DefaultTransport}}
	p, fake := newFakeProvider(t, ksyun.WithHTTPClient(hc))
	f = fake
	id = mustCreate(t, p, providers.CreateRequest{Title: "t"}).ID
	err := p.Close(context.Background(), id, providers.CloseRequest{})
	var ve *providers.VendorError
	if !errors.As(err, &ve) || ve.Code != "23000" || ve.Message != "工单状态不允许关闭" || ve.Op != "close_ticket" || ve.Temporary {
		t.Fatalf("err = %v, want VendorError 23000 工单状态不允许关闭", err)
	}
	if errors.Is(err, providers.ErrAlreadyClosed) {
		t.Error("a vendor refusal must stay a VendorError")
	}
}

func TestNotes(t *testing.T) {
	p, f := newFakeProvider(t)
	ctx := context.Background()
	id := mustCreate(t, p, providers.CreateRequest{Title: "t"}).ID
	if err := p.Reply(ctx, id, providers.Reply{Text: "第一条"}); err != nil {
		t.Fatal(err)
	}
	if err := f.AddNote(id, "王工", "第二条"); err != nil {
		t.Fatal(err)
	}
	if err := p.Reply(ctx, id, providers.Reply{Text: "第三条"}); err != nil {
		t.Fatal(err)
	}
	notes, err := p.Notes(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := []providers.Note{
		{ID: "2", Author: "姜程", Official: false, Body: "第一条", At: fixedNow},
		{ID: "3", Author: "王工", Official: true, Body: "第二条", At: fixedNow},
		{ID: "4", Author: "姜程", Official: false, Body: "第三条", At: fixedNow},
	}
	if !slices.EqualFunc(notes, want, ksyun.NoteEqual) {
		t.Errorf("Notes =\n%+v\nwant\n%+v", notes, want)
	}
	tk, err := p.Get(ctx, id)
	if err != nil || tk.LatestNote == nil || !ksyun.NoteEqual(*tk.LatestNote, want[2]) {
		t.Errorf("LatestNote = %+v, %v; want the last note", tk.LatestNote, err)
	}
}

func TestList(t *testing.T) {
	p, f := newFakeProvider(t)
	ctx := context.Background()
	mustCreate(t, p, providers.CreateRequest{Title: "一"})
	mustCreate(t, p, providers.CreateRequest{Title: "二", Actor: providers.Actor{Name: "张三", VendorID: "40084"}})
	mustCreate(t, p, providers.CreateRequest{Title: "三", Priority: "urgent"})
	if err := f.SetStatus("1205", 2); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		req       ksyun.ListRequest
		wantIDs   []string
		wantTotal int64
	}{
		{"all, newest first", ksyun.ListRequest{}, []string{"1206", "1205", "1204"}, 3},
		{"by creator", ksyun.ListRequest{CreatorID: 40084}, []string{"1205"}, 1},
		{"by status", ksyun.ListRequest{Status: 2}, []string{"1205"}, 1},
		{"page 2", ksyun.ListRequest{Page: 2, PageSize: 2}, []string{"1204"}, 3},
		{"created window", ksyun.ListRequest{CreatedStart: fixedNow.Add(time.Hour)}, []string{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := p.List(ctx, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			ids := []string{}
			for _, tk := range got {
				ids = append(ids, tk.ID)
			}
			if !slices.Equal(ids, tt.wantIDs) || total != tt.wantTotal {
				t.Errorf("List = %v total %d, want %v total %d", ids, total, tt.wantIDs, tt.wantTotal)
			}
		})
	}
	all, _, _ := p.List(ctx, ksyun.ListRequest{})
	if all[0].Priority != "高" || all[0].PriorityLevel != "high" || all[1].Status != providers.StatusInProgress || all[1].RawStatus != "2" || all[2].Creator != "姜程" {
		t.Errorf("list mapping: %+v", all)
	}
	bodies := callsTo(f, "list_tickets")
	if wire := wireFields(bodies[1]); !mapsEqual(wire, map[string]string{"creator_id": "40084"}) {
		t.Errorf("list body = %v: zero filters must be left out", wire)
	}
}

func TestReject(t *testing.T) {
	p, f := newFakeProvider(t)
	ctx := context.Background()
	id := mustCreate(t, p, providers.CreateRequest{Title: "t"}).ID
	if err := p.RejectLine(ctx, id, 99, "x"); err == nil {
		t.Error("Reject of an unknown product line succeeded")
	}
	if err := p.RejectLine(ctx, id, 0, "非本产品线问题"); err != nil {
		t.Fatal(err)
	}
	bodies := callsTo(f, "reject_handle")
	want := map[string]string{"id": "1204", "detail": "非本产品线问题", "productGroupId": "36"}
	if got := wireFields(bodies[len(bodies)-1]); !mapsEqual(got, want) {
		t.Errorf("reject body = %v, want %v", got, want)
	}
	tk, err := p.Get(ctx, id)
	if err != nil || !tk.HasFlag(providers.FlagRejected) {
		t.Errorf("Get = %+v, %v; want the rejected flag", tk, err)
	}
}

func TestUpload(t *testing.T) {
	p, f := newFakeProvider(t)
	content := "2024-05-01 ERROR connection refused\n"
	got, err := p.Upload(context.Background(), "日志 \"a\".txt", strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	if got.FileName != "日志 \"a\".txt" || got.FileSize != int64(len(content)) || got.FileType != "text/plain; charset=utf-8" ||
		!strings.HasPrefix(got.FilePath, "workorder/appA/") {
		t.Errorf("Attachment = %+v", got)
	}
	calls := callsTo(f, "upload_file")
	if len(calls) != 1 || calls[0]["file_name"] != got.FileName {
		t.Errorf("upload calls = %v", calls)
	}
}

func TestConcurrentUse(t *testing.T) {
	p, f := newFakeProvider(t)
	const n = 16
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			tk, err := p.Create(context.Background(), providers.CreateRequest{Title: fmt.Sprint("t", i)})
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = tk.ID
			if err := p.Reply(context.Background(), tk.ID, providers.Reply{Text: "r"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	slices.Sort(ids)
	if got := slices.Compact(slices.Clone(ids)); len(got) != n || ids[0] != "1204" || ids[n-1] != "1219" {
		t.Errorf("ids = %v, want 1204…1219 each once", ids)
	}
	if len(f.Tickets()) != n {
		t.Errorf("%d tickets stored, want %d", len(f.Tickets()), n)
	}
}
