package command

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// The per-command tests: each command's table runs typed commands or clicks through the real
// Bot over an in-memory SQLite store, with a recording platform and a vendor whose every call
// a case may set. A case says what the chat is shown, which vendor calls were made and what
// was stored.

// fakeVendor is a provider made of function fields, set per case. A nil field behaves like a
// vendor that agrees: Create files ticket 1204, Get finds an open ticket (closed once closed
// here), Reply and Close succeed, Notes has none. Every call is recorded.
type fakeVendor struct {
	name string
	caps providers.Capabilities

	CreateFn func(r providers.CreateRequest) (providers.Ticket, error)
	GetFn    func(id string) (providers.Ticket, error)
	ReplyFn  func(id string, r providers.Reply) error
	CloseFn  func(id string, r providers.CloseRequest) error
	NotesFn  func(id string) ([]providers.Note, error)

	// For a secretVendor: confidential content.
	ReplySecretFn  func(id string) error
	CreateSecretFn func(r providers.CreateRequest) (providers.Ticket, error)
	// For a personVendor: an id's check (nil takes positive numbers, as 长工号, unnamed).
	IdentityFn func(id string) (providers.Identity, error)
	// Actors are who each create, reply and close acted as (Actor.VendorID, "" the default).
	Actors []string

	// The transitions beyond close, done where caps declares them; why is the reason the
	// vendor gives for an operation it lacks (providers.Explainer).
	ReopenFn   func(id string, r providers.ReopenRequest) error
	RejectFn   func(id string, r providers.RejectRequest) error
	TransferFn func(id string, r providers.TransferRequest) error
	why        map[string]*providers.UnsupportedError

	// For a fieldVendor: its choices by field ("category/1301" for a parent's), what reading
	// them fails with, and how often they were read.
	catalog     map[string][]providers.Choice
	ChoicesErr  error
	choiceReads int

	mu       sync.Mutex
	calls    []string
	closed   map[string]bool
	rejected map[string]bool
	handler  map[string]string
}

var _ providers.Provider = (*fakeVendor)(nil)

func newFakeVendor(name string) *fakeVendor {
	return &fakeVendor{name: name, closed: map[string]bool{}, rejected: map[string]bool{}, handler: map[string]string{},
		caps: providers.Capabilities{Create: true, Reply: true, Close: true, Notes: true}}
}

func (v *fakeVendor) Name() string                         { return v.name }
func (v *fakeVendor) Capabilities() providers.Capabilities { return v.caps }

func (v *fakeVendor) record(call string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.calls = append(v.calls, call)
}

func (v *fakeVendor) acted(a providers.Actor) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.Actors = append(v.Actors, a.VendorID)
}

// Calls are the calls made so far: "create <title>", "get <id>", "reply <id>: <text>",
// "close <id>: <remark>", "reopen <id>: <remark>", "reject <id>: <reason>",
// "transfer <id> to <handler>: <remark>", "notes <id>".
func (v *fakeVendor) Calls() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.calls)
}

// ticket is the vendor's ticket id as an open ticket: what a Get finds by default.
func (v *fakeVendor) ticket(id string) providers.Ticket {
	t := providers.Ticket{Provider: v.name, ID: id, Title: "数据库连接超时", Status: providers.StatusOpen, RawStatus: "1",
		CreatedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed[id] {
		t.Status, t.RawStatus = providers.StatusClosed, "4"
	}
	if v.rejected[id] {
		t.Flags = append(t.Flags, providers.FlagRejected)
	}
	t.HandlerID = v.handler[id]
	return t
}

func (v *fakeVendor) Create(_ context.Context, r providers.CreateRequest) (providers.Ticket, error) {
	v.record("create " + r.Title)
	v.acted(r.Actor)
	if v.CreateFn != nil {
		return v.CreateFn(r)
	}
	t := v.ticket("1204")
	t.Title, t.Content = r.Title, r.Content
	return t, nil
}

func (v *fakeVendor) Get(_ context.Context, id string) (providers.Ticket, error) {
	v.record("get " + id)
	if v.GetFn != nil {
		return v.GetFn(id)
	}
	return v.ticket(id), nil
}

func (v *fakeVendor) Reply(_ context.Context, id string, r providers.Reply) error {
	v.record("reply " + id + ": " + r.Text)
	v.acted(r.Actor)
	if v.ReplyFn != nil {
		return v.ReplyFn(id, r)
	}
	return nil
}

func (v *fakeVendor) Close(_ context.Context, id string, r providers.CloseRequest) error {
	v.record("close " + id + ": " + r.Remark)
	v.acted(r.Actor)
	if v.CloseFn != nil {
		if err := v.CloseFn(id, r); err != nil {
			return err
		}
	}
	v.mu.Lock()
	v.closed[id] = true
	v.mu.Unlock()
	return nil
}

func (v *fakeVendor) Reopen(_ context.Context, id string, r providers.ReopenRequest) error {
	v.record("reopen " + id + ": " + r.Remark)
	if v.ReopenFn != nil {
		if err := v.ReopenFn(id, r); err != nil {
			return err
		}
	}
	v.mu.Lock()
	v.closed[id] = false
	v.mu.Unlock()
	return nil
}

func (v *fakeVendor) Reject(_ context.Context, id string, r providers.RejectRequest) error {
	v.record("reject " + id + ": " + r.Reason)
	if v.RejectFn != nil {
		if err := v.RejectFn(id, r); err != nil {
			return err
		}
	}
	v.mu.Lock()
	v.rejected[id] = true
	v.mu.Unlock()
	return nil
}

func (v *fakeVendor) Transfer(_ context.Context, id string, r providers.TransferRequest) error {
	v.record("transfer " + id + " to " + r.To + ": " + r.Remark)
	if v.TransferFn != nil {
		if err := v.TransferFn(id, r); err != nil {
			return err
		}
	}
	v.mu.Lock()
	v.handler[id] = r.To
	v.mu.Unlock()
	return nil
}

func (v *fakeVendor) Unsupported(op string) *providers.UnsupportedError { return v.why[op] }

func (v *fakeVendor) Notes(_ context.Context, id string) ([]providers.Note, error) {
	v.record("notes " + id)
	if v.NotesFn != nil {
		return v.NotesFn(id)
	}
	return nil, nil
}

// The vendor failures every command's table tries.
var (
	// errVendor is a refusal with the vendor's own code and sentence.
	errVendor = &providers.VendorError{Provider: "ksyun", Op: "test", Code: "23000", Message: "工单状态不允许此操作。"}
	// errUnsupported is an operation the vendor's API lacks.
	errUnsupported = fmt.Errorf("ksyun: test: %w", providers.ErrUnsupported)
)

// The sentences the tables expect, as the catalog says them for ksyun (金山云).
const (
	saidVendorError = "金山云返回错误 23000：工单状态不允许此操作。"
	saidUnsupported = "金山云的接口不支持这个操作。"
	saidMembersOnly = "只有本群配置的成员可以建单、回复、关闭、重开、驳回和流转工单"
)

// membersOnly is a configuration in which only ou_li may write in the test chat; the cases'
// default person, ou_zhang, may not.
var membersOnly = Config{Chats: []Chat{{Platform: "feishu", ChatID: "oc_group", Members: []string{"ou_li"}}}}

// cmdCase is one row of a command's table.
type cmdCase struct {
	name string
	cfg  Config
	// vendor sets the vendor's functions; setup prepares the store or the vendor otherwise.
	vendor func(v *fakeVendor)
	setup  func(t *testing.T, h *harness, v *fakeVendor)
	// platform and user default to feishu and ou_zhang.
	platform, user string
	// text is typed; click is the command a button carries (with form, the reply box).
	text, click string
	form        map[string]string
	// parent is the message the typed text answers (a thread reply); chatType is "group"
	// unless set.
	parent, chatType string
	// secrets gives the vendor confidential content (SecretReplier, SecretCreator); people
	// makes it act as each person's own identity (Identifier), as 长工号.
	secrets, people bool
	// fields gives the vendor fields of its own (Fielder): a product and its categories;
	// search lets its list find tickets by a keyword (Searcher).
	fields, search bool
	// mentions are the people the typed message @-mentions; quote is the text it quotes
	// (WeCom); messages are what the platform reads by id (the message parent answers).
	mentions []bot.Mention
	quote    string
	messages map[string]bot.Quoted
	// want are all in what the chat is shown: the posted sentences and cards, or the click's
	// toast and card. not are none of them.
	want, not []string
	// calls are exactly the vendor calls made, in order; nil leaves them unchecked (use
	// []string{} for none at all).
	calls []string
	// check looks at what was stored.
	check func(t *testing.T, h *harness, v *fakeVendor)
}

// runCases runs a command's table, each case on a bot of its own.
func runCases(t *testing.T, cases []cmdCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := newFakeVendor("ksyun")
			if tc.vendor != nil {
				tc.vendor(v)
			}
			var p providers.Provider = v
			switch {
			case tc.secrets:
				p = secretVendor{v}
			case tc.people:
				p = personVendor{v}
			case tc.fields:
				p = fieldVendor{v}
			case tc.search:
				p = searchVendor{v}
			}
			h := buildHarness(t, tc.cfg, ":memory:", map[string]providers.Provider{"ksyun": p})
			h.feishu.messages, h.wecom.messages = tc.messages, tc.messages
			if tc.setup != nil {
				tc.setup(t, h, v)
			}
			before := len(v.Calls())
			shown := h.run(tc)
			t.Logf("shown:\n%s", shown)
			for _, w := range tc.want {
				if !strings.Contains(shown, w) {
					t.Errorf("the chat was not shown %q; it was shown:\n%s", w, shown)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(shown, n) {
					t.Errorf("the chat was shown %q:\n%s", n, shown)
				}
			}
			if calls := v.Calls()[before:]; tc.calls != nil && !slices.Equal(calls, tc.calls) {
				t.Errorf("vendor calls %q, want %q", calls, tc.calls)
			}
			if tc.check != nil {
				tc.check(t, h, v)
			}
			if strings.Contains(shown, "内部错误") || missingKey.MatchString(shown) {
				t.Errorf("the chat was shown an internal error or a missing sentence:\n%s", shown)
			}
		})
	}
}

// run types or clicks the case's command and returns all the chat was shown.
func (h *harness) run(tc cmdCase) string {
	h.t.Helper()
	platform, user := or(tc.platform, "feishu"), or(tc.user, "ou_zhang")
	p := h.platform(platform)
	n := p.count()
	var shown []string
	if tc.click != "" {
		h.seq++
		res := h.bot.HandleAction(context.Background(), bot.Action{Platform: platform, EventID: fmt.Sprintf("ev_click_%d", h.seq),
			ChatID: "oc_group", MessageID: "om_card", UserID: user, UserName: "张三", Command: tc.click, Form: tc.form})
		shown = append(shown, "toast "+res.Toast.Type+": "+res.Toast.Text, string(res.Card))
	} else {
		for _, m := range h.send(msg{platform: platform, user: user, text: tc.text, parent: tc.parent, chatType: tc.chatType, mentions: tc.mentions, quote: tc.quote}) {
			shown = append(shown, m.Op+": "+m.Text())
		}
	}
	for _, m := range p.since(n) {
		if tc.click != "" {
			shown = append(shown, m.Op+": "+m.Text())
		}
	}
	return strings.Join(shown, "\n")
}

// missingKey is how the catalog says a key it lacks: "[key_name]".
var missingKey = regexp.MustCompile(`\[[a-z]+_[a-z_]+\]`)

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// follows lists the tickets the test chat follows, as "provider:id".
func follows(t *testing.T, h *harness) []string {
	t.Helper()
	fs, err := h.store.Following(context.Background(), "feishu", "oc_group")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		out = append(out, f.Provider+":"+f.TicketID)
	}
	return out
}

// follow makes the test chat follow ksyun:id, as 关注 would.
func follow(t *testing.T, h *harness, id string) {
	t.Helper()
	if err := h.store.Follow(context.Background(), store.Follow{Platform: "feishu", ChatID: "oc_group", Provider: "ksyun",
		TicketID: id, By: "feishu:ou_zhang", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

// remember stores t as last seen; creator, when set, is who made it through the bot.
func remember(t *testing.T, h *harness, tk providers.Ticket, creator string) {
	t.Helper()
	if err := h.bot.tickets.Remember(context.Background(), tk, creator, creator != ""); err != nil {
		t.Fatal(err)
	}
}

// saveCard records messageID as ticket ksyun:id's card in the test chat.
func saveCard(t *testing.T, h *harness, messageID, id string) {
	t.Helper()
	if err := h.store.SaveCard(context.Background(), store.Card{Platform: "feishu", ChatID: "oc_group", MessageID: messageID,
		Provider: "ksyun", TicketID: id, UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

// pendingJobs lists the jobs waiting for a retry, as "kind provider:ticket".
func pendingJobs(t *testing.T, h *harness) []string {
	t.Helper()
	js, err := h.store.JobsSince(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, j := range js {
		if j.State == store.JobPending {
			out = append(out, j.Kind+" "+j.Provider+":"+j.TicketID)
		}
	}
	return out
}

// secretVendor is a fakeVendor that takes confidential content; a plain fakeVendor does not.
type secretVendor struct{ *fakeVendor }

func (v secretVendor) ReplySecret(_ context.Context, id, _ string, _ providers.Actor) error {
	v.record("reply-secret " + id)
	if v.ReplySecretFn != nil {
		return v.ReplySecretFn(id)
	}
	return nil
}

func (v secretVendor) CreateSecret(_ context.Context, r providers.CreateRequest, _ providers.Secret) (providers.Ticket, error) {
	v.record("create-secret " + r.Title)
	if v.CreateSecretFn != nil {
		return v.CreateSecretFn(r)
	}
	t := v.ticket("1204")
	t.Title = r.Title
	return t, nil
}

// personVendor is a fakeVendor that acts as each person's own identity (a 长工号); a plain
// fakeVendor acts as one account.
type personVendor struct{ *fakeVendor }

func (v personVendor) IdentityKind() providers.IdentityKind {
	return providers.IdentityKind{Zh: "长工号", En: "employee number", Example: "38361"}
}

func (v personVendor) CheckIdentity(_ context.Context, id string) (providers.Identity, error) {
	v.record("identity " + id)
	if v.IdentityFn != nil {
		return v.IdentityFn(id)
	}
	if n, err := strconv.Atoi(id); err != nil || n <= 0 {
		return providers.Identity{}, fmt.Errorf("%q: %w", id, providers.ErrInvalidIdentity)
	}
	return providers.Identity{ID: id}, nil
}
