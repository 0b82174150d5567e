package weiban_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

const testSecret = "wb-s3cr3t-Value-9f2"

// newFakeProvider returns a provider talking to a fresh fake, with recorded sleeps and no
// jitter.
func newFakeProvider(t *testing.T, opts ...weiban.Option) (*weiban.Provider, *weibantest.Server, *weiban.SleepRecorder) {
	t.Helper()
	f := weibantest.New("corp-1", testSecret)
	t.Cleanup(f.Close)
	rec := &weiban.SleepRecorder{}
	p, err := weiban.New(f.Config(), append([]weiban.Option{weiban.WithSleep(rec.Sleep)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	p.NoJitter()
	return p, f, rec
}

// callsTo returns the calls made to one path.
func callsTo(f *weibantest.Server, path string) []weibantest.Call {
	var out []weibantest.Call
	for _, c := range f.Calls() {
		if c.Path == path {
			out = append(out, c)
		}
	}
	return out
}

func TestProviderBasics(t *testing.T) {
	p, _, _ := newFakeProvider(t)
	if p.Name() != "weiban" {
		t.Errorf("Name = %q", p.Name())
	}
	want := providers.Capabilities{Create: true, Reply: true, Close: true, Notes: true, Transfer: true, Search: true}
	if p.Capabilities() != want {
		t.Errorf("Capabilities = %+v", p.Capabilities())
	}
	if _, err := weiban.New(weiban.Config{}); err == nil || !strings.Contains(err.Error(), "providers.weiban.corp_id") {
		t.Errorf("New(empty) = %v", err)
	}
}

func TestCreate(t *testing.T) {
	ctx := context.Background()
	p, f, _ := newFakeProvider(t)
	tk, err := p.Create(ctx, providers.CreateRequest{
		Title: "数据库连接超时", Content: "生产库 10:00 起超时", Priority: "high",
		Actor: providers.Actor{Name: "张三"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if tk.ID == "" || tk.Title != "数据库连接超时" || tk.Status != providers.StatusOpen || tk.RawStatus != "10" ||
		tk.Handler != weibantest.AgentName || tk.CreatorID != weibantest.BotStaffID {
		t.Errorf("ticket = %+v", tk)
	}
	if !strings.HasPrefix(tk.Content, "张三：生产库 10:00 起超时\n") {
		t.Errorf("content = %q", tk.Content)
	}
	calls := callsTo(f, weiban.PathCreate)
	if len(calls) != 1 {
		t.Fatalf("create calls = %d", len(calls))
	}
	b := calls[0].Body
	if b["staff_id"] != weibantest.BotStaffID || b["handler_id"] != weibantest.AgentID || b["title"] != "数据库连接超时" ||
		str(b["template_id"]) != "62081" {
		t.Errorf("create body = %v", b)
	}
	if o, ok := f.Order(tk.ID); !ok || o.Text != "张三：生产库 10:00 起超时" {
		t.Errorf("stored = %+v", o)
	}

	// A mapped person acts as themselves, without a name prefix.
	tk2, err := p.Create(ctx, providers.CreateRequest{Title: "只有标题", Actor: providers.Actor{Name: "李娜", VendorID: weibantest.Agent2ID}})
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := f.Order(tk2.ID); o.CreatorID != weibantest.Agent2ID || o.Text != "只有标题" {
		t.Errorf("mapped create stored %+v", o)
	}

	if _, err := p.Create(ctx, providers.CreateRequest{Title: "  "}); err == nil {
		t.Error("empty title accepted")
	}
	// An unknown staff id is the vendor's 22304.
	_, err = p.Create(ctx, providers.CreateRequest{Title: "x", Actor: providers.Actor{VendorID: "nobody"}})
	var ve *providers.VendorError
	if !errors.As(err, &ve) || ve.Code != "22304" || ve.Provider != "weiban" || ve.Op != "create" {
		t.Errorf("unknown staff: %v", err)
	}
}

func TestReplyCloseNotes(t *testing.T) {
	ctx := context.Background()
	p, f, _ := newFakeProvider(t)
	tk, err := p.Create(ctx, providers.CreateRequest{Title: "t", Content: "c"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Reply(ctx, tk.ID, providers.Reply{Text: "请提供日志", Actor: providers.Actor{Name: "张三"}}); err != nil {
		t.Fatal(err)
	}
	b := callsTo(f, weiban.PathReply)[0].Body
	if b["order_no"] != tk.ID || b["staff_id"] != weibantest.BotStaffID || str(b["is_show"]) != "1" {
		t.Errorf("reply body = %v", b)
	}
	// Our own reply is not an official note.
	got, _ := p.Get(ctx, tk.ID)
	if got.LatestNote == nil || got.LatestNote.Body != "张三：请提供日志" || got.LatestNote.Official {
		t.Errorf("latest note after our reply = %+v", got.LatestNote)
	}
	// A staff member's reply is.
	if err := f.AddFlow(tk.ID, weibantest.AgentID, "已定位，正在修复"); err != nil {
		t.Fatal(err)
	}
	got, _ = p.Get(ctx, tk.ID)
	if got.LatestNote == nil || got.LatestNote.Body != "已定位，正在修复" || !got.LatestNote.Official || got.LatestNote.Author != weibantest.AgentName {
		t.Errorf("latest note after staff reply = %+v", got.LatestNote)
	}
	notes, err := p.Notes(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 4 || notes[3].Body != "已定位，正在修复" {
		t.Errorf("notes = %+v", notes)
	}

	if err := p.Close(ctx, tk.ID, providers.CloseRequest{Remark: "已解决"}); err != nil {
		t.Fatal(err)
	}
	// Status 30 is not mapped: the close flow decides (status-model §4.3 step 2).
	got, _ = p.Get(ctx, tk.ID)
	if got.Status != providers.StatusClosed || got.RawStatus != "30" {
		t.Errorf("after close: %s raw %s", got.Status, got.RawStatus)
	}
	err = p.Close(ctx, tk.ID, providers.CloseRequest{})
	if !errors.Is(err, providers.ErrAlreadyClosed) {
		t.Errorf("second close = %v", err)
	}
	var ve *providers.VendorError
	if err := p.Reply(ctx, tk.ID, providers.Reply{Text: "x"}); !errors.As(err, &ve) || ve.Code != "22307" {
		t.Errorf("reply to closed = %v", err)
	}

	if err := f.Reopen(tk.ID, weibantest.AgentID); err != nil {
		t.Fatal(err)
	}
	got, _ = p.Get(ctx, tk.ID)
	if got.Status != providers.StatusInProgress || !got.HasFlag(providers.FlagReopened) {
		t.Errorf("after reopen: %s %v", got.Status, got.Flags)
	}
	if err := p.Reply(ctx, tk.ID, providers.Reply{Text: " "}); err == nil {
		t.Error("empty reply accepted")
	}
}

func TestNotFound(t *testing.T) {
	ctx := context.Background()
	p, f, _ := newFakeProvider(t)
	check := func(what string, err error, wantCall bool) {
		t.Helper()
		if !errors.Is(err, providers.ErrNotFound) || !strings.Contains(err.Error(), "工单不存在") {
			t.Errorf("%s: %v, want ErrNotFound with 工单不存在", what, err)
		}
		var ve *providers.VendorError
		if wantCall && (!errors.As(err, &ve) || ve.Code != "22301") {
			t.Errorf("%s: %v should carry the vendor's 22301", what, err)
		}
	}
	_, err := p.Get(ctx, "999")
	check("get", err, true)
	_, err = p.Notes(ctx, "999")
	check("notes", err, true)
	check("reply", p.Reply(ctx, "999", providers.Reply{Text: "x"}), true)
	check("close", p.Close(ctx, "999", providers.CloseRequest{}), true)
	check("switch", p.Switch(ctx, "999", weibantest.AgentID), true)
	n := len(f.Calls())
	_, err = p.Get(ctx, "1/../2?x")
	check("bad id", err, false)
	_, err = p.Get(ctx, "")
	check("empty id", err, false)
	if len(f.Calls()) != n {
		t.Error("a malformed id was sent to Weiban")
	}
}

func TestListAndSwitch(t *testing.T) {
	ctx := context.Background()
	p, f, _ := newFakeProvider(t)
	for _, title := range []string{"甲", "乙", "丙"} {
		if _, err := p.Create(ctx, providers.CreateRequest{Title: title}); err != nil {
			t.Fatal(err)
		}
	}
	ts, total, err := p.List(ctx, weiban.ListRequest{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if total != 4 || len(ts) != 2 || ts[0].Title != "丙" || ts[0].Status != providers.StatusOpen {
		t.Errorf("list = %d %+v", total, ts)
	}
	ts, total, _ = p.List(ctx, weiban.ListRequest{Title: "乙", Start: time.Unix(0, 0), End: time.Now().Add(time.Hour)})
	if total != 1 || len(ts) != 1 || ts[0].Title != "乙" {
		t.Errorf("filtered list = %d %+v", total, ts)
	}
	q := callsTo(f, weiban.PathList)[1].Query
	if q.Get("title") != "乙" || q.Get("start_time") != "0" || q.Get("end_time") == "" {
		t.Errorf("list query = %v", q)
	}
	for _, bad := range []weiban.ListRequest{{Limit: 101}, {Offset: -1}, {Start: time.Now()}} {
		if _, _, err := p.List(ctx, bad); err == nil {
			t.Errorf("List(%+v) accepted", bad)
		}
	}

	id := ts[0].ID
	if err := p.SwitchWithRemark(ctx, id, weibantest.Agent2ID, strings.Repeat("长", 700)); err != nil {
		t.Fatal(err)
	}
	b := callsTo(f, weiban.PathSwitch)[0].Body
	if b["handler_id"] != weibantest.Agent2ID || b["staff_id"] != weibantest.BotStaffID {
		t.Errorf("switch body = %v", b)
	}
	got, _ := p.Get(ctx, id)
	if got.Handler != weibantest.Agent2Name || got.Status != providers.StatusInProgress {
		t.Errorf("after switch: handler %q status %s", got.Handler, got.Status)
	}
	var ve *providers.VendorError
	if err := p.Switch(ctx, id, "nobody"); !errors.As(err, &ve) || ve.Code != "22302" {
		t.Errorf("switch to unknown handler = %v", err)
	}
	if err := p.Switch(ctx, id, " "); err == nil {
		t.Error("empty handler accepted")
	}
}

func TestUnknownStatusLoggedOnce(t *testing.T) {
	logger, buf := captureLogs()
	p, f, _ := newFakeProvider(t, weiban.WithLogger(logger))
	ctx := context.Background()
	// A status nobody mapped, and flows that say nothing (the doc order's flows say 新建).
	tk, _ := p.Create(ctx, providers.CreateRequest{Title: "t"})
	_ = f.SetStatus(tk.ID, 77)
	_ = f.Update(tk.ID, func(o map[string]any, _ int64) { o["processing_flows"] = []any{} })
	for range 3 {
		got, err := p.Get(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != providers.StatusUnknown || got.RawStatus != "77" {
			t.Errorf("status = %s raw %s", got.Status, got.RawStatus)
		}
	}
	if n := strings.Count(buf.String(), "unmapped work-order status"); n != 2 { // JSON + text handler
		t.Errorf("unmapped status logged %d times, want once per handler:\n%s", n, buf.String())
	}

	// Mapped through the config, it reads as configured.
	cfg := f.Config()
	cfg.StatusMap = map[string]string{"77": "waiting_on_us"}
	p2, err := weiban.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := p2.Get(ctx, tk.ID); got.Status != providers.StatusWaitingOnUs {
		t.Errorf("mapped status = %s", got.Status)
	}
}

// str renders a raw JSON field as text.
func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}
