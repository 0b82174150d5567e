package aliyun_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/aliyun/aliyuntest"
)

const testSecret = "s3cr3t-Value-9f2"

// sleeps records the waits between retries instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.d)
}

// newFakeProvider returns a provider talking to a fresh fake, both on the fixed clock, with
// retries that do not wait. change edits the configuration (nil for none).
func newFakeProvider(t *testing.T, change func(*aliyun.Config), opts ...aliyun.Option) (*aliyun.Provider, *aliyuntest.Server) {
	t.Helper()
	f := aliyuntest.New("testid", testSecret)
	t.Cleanup(f.Close)
	f.SetClock(aliyun.FixedClock)
	cfg := f.Config()
	if change != nil {
		change(&cfg)
	}
	if cfg.ParamNames != aliyun.DefaultParamNames {
		if err := f.SetParamNames(cfg.ParamNames); err != nil {
			t.Fatal(err)
		}
	}
	s := &sleeps{}
	p, err := aliyun.New(cfg, append([]aliyun.Option{aliyun.WithClock(aliyun.FixedClock), aliyun.WithSleep(s.sleep)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return p, f
}

func mustCreate(t *testing.T, p *aliyun.Provider, r providers.CreateRequest) providers.Ticket {
	t.Helper()
	tk, err := p.Create(context.Background(), r)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return tk
}

// common are the common parameters of every call (reference §2.3).
var common = map[string]bool{
	"Action": true, "Version": true, "Format": true, "AccessKeyId": true, "SignatureMethod": true,
	"SignatureVersion": true, "SignatureNonce": true, "Timestamp": true, "Signature": true,
	"SecurityToken": true, "RegionId": true,
}

// params renders a call's parameters without the common ones, for comparison.
func params(c aliyuntest.Call) map[string]string {
	out := map[string]string{}
	for k := range c.Params {
		if !common[k] {
			out[k] = c.Params.Get(k)
		}
	}
	return out
}

// seed stores n tickets directly in the fake, for tests that need many.
func seed(f *aliyuntest.Server, n int) []string {
	ids := make([]string, 0, n)
	for i := range n {
		ids = append(ids, f.Put(aliyuntest.Ticket{Version: aliyun.Version2016, Title: fmt.Sprint("t", i), Content: "c", ProductID: aliyuntest.ProductID, AliUID: aliyuntest.AliUID}))
	}
	return ids
}

func TestProviderBasics(t *testing.T) {
	p, _ := newFakeProvider(t, nil)
	if p.Name() != "aliyun" || p.APIVersion() != aliyun.Version2016 {
		t.Errorf("Name, APIVersion = %q, %q", p.Name(), p.APIVersion())
	}
	if want := (providers.Capabilities{Create: true, Reply: true, Notes: true, BatchOmitsNotes: true}); p.Capabilities() != want {
		t.Errorf("2016 Capabilities = %+v, want %+v", p.Capabilities(), want)
	}
	p21, _ := newFakeProvider(t, func(c *aliyun.Config) { c.APIVersion = aliyun.Version2021 })
	if want := (providers.Capabilities{Create: true, Reply: true, Close: true, Reopen: true, Notes: true, BatchOmitsNotes: true, Search: true}); p21.Capabilities() != want {
		t.Errorf("2021 Capabilities = %+v, want %+v", p21.Capabilities(), want)
	}
}

func TestCreate(t *testing.T) {
	long := "数据库连接超时，应用日志显示连接池耗尽，请协助排查 RDS 实例 rm-bp1 的连接数上限。"
	tests := []struct {
		name      string
		change    func(*aliyun.Config)
		req       providers.CreateRequest
		opts      aliyun.CreateOptions
		want      map[string]string // every non-common parameter on the wire
		wantTitle string
	}{
		{"title and content", nil, providers.CreateRequest{Title: "ECS 无法登录", Content: "SSH 超时"}, aliyun.CreateOptions{},
			map[string]string{"title": "ECS 无法登录", "content": "SSH 超时", "aliUid": "1234567890123456", "productId": "1273"}, "ECS 无法登录"},
		{"title defaults to 30 characters of content", nil, providers.CreateRequest{Content: long}, aliyun.CreateOptions{},
			map[string]string{"title": "数据库连接超时，应用日志显示连接池耗尽，请协助排查 RDS", "content": long, "aliUid": "1234567890123456", "productId": "1273"},
			"数据库连接超时，应用日志显示连接池耗尽，请协助排查 RDS"},
		{"content defaults to the title", nil, providers.CreateRequest{Title: " 只有标题 "}, aliyun.CreateOptions{},
			map[string]string{"title": "只有标题", "content": "只有标题", "aliUid": "1234567890123456", "productId": "1273"}, "只有标题"},
		{"contact and common question from config", func(c *aliyun.Config) {
			c.Phone, c.Email, c.SMSAlertTime, c.CustomerCommonQuestionID = "13800000000", "ops@example.com", "normal", 77
		}, providers.CreateRequest{Title: "t", Content: "c", Priority: "urgent", Type: "incident"}, aliyun.CreateOptions{},
			map[string]string{"title": "t", "content": "c", "aliUid": "1234567890123456", "productId": "1273",
				"customerCommonQuestionId": "77", "phone": "13800000000", "email": "ops@example.com", "smsAlertTime": "normal"}, "t"},
		{"options replace the configured product", func(c *aliyun.Config) { c.CustomerCommonQuestionID = 77 },
			providers.CreateRequest{Title: "t", Content: "c"}, aliyun.CreateOptions{ProductID: 1301},
			map[string]string{"title": "t", "content": "c", "aliUid": "1234567890123456", "productId": "1301"}, "t"},
		{"confidential content is secContent", nil, providers.CreateRequest{Title: "t", Content: "c"},
			aliyun.CreateOptions{SecretContent: "root 密码 Passw0rd!"},
			map[string]string{"title": "t", "content": "c", "aliUid": "1234567890123456", "productId": "1273", "secContent": "root 密码 Passw0rd!"}, "t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, f := newFakeProvider(t, tt.change)
			got, err := p.CreateWith(context.Background(), tt.req, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			adds := f.CallsTo("add")
			if len(adds) != 1 {
				t.Fatalf("%d add calls, want 1", len(adds))
			}
			if wire := params(adds[0]); !equalMaps(wire, tt.want) {
				t.Errorf("add parameters =\n%v\nwant\n%v", wire, tt.want)
			}
			if adds[0].Method != http.MethodPost || adds[0].Version != "2016-08-30" {
				t.Errorf("call = %s version %s", adds[0].Method, adds[0].Version)
			}
			if got.ID != "00001FK" || got.Provider != "aliyun" || got.Status != providers.StatusOpen || got.RawStatus != "assigned" ||
				got.RawLabel != "已分派" || got.Title != tt.wantTitle || got.Content != tt.want["content"] || !got.CreatedAt.Equal(aliyun.FixedNow) ||
				got.CreatorID != "1234567890123456" {
				t.Errorf("ticket = %+v", got)
			}
			// The description is the conversation's first entry, not a reply: a new ticket has no
			// latest note, unless confidential content followed it.
			switch {
			case tt.opts.SecretContent == "" && got.LatestNote != nil:
				t.Errorf("LatestNote = %+v, want none (the description is no reply)", got.LatestNote)
			case tt.opts.SecretContent != "" && (got.LatestNote == nil || got.LatestNote.Body != aliyun.SecretPlaceholder):
				t.Errorf("LatestNote = %+v, want the confidential note's placeholder", got.LatestNote)
			}
			ft, ok := f.Ticket(got.ID)
			if !ok || ft.Content != tt.want["content"] {
				t.Errorf("fake ticket = %+v", ft)
			}
		})
	}
}

func equalMaps(a, b map[string]string) bool {
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

func TestCreateRejectsBadInput(t *testing.T) {
	tests := []struct {
		name string
		req  providers.CreateRequest
		opts aliyun.CreateOptions
		want string
	}{
		{"empty", providers.CreateRequest{Title: " ", Content: "\n"}, aliyun.CreateOptions{}, "title and content are empty"},
		{"bad priority", providers.CreateRequest{Title: "t", Priority: "p0"}, aliyun.CreateOptions{}, `unknown priority "p0"`},
		{"bad type", providers.CreateRequest{Title: "t", Type: "bug"}, aliyun.CreateOptions{}, `unknown ticket type "bug"`},
		{"four attachments", providers.CreateRequest{Title: "t"}, aliyun.CreateOptions{Attachments: make([]aliyun.Attachment, 4)}, "at most 3"},
		{"attachment without key", providers.CreateRequest{Title: "t"}, aliyun.CreateOptions{Attachments: []aliyun.Attachment{{Name: "a"}}}, "no usable key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, f := newFakeProvider(t, nil)
			_, err := p.CreateWith(context.Background(), tt.req, tt.opts)
			if err == nil || !strings.HasPrefix(err.Error(), "aliyun: create ticket: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
			if n := len(f.Calls()); n != 0 {
				t.Errorf("%d calls made for an invalid create", n)
			}
		})
	}
}

func TestCreateIsNeverRetried(t *testing.T) {
	for _, fail := range []func(f *aliyuntest.Server){
		func(f *aliyuntest.Server) { f.FailNext(1, aliyuntest.ErrBusy, "SYSTEM_BUSY") },
		func(f *aliyuntest.Server) { f.FailHTTP(1, http.StatusServiceUnavailable) },
	} {
		p, f := newFakeProvider(t, nil)
		fail(f)
		_, err := p.Create(context.Background(), providers.CreateRequest{Title: "t"})
		var ve *providers.VendorError
		if !errors.As(err, &ve) || !ve.Temporary || ve.Op != "add" {
			t.Fatalf("err = %v, want a temporary VendorError of add", err)
		}
		if n := len(f.CallsTo("add")); n != 1 {
			t.Errorf("%d add calls, want 1: a create is never retried", n)
		}
		if len(f.Tickets()) != 0 {
			t.Error("a ticket was stored")
		}
	}
}

// failAction answers 502 for every RPC of one action and forwards everything else.
type failAction struct {
	action string
	next   http.RoundTripper
}

func (fa failAction) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		if q, _ := url.ParseQuery(string(b)); q.Get("Action") == fa.action {
			return &http.Response{StatusCode: http.StatusBadGateway, Status: "502 Bad Gateway", Header: http.Header{},
				Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
		}
	}
	return fa.next.RoundTrip(r)
}

func failActionClient(action string) *http.Client {
	return &http.Client{Transport: failAction{action: action, next: http.DefaultTransport}}
}

func TestCreateSucceedsWhenReadBackFails(t *testing.T) {
	p, f := newFakeProvider(t, nil, aliyun.WithHTTPClient(failActionClient("QuestionList")))
	got, err := p.Create(context.Background(), providers.CreateRequest{Title: "t", Content: "c", Actor: providers.Actor{Name: "张三"}})
	if err != nil {
		t.Fatalf("Create reported failure although the ticket exists: %v", err)
	}
	if got.ID != "00001FK" || got.Status != providers.StatusOpen || got.RawStatus != "assigned" || got.Title != "t" ||
		got.Content != "c" || got.Creator != "张三" || !got.CreatedAt.Equal(aliyun.FixedNow) {
		t.Errorf("ticket = %+v", got)
	}
	if len(f.CallsTo("add")) != 1 || len(f.Tickets()) != 1 {
		t.Error("want exactly one add")
	}
}

// TestCreate2021SaysWhatWasFiledWhenReadBackFails: the ticket made up from the request carries
// the severity really filed (high is filed as 紧急).
func TestCreate2021SaysWhatWasFiledWhenReadBackFails(t *testing.T) {
	p, f := newFakeProvider(t, func(c *aliyun.Config) { c.APIVersion = aliyun.Version2021 }, aliyun.WithHTTPClient(failActionClient("GetTicket")))
	got, err := p.Create(context.Background(), providers.CreateRequest{Title: "t", Content: "c", Priority: "high"})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if got.Priority != "紧急" || got.PriorityLevel != "urgent" || got.RawStatus != "1" {
		t.Errorf("ticket = %+v", got)
	}
	if ft := f.Tickets(); len(ft) != 1 || ft[0].Severity != 2 {
		t.Errorf("the fake holds %+v, want one ticket of Severity 2", ft)
	}
}

func TestActionNames(t *testing.T) {
	p, f := newFakeProvider(t, func(c *aliyun.Config) { c.ActionNames = map[string]string{"create": "Add"} })
	mustCreate(t, p, providers.CreateRequest{Title: "t"})
	if len(f.CallsTo("Add")) != 1 || len(f.CallsTo("add")) != 0 {
		t.Errorf("calls = %v", f.Calls())
	}

	p, _ = newFakeProvider(t, func(c *aliyun.Config) { c.ActionNames = map[string]string{"create": "CreateQuestion"} })
	_, err := p.Create(context.Background(), providers.CreateRequest{Title: "t"})
	var ve *providers.VendorError
	if !errors.As(err, &ve) || ve.Code != "InvalidAction.NotFound" || ve.Temporary {
		t.Errorf("err = %v, want InvalidAction.NotFound", err)
	}
}

func TestGetFollowsTheVendor(t *testing.T) {
	p, f := newFakeProvider(t, nil)
	id := mustCreate(t, p, providers.CreateRequest{Title: "t", Content: "c"}).ID
	steps := []struct {
		raw       string
		note      string
		want      providers.Status
		wantFlags []providers.Flag
		wantLabel string
	}{
		{"dealing", "", providers.StatusInProgress, nil, "处理中"},
		{"wait_feedback", "请提供实例 ID", providers.StatusWaitingOnUs, nil, "待反馈"},
		{"feedback", "", providers.StatusInProgress, []providers.Flag{providers.FlagCustomerReplied}, "已反馈"},
		{"wait_confirm", "已处理，请确认", providers.StatusPendingConfirm, nil, "待确认"},
		{"confirmed", "", providers.StatusClosed, nil, "已确认"},
		{"score", "", providers.StatusClosed, []providers.Flag{providers.FlagRated}, "已评价"},
		{"wait-feedback", "", providers.StatusWaitingOnUs, nil, "待反馈"},
		{"reopened_by_magic", "", providers.StatusUnknown, nil, ""},
	}
	lastNote := "" // the description ("c") is no reply
	for _, s := range steps {
		t.Run(s.raw, func(t *testing.T) {
			if err := f.SetStatus(id, s.raw); err != nil {
				t.Fatal(err)
			}
			if s.note != "" {
				if err := f.AddOfficialNote(id, s.note); err != nil {
					t.Fatal(err)
				}
				lastNote = s.note
			}
			got, err := p.Get(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != s.want || got.RawStatus != s.raw || got.RawLabel != s.wantLabel || !slices.Equal(got.Flags, s.wantFlags) {
				t.Errorf("Get = %s raw %q label %q flags %v; want %s %q %v", got.Status, got.RawStatus, got.RawLabel, got.Flags,
					s.want, s.wantLabel, s.wantFlags)
			}
			switch {
			case lastNote == "" && got.LatestNote != nil:
				t.Errorf("LatestNote = %+v, want none: only the description was written", got.LatestNote)
			case lastNote != "" && (got.LatestNote == nil || got.LatestNote.Body != lastNote || !got.LatestNote.Official):
				t.Errorf("LatestNote = %+v, want %q", got.LatestNote, lastNote)
			}
		})
	}
}

func TestGetManyBatches(t *testing.T) {
	p, f := newFakeProvider(t, nil)
	ids := seed(f, 500)
	if err := f.SetStatus(ids[7], "wait_feedback"); err != nil {
		t.Fatal(err)
	}
	got, err := p.GetMany(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	lists := f.CallsTo("QuestionList")
	if len(lists) > 5 {
		t.Errorf("%d QuestionList calls for 500 ids, want at most ⌈500/100⌉ = 5", len(lists))
	}
	for _, c := range lists {
		n := len(strings.Split(c.Params.Get("Ids"), ","))
		if n > 100 || c.Params.Get("PageSize") != "100" {
			t.Errorf("a call asked for %d ids with PageSize %s", n, c.Params.Get("PageSize"))
		}
	}
	if len(got) != 500 {
		t.Fatalf("%d tickets, want 500", len(got))
	}
	for i, tk := range got {
		if tk.ID != ids[i] {
			t.Fatalf("ticket %d = %s, want %s: the order asked", i, tk.ID, ids[i])
		}
	}
	if got[7].Status != providers.StatusWaitingOnUs || got[8].Status != providers.StatusOpen || got[8].Title != "t8" {
		t.Errorf("mapping: %+v %+v", got[7], got[8])
	}
	if len(f.CallsTo("QuestionListNote")) != 0 {
		t.Error("GetMany read notes")
	}
}

func TestGetManySkipsUnknownAndMalformed(t *testing.T) {
	p, f := newFakeProvider(t, nil)
	ids := seed(f, 3)
	got, err := p.GetMany(context.Background(), []string{"99999FK", ids[2], ids[0], "", "a,b", " " + ids[2] + " ", ids[1]})
	if err != nil {
		t.Fatal(err)
	}
	var gotIDs []string
	for _, tk := range got {
		gotIDs = append(gotIDs, tk.ID)
	}
	if want := []string{ids[2], ids[0], ids[1]}; !slices.Equal(gotIDs, want) {
		t.Errorf("GetMany = %v, want %v", gotIDs, want)
	}
	lists := f.CallsTo("QuestionList")
	if len(lists) != 1 || lists[0].Params.Get("Ids") != "99999FK,"+ids[2]+","+ids[0]+","+ids[1] {
		t.Errorf("QuestionList calls = %v", lists)
	}
}

func TestGetManyEmpty(t *testing.T) {
	p, f := newFakeProvider(t, nil)
	got, err := p.GetMany(context.Background(), nil)
	if err != nil || len(got) != 0 || len(f.Calls()) != 0 {
		t.Errorf("GetMany(nil) = %v, %v with %d calls", got, err, len(f.Calls()))
	}
}

func TestReplySpellings(t *testing.T) {
	tests := []struct {
		spelling string
		want     map[string]string
	}{
		{"sdk", map[string]string{"QuestionId": "00001FK", "QuestionContent": "张三：请看附件日志\n谢谢"}},
		{"doc", map[string]string{"questionId": "00001FK", "questionContent": "张三：请看附件日志\n谢谢"}},
	}
	for _, tt := range tests {
		t.Run(tt.spelling, func(t *testing.T) {
			p, f := newFakeProvider(t, func(c *aliyun.Config) { c.ParamNames = tt.spelling })
			id := mustCreate(t, p, providers.CreateRequest{Title: "t"}).ID
			if err := f.SetStatus(id, "wait_feedback"); err != nil {
				t.Fatal(err)
			}
			err := p.Reply(context.Background(), id, providers.Reply{Text: "请看附件日志\n谢谢", Actor: providers.Actor{Name: "张三"}})
			if err != nil {
				t.Fatal(err)
			}
			calls := f.CallsTo("QuestionReply")
			if len(calls) != 1 {
				t.Fatalf("%d QuestionReply calls", len(calls))
			}
			if wire := params(calls[0]); !equalMaps(wire, tt.want) {
				t.Errorf("QuestionReply parameters = %v, want %v", wire, tt.want)
			}
			got, err := p.Get(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != providers.StatusInProgress || !got.HasFlag(providers.FlagCustomerReplied) ||
				got.LatestNote == nil || got.LatestNote.Body != "张三：请看附件日志\n谢谢" || got.LatestNote.Official {
				t.Errorf("after the reply: %+v, latest %+v", got, got.LatestNote)
			}
			// The notes and list calls use the same spelling.
			if n := f.CallsTo("QuestionListNote"); len(n) == 0 || n[0].Params.Get(aliyun.LegacySpellings[tt.spelling].QuestionID) != id {
				t.Errorf("QuestionListNote calls = %v", n)
			}
		})
	}
}

func TestReplyRejectsBadInput(t *testing.T) {
	p, f := newFakeProvider(t, nil)
	id := mustCreate(t, p, providers.CreateRequest{Title: "t"}).ID
	before := len(f.Calls())
	for _, r := range []struct {
		reply providers.Reply
		opts  aliyun.ReplyOptions
		want  string
	}{
		{providers.Reply{Text: " \n"}, aliyun.ReplyOptions{}, "reply text is empty"},
		{providers.Reply{}, aliyun.ReplyOptions{Attachments: []aliyun.Attachment{{Key: "k"}}}, "reply text is empty"},
		{providers.Reply{Text: "x"}, aliyun.ReplyOptions{Attachments: make([]aliyun.Attachment, 4)}, "at most 3"},
	} {
		err := p.ReplyWith(context.Background(), id, r.reply, r.opts)
		if err == nil || !strings.Contains(err.Error(), "aliyun: reply to ticket 00001FK: ") || !strings.Contains(err.Error(), r.want) {
			t.Errorf("err = %v, want %q", err, r.want)
		}
	}
	if len(f.Calls()) != before {
		t.Error("an invalid reply was sent")
	}
}

func TestReplyIsNeverRetried(t *testing.T) {
	p, f := newFakeProvider(t, nil)
	id := mustCreate(t, p, providers.CreateRequest{Title: "t"}).ID
	f.FailNext(1, aliyuntest.ErrBusy, "SYSTEM_BUSY")
	err := p.Reply(context.Background(), id, providers.Reply{Text: "x"})
	var ve *providers.VendorError
	if !errors.As(err, &ve) || ve.Code != "-153" || ve.Message != "SYSTEM_BUSY" || !ve.Temporary {
		t.Fatalf("err = %v", err)
	}
	if n := len(f.CallsTo("QuestionReply")); n != 1 {
		t.Errorf("%d QuestionReply calls, want 1", n)
	}
}

func TestReplySecret(t *testing.T) {
	const secret = "数据库密码 P@ss w0rd*~"
	p, f := newFakeProvider(t, nil)
	id := mustCreate(t, p, providers.CreateRequest{Title: "t", Content: "c"}).ID
	if err := p.ReplySecret(context.Background(), id, secret, providers.Actor{Name: "张三"}); err != nil {
		t.Fatal(err)
	}
	calls := f.CallsTo("QuestionReply")
	if wire := params(calls[0]); !equalMaps(wire, map[string]string{"QuestionId": id, "QuestionSecContent": secret}) {
		t.Errorf("QuestionReply parameters = %v: the secret goes alone, unattributed, as QuestionSecContent", wire)
	}
	notes, err := p.Notes(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 2 || notes[1].Body != aliyun.SecretPlaceholder {
		t.Errorf("Notes = %+v, want the secret hidden", notes)
	}
	details, err := p.NoteDetails(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(details) != 2 || !details[1].Secret || details[1].Kind != "sec_chat" || details[1].Body != secret || details[0].Secret {
		t.Errorf("NoteDetails = %+v", details)
	}
	tk, err := p.Get(context.Background(), id)
	if err != nil || tk.LatestNote == nil || tk.LatestNote.Body != aliyun.SecretPlaceholder {
		t.Errorf("Get LatestNote = %+v, %v", tk.LatestNote, err)
	}
}

func TestNotes(t *testing.T) {
	p, f := newFakeProvider(t, nil)
	ctx := context.Background()
	id := mustCreate(t, p, providers.CreateRequest{Title: "t", Content: "第一条"}).ID
	at := []time.Time{aliyun.FixedNow, aliyun.FixedNow.Add(time.Minute), aliyun.FixedNow.Add(2 * time.Minute)}
	f.SetClock(func() time.Time { return at[1] })
	if err := f.AddOfficialNote(id, "第二条", aliyuntest.File{Name: "diag.log", Data: []byte("log")}); err != nil {
		t.Fatal(err)
	}
	f.SetClock(func() time.Time { return at[2] })
	if err := p.Reply(ctx, id, providers.Reply{Text: "第三条"}); err != nil {
		t.Fatal(err)
	}
	if err := f.AddOfficialNote(id, "第四条"); err != nil {
		t.Fatal(err)
	}
	ds, err := p.NoteDetails(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	ms := func(i int) int64 { return at[i].UnixMilli() }
	want := []providers.Note{
		{ID: fmt.Sprintf("%d-0", ms(0)), Author: aliyun.AuthorUser, Official: false, Body: "第一条", At: at[0]},
		{ID: fmt.Sprintf("%d-0", ms(1)), Author: aliyun.AuthorOfficial, Official: true, Body: "第二条", At: at[1]},
		{ID: fmt.Sprintf("%d-0", ms(2)), Author: aliyun.AuthorUser, Official: false, Body: "第三条", At: at[2]},
		{ID: fmt.Sprintf("%d-1", ms(2)), Author: aliyun.AuthorOfficial, Official: true, Body: "第四条", At: at[2]},
	}
	var got []providers.Note
	for _, d := range ds {
		got = append(got, d.Note)
	}
	if !slices.EqualFunc(got, want, aliyun.NoteEqual) {
		t.Errorf("notes =\n%+v\nwant\n%+v", got, want)
	}
	if len(ds[1].AttachIDs) != 1 || ds[0].AttachIDs != nil || ds[1].Kind != "chat" {
		t.Errorf("details = %+v", ds)
	}
	link, err := p.AttachmentURL(ctx, ds[1].AttachIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	if body := download(t, link); body != "log" {
		t.Errorf("attachment = %q", body)
	}
	if c := f.CallsTo("getAttachTempURL"); len(c) != 1 || !equalMaps(params(c[0]), map[string]string{"attachId": ds[1].AttachIDs[0]}) {
		t.Errorf("getAttachTempURL calls = %v", c)
	}
}

func download(t *testing.T, link string) string {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET attachment: HTTP %d %s", resp.StatusCode, b)
	}
	return string(b)
}

func TestClose2016IsUnsupported(t *testing.T) {
	p, f := newFakeProvider(t, nil)
	err := p.Close(context.Background(), "00001FK", providers.CloseRequest{Remark: "x"})
	var ue *providers.UnsupportedError
	if !errors.Is(err, providers.ErrUnsupported) || !errors.As(err, &ue) || ue.Op != "close" ||
		ue.Reason != `阿里云工单 API 2016-08-30 没有关闭工单的接口。请在阿里云控制台关闭，或让管理员在配置中设置 api_version = "2021-06-10"。` ||
		!strings.Contains(ue.ReasonEN, `api_version = "2021-06-10"`) {
		t.Errorf("err = %v, want an UnsupportedError saying why and what to do", err)
	}
	if len(f.Calls()) != 0 {
		t.Error("Close made a call")
	}
}

func TestNotFound(t *testing.T) {
	for _, version := range []string{aliyun.Version2016, aliyun.Version2021} {
		p, f := newFakeProvider(t, func(c *aliyun.Config) { c.APIVersion = version })
		ctx := context.Background()
		ops := map[string]func(id string) error{
			"get":     func(id string) error { _, err := p.Get(ctx, id); return err },
			"notes":   func(id string) error { _, err := p.Notes(ctx, id); return err },
			"details": func(id string) error { _, err := p.NoteDetails(ctx, id); return err },
			"reply":   func(id string) error { return p.Reply(ctx, id, providers.Reply{Text: "x"}) },
			"secret":  func(id string) error { return p.ReplySecret(ctx, id, "x", providers.Actor{}) },
		}
		if version == aliyun.Version2021 {
			ops["close"] = func(id string) error { return p.Close(ctx, id, providers.CloseRequest{}) }
		}
		for name, op := range ops {
			for _, id := range []string{"99999FK", "a,b", "", "../x"} {
				t.Run(version+"/"+name+"/"+id, func(t *testing.T) {
					before := len(f.Calls())
					err := op(id)
					if !errors.Is(err, providers.ErrNotFound) {
						t.Fatalf("err = %v, want ErrNotFound", err)
					}
					if !strings.HasPrefix(err.Error(), "aliyun: ") || !strings.Contains(err.Error(), id) {
						t.Errorf("error %q does not name the ticket", err)
					}
					if id != "99999FK" && len(f.Calls()) != before {
						t.Errorf("a call was made for the impossible id %q", id)
					}
				})
			}
		}
	}
}

func TestList2016(t *testing.T) {
	p, f := newFakeProvider(t, nil)
	ctx := context.Background()
	ids := seed(f, 3)
	if err := f.SetStatus(ids[1], "wait_feedback"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		req       aliyun.ListRequest
		wantWire  map[string]string
		wantIDs   []string
		wantTotal int64
	}{
		{"everything, newest first", aliyun.ListRequest{}, map[string]string{}, []string{ids[2], ids[1], ids[0]}, 3},
		{"by status label", aliyun.ListRequest{Statuses: []string{"待反馈", "5"}},
			map[string]string{"QuestionStatus": "wait_feedback,wait_confirm"}, []string{ids[1]}, 1},
		{"by ids and product", aliyun.ListRequest{IDs: []string{ids[0], " " + ids[2] + " "}, ProductIDs: []int64{aliyuntest.ProductID, 9}},
			map[string]string{"Ids": ids[0] + "," + ids[2], "ProductIds": "1273,9"}, []string{ids[2], ids[0]}, 2},
		{"page 2 of 20", aliyun.ListRequest{Page: 2, PageSize: 20}, map[string]string{"PageSize": "20", "PageStart": "20"}, []string{}, 3},
		{"time window", aliyun.ListRequest{From: aliyun.FixedNow.Add(-time.Hour), To: aliyun.FixedNow.Add(time.Hour)},
			map[string]string{"AddStartTime": "1704092400000", "AddEndTime": "1704099600000"}, []string{ids[2], ids[1], ids[0]}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.CallsTo("QuestionList"))
			got, total, err := p.List(ctx, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			gotIDs := []string{}
			for _, tk := range got {
				gotIDs = append(gotIDs, tk.ID)
			}
			if !slices.Equal(gotIDs, tt.wantIDs) || total != tt.wantTotal {
				t.Errorf("List = %v total %d, want %v total %d", gotIDs, total, tt.wantIDs, tt.wantTotal)
			}
			if wire := params(f.CallsTo("QuestionList")[before]); !equalMaps(wire, tt.wantWire) {
				t.Errorf("QuestionList parameters = %v, want %v", wire, tt.wantWire)
			}
		})
	}
	for _, bad := range []aliyun.ListRequest{
		{PageSize: 10}, {PageSize: 101}, {IDs: make([]string, 201)}, {ProductIDs: make([]int64, 101)},
		{Statuses: []string{"lost"}}, {Keyword: "x"}, {Page: -1}, {IDs: []string{"a b"}},
	} {
		if _, _, err := p.List(ctx, bad); err == nil || !strings.HasPrefix(err.Error(), "aliyun: list tickets: ") {
			t.Errorf("List(%+v) = %v, want an error", bad, err)
		}
	}
}

func TestRetryOfReads(t *testing.T) {
	ctx := context.Background()
	t.Run("busy twice, then success", func(t *testing.T) {
		s := &sleeps{}
		p, f := newFakeProvider(t, nil, aliyun.WithSleep(s.sleep))
		ids := seed(f, 2)
		f.FailNext(2, aliyuntest.ErrBusy, "SYSTEM_BUSY")
		got, err := p.GetMany(ctx, ids)
		if err != nil || len(got) != 2 {
			t.Fatalf("GetMany = %v, %v", got, err)
		}
		if n := len(f.CallsTo("QuestionList")); n != 3 {
			t.Errorf("%d QuestionList calls, want 3", n)
		}
		d := s.got()
		if len(d) != 2 || d[0] < 100*time.Millisecond || d[0] > 200*time.Millisecond ||
			d[1] < 200*time.Millisecond || d[1] > 400*time.Millisecond {
			t.Errorf("waits = %v, want 100ms·2^n plus up to as much again", d)
		}
		nonces := map[string]bool{}
		for _, c := range f.CallsTo("QuestionList") {
			nonces[c.Params.Get("SignatureNonce")] = true
		}
		if len(nonces) != 3 {
			t.Error("a retry reused its SignatureNonce")
		}
	})
	t.Run("gives up after 3 attempts", func(t *testing.T) {
		p, f := newFakeProvider(t, nil)
		f.FailHTTP(3, http.StatusServiceUnavailable)
		_, err := p.Get(ctx, "00001FK")
		var ve *providers.VendorError
		if !errors.As(err, &ve) || ve.Code != "HTTP 503" || !ve.Temporary {
			t.Fatalf("err = %v", err)
		}
		if n := len(f.CallsTo("QuestionList")); n != 3 {
			t.Errorf("%d calls, want 3", n)
		}
	})
	t.Run("no retry of a permanent error", func(t *testing.T) {
		p, f := newFakeProvider(t, nil)
		f.FailNext(1, aliyuntest.ErrParam, "ILLEGAL_PARAM")
		_, err := p.Notes(ctx, "00001FK")
		var ve *providers.VendorError
		if !errors.As(err, &ve) || ve.Code != "-101" || ve.Temporary {
			t.Fatalf("err = %v", err)
		}
		if n := len(f.CallsTo("QuestionListNote")); n != 1 {
			t.Errorf("%d calls, want 1", n)
		}
	})
	t.Run("cancelled while waiting", func(t *testing.T) {
		p, f := newFakeProvider(t, nil, aliyun.WithSleep(func(ctx context.Context, d time.Duration) error { return context.Canceled }))
		f.FailNext(3, aliyuntest.ErrBusy, "SYSTEM_BUSY")
		_, _, err := p.List(ctx, aliyun.ListRequest{})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		var ve *providers.VendorError
		if !errors.As(err, &ve) || ve.Code != "-153" {
			t.Errorf("err = %v, want the vendor error kept", err)
		}
		if n := len(f.CallsTo("QuestionList")); n != 1 {
			t.Errorf("%d calls, want 1", n)
		}
	})
	t.Run("real sleep honours the context", func(t *testing.T) {
		c, cancel := context.WithCancel(ctx)
		cancel()
		start := time.Now()
		if err := aliyun.SleepCtx(c, time.Hour); !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
			t.Errorf("sleepCtx = %v", err)
		}
		if err := aliyun.SleepCtx(ctx, time.Millisecond); err != nil {
			t.Error(err)
		}
	})
}

func TestCatalog2016(t *testing.T) {
	p, f := newFakeProvider(t, func(c *aliyun.Config) { c.CustomerCommonQuestionID = 77 })
	ctx := context.Background()
	products, err := p.Products(ctx)
	if err != nil || !slices.Equal(products, []aliyun.CatalogItem{{ID: aliyuntest.ProductID, Default: true}}) {
		t.Errorf("Products = %+v, %v", products, err)
	}
	cats, err := p.Categories(ctx, aliyuntest.ProductID)
	if err != nil || !slices.Equal(cats, []aliyun.CatalogItem{{ID: 77, Default: true}}) {
		t.Errorf("Categories = %+v, %v", cats, err)
	}
	if len(f.Calls()) != 0 {
		t.Error("the 2016 lists are 待实现: no call expected")
	}
	// Once Aliyun names an action, it is called.
	p, f = newFakeProvider(t, func(c *aliyun.Config) { c.ActionNames = map[string]string{"products": "ListProduct"} })
	_, err = p.Products(ctx)
	var ve *providers.VendorError
	if !errors.As(err, &ve) || ve.Code != "InvalidAction.NotFound" {
		t.Errorf("err = %v", err)
	}
	if c := f.CallsTo("ListProduct"); len(c) != 1 || !equalMaps(params(c[0]), map[string]string{"language": "cn"}) {
		t.Errorf("calls = %v", c)
	}
}

func TestConcurrentUse(t *testing.T) {
	p, f := newFakeProvider(t, nil)
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			tk, err := p.Create(context.Background(), providers.CreateRequest{Title: fmt.Sprint("t", i)})
			if err != nil {
				t.Error(err)
				return
			}
			if err := p.Reply(context.Background(), tk.ID, providers.Reply{Text: "r"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(f.Tickets()) != n {
		t.Errorf("%d tickets stored, want %d", len(f.Tickets()), n)
	}
}
