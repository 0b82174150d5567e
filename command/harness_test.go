package command

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/ksyun"
	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/templates"
)

// The handlers' test harness: the real Bot over a real SQLite store, with a recording chat
// platform and a stub vendor whose behaviour each test sets.

// posted is one message the bot sent through a recPlatform.
type posted struct {
	Op   string // "send", "reply" or "update"
	Chat string
	// To is the message answered (reply) or replaced (update).
	To  string
	Out bot.Outgoing
	// ID is the message id the platform gave it.
	ID string
}

// Text is what a person reads: the sentence, or the card's JSON.
func (p posted) Text() string { return string(p.Out.Body) }

// recPlatform records every send. Features, when set, is what it reports.
type recPlatform struct {
	name     string
	features *bot.Features

	mu   sync.Mutex
	seq  int
	msgs []posted
	// fail, when set, decides the error of the n-th send (1-based) of any kind.
	fail func(n int, p posted) error
	// messages are what ReadMessage finds, by id; any other id is an API error.
	messages map[string]bot.Quoted
}

// ReadMessage reads a message put in messages.
func (r *recPlatform) ReadMessage(_ context.Context, id string) (bot.Quoted, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if q, ok := r.messages[id]; ok {
		return q, nil
	}
	return bot.Quoted{}, codedError("230011")
}

// codedError is a platform's failure with its own code, as its APIError says it.
type codedError string

func (e codedError) Error() string     { return "platform: code " + string(e) }
func (e codedError) ErrorCode() string { return string(e) }

func (r *recPlatform) Name() string { return r.name }

func (r *recPlatform) Features() bot.Features {
	if r.features != nil {
		return *r.features
	}
	return bot.Features{Forms: true, Threads: true, Confirm: true, Mentions: true}
}

func (r *recPlatform) record(op, chat, to string, m bot.Outgoing) (bot.CardRef, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	p := posted{Op: op, Chat: chat, To: to, Out: m, ID: fmt.Sprintf("om_%s_%d", r.name, r.seq)}
	if r.fail != nil {
		if err := r.fail(r.seq, p); err != nil {
			return bot.CardRef{}, err
		}
	}
	r.msgs = append(r.msgs, p)
	return bot.CardRef{Platform: r.name, ChatID: chat, MessageID: p.ID}, nil
}

func (r *recPlatform) Send(_ context.Context, chat string, m bot.Outgoing) (bot.CardRef, error) {
	return r.record("send", chat, "", m)
}

func (r *recPlatform) Reply(_ context.Context, ref bot.CardRef, m bot.Outgoing) (bot.CardRef, error) {
	return r.record("reply", ref.ChatID, ref.MessageID, m)
}

func (r *recPlatform) Update(_ context.Context, ref bot.CardRef, m bot.Outgoing) error {
	_, err := r.record("update", ref.ChatID, ref.MessageID, m)
	return err
}

// since returns what was posted after the first n messages.
func (r *recPlatform) since(n int) []posted {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]posted(nil), r.msgs[min(n, len(r.msgs)):]...)
}

func (r *recPlatform) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

// stubVendor is a provider whose tickets live in memory; the err fields make calls fail.
type stubVendor struct {
	name string
	caps providers.Capabilities

	mu      sync.Mutex
	next    int
	tickets map[string]providers.Ticket
	creates []providers.CreateRequest
	replies []string
	closes  []string
	// Errors returned by the calls, when set.
	createErr, getErr, replyErr, closeErr, notesErr error
}

var _ providers.Provider = (*stubVendor)(nil)

func newStubVendor(name string) *stubVendor {
	return &stubVendor{name: name, next: 1204, tickets: map[string]providers.Ticket{},
		caps: providers.Capabilities{Create: true, Reply: true, Close: true, Notes: true}}
}

func (s *stubVendor) Name() string                         { return s.name }
func (s *stubVendor) Capabilities() providers.Capabilities { return s.caps }

func (s *stubVendor) Create(_ context.Context, r providers.CreateRequest) (providers.Ticket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.creates = append(s.creates, r)
	if s.createErr != nil {
		return providers.Ticket{}, s.createErr
	}
	id := fmt.Sprint(s.next)
	s.next++
	t := providers.Ticket{Provider: s.name, ID: id, Title: r.Title, Content: r.Content, Status: providers.StatusOpen,
		RawStatus: "1", Creator: r.Actor.Name, CreatedAt: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
	s.tickets[id] = t
	return t, nil
}

// put stores a ticket at the vendor, as if made elsewhere.
func (s *stubVendor) put(t providers.Ticket) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t.Provider = s.name
	if t.Status == "" {
		t.Status = providers.StatusOpen
	}
	s.tickets[t.ID] = t
}

func (s *stubVendor) Get(_ context.Context, id string) (providers.Ticket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.getErr != nil {
		return providers.Ticket{}, s.getErr
	}
	t, ok := s.tickets[id]
	if !ok {
		return providers.Ticket{}, fmt.Errorf("%s: get %s: %w", s.name, id, providers.ErrNotFound)
	}
	return t, nil
}

func (s *stubVendor) Reply(_ context.Context, id string, r providers.Reply) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.replyErr != nil {
		return s.replyErr
	}
	if _, ok := s.tickets[id]; !ok {
		return fmt.Errorf("%s: reply %s: %w", s.name, id, providers.ErrNotFound)
	}
	s.replies = append(s.replies, id+": "+r.Text)
	return nil
}

func (s *stubVendor) Close(_ context.Context, id string, _ providers.CloseRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closeErr != nil {
		return s.closeErr
	}
	t, ok := s.tickets[id]
	if !ok {
		return fmt.Errorf("%s: close %s: %w", s.name, id, providers.ErrNotFound)
	}
	t.Status = providers.StatusClosed
	s.tickets[id] = t
	s.closes = append(s.closes, id)
	return nil
}

func (s *stubVendor) Notes(context.Context, string) ([]providers.Note, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return nil, s.notesErr
}

// calls counts the writes the vendor received.
func (s *stubVendor) calls() (creates, replies, closes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.creates), len(s.replies), len(s.closes)
}

// harness is a Bot with a Feishu-like and a WeCom-like recording platform.
type harness struct {
	t       testing.TB
	bot     *Bot
	store   *store.SQL
	feishu  *recPlatform
	wecom   *recPlatform
	vendors map[string]*stubVendor
	logs    *strings.Builder
	logMu   *sync.Mutex
	seq     int
}

// newHarness builds the Bot with cfg and one stub vendor per name (default: ksyun).
func newHarness(t testing.TB, cfg Config, vendors ...string) *harness {
	t.Helper()
	if len(vendors) == 0 {
		vendors = []string{"ksyun"}
	}
	provs := map[string]providers.Provider{}
	stubs := map[string]*stubVendor{}
	for _, v := range vendors {
		sv := newStubVendor(v)
		stubs[v] = sv
		provs[v] = sv
	}
	h := buildHarness(t, cfg, filepath.Join(t.TempDir(), "bot.db"), provs)
	h.vendors = stubs
	return h
}

// buildHarness builds the Bot with cfg over the SQLite database dsn (":memory:" for one
// that lives as long as the test) and the given providers.
func buildHarness(t testing.TB, cfg Config, dsn string, provs map[string]providers.Provider) *harness {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r, err := templates.New("")
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, store: st, vendors: map[string]*stubVendor{}, logs: &strings.Builder{}, logMu: &sync.Mutex{},
		feishu: &recPlatform{name: "feishu"},
		wecom:  &recPlatform{name: "wecom", features: &bot.Features{}}}
	log := slog.New(slog.NewTextHandler(lockedWriter{h.logMu, h.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.bot = New(cfg, Deps{Vendors: testVendors, Providers: provs, Store: st, Renderer: r, Log: log,
		Platforms: map[string]bot.Platform{"feishu": h.feishu, "wecom": h.wecom}})
	return h
}

// cached rebuilds the harness's Bot over its store with the store's memory in front
// (store.Cached), as the app runs it: the ack path then reads languages from memory alone.
func (h *harness) cached() {
	d := h.bot.Deps
	d.Store = store.NewCached(h.store, 0)
	h.bot = New(h.bot.cfg, d)
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (h *harness) log() string {
	h.logMu.Lock()
	defer h.logMu.Unlock()
	return h.logs.String()
}

func (h *harness) platform(name string) *recPlatform {
	if name == "wecom" {
		return h.wecom
	}
	return h.feishu
}

// msg is a typed message; its zero fields take the harness's defaults.
type msg struct {
	platform, chat, user, text string
	parent                     string // the message answered (a thread reply)
	quote                      string
	chatType                   string // "group" unless set ("p2p": one to one)
	mentions                   []bot.Mention
}

// send types a message and returns everything the bot posted in answer.
func (h *harness) send(m msg) []posted {
	h.t.Helper()
	bm := h.message(m)
	p := h.platform(bm.Platform)
	n := p.count()
	h.bot.HandleMessage(context.Background(), bm)
	return p.since(n)
}

// message is m as HandleMessage gets it, with the harness's defaults and fresh ids.
func (h *harness) message(m msg) bot.Message {
	if m.platform == "" {
		m.platform = "feishu"
	}
	if m.chat == "" {
		m.chat = "oc_group"
	}
	if m.user == "" {
		m.user = "ou_zhang"
	}
	if m.chatType == "" {
		m.chatType = "group"
	}
	h.seq++
	return bot.Message{Platform: m.platform, EventID: fmt.Sprintf("ev_%d", h.seq),
		MessageID: fmt.Sprintf("om_user_%d", h.seq), ChatID: m.chat, ChatType: m.chatType, UserID: m.user, UserName: "张三",
		Text: m.text, ParentID: m.parent, RootID: m.parent, Quote: m.quote, Mentions: m.mentions}
}

// say types text in the default Feishu group.
func (h *harness) say(text string) []posted {
	h.t.Helper()
	return h.send(msg{text: text})
}

// click presses a button carrying command on the card cardID.
func (h *harness) click(platform, cardID, command string, form map[string]string) bot.ActionResult {
	h.t.Helper()
	h.seq++
	return h.bot.HandleAction(context.Background(), bot.Action{Platform: platform, EventID: fmt.Sprintf("ev_click_%d", h.seq),
		ChatID: "oc_group", MessageID: cardID, UserID: "ou_zhang", UserName: "张三", Command: command, Form: form})
}

// only returns the single message posted, failing the test otherwise.
func only(t *testing.T, ps []posted) posted {
	t.Helper()
	if len(ps) != 1 {
		var texts []string
		for _, p := range ps {
			texts = append(texts, p.Op+": "+p.Text())
		}
		t.Fatalf("want one message, got %d:\n%s", len(ps), strings.Join(texts, "\n"))
	}
	return ps[0]
}

// cardButtons lists the (text, command) of a rendered card's buttons, for either platform.
func cardButtons(t *testing.T, card []byte) [][2]string {
	t.Helper()
	var out [][2]string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			// Feishu: {"tag":"button","text":{"content":…},"behaviors":[{"value":{"cmd":…}}]}
			if x["tag"] == "button" {
				text, _ := x["text"].(map[string]any)
				cmd := ""
				if bs, ok := x["behaviors"].([]any); ok && len(bs) > 0 {
					if val, ok := bs[0].(map[string]any)["value"].(map[string]any); ok {
						cmd, _ = val["cmd"].(string)
					}
				}
				content, _ := text["content"].(string)
				out = append(out, [2]string{content, cmd})
			}
			// WeCom: "button_list":[{"text":…,"key":…}]
			if bl, ok := x["button_list"].([]any); ok {
				for _, b := range bl {
					bm, _ := b.(map[string]any)
					text, _ := bm["text"].(string)
					key, _ := bm["key"].(string)
					out = append(out, [2]string{text, key})
				}
				return
			}
			for _, v := range x {
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	var v any
	if err := json.Unmarshal(card, &v); err != nil {
		t.Fatalf("card is not JSON: %v\n%s", err, card)
	}
	walk(v)
	return out
}

var errFail = errors.New("stub: this call must not happen")

func providerTicket(id, title string) providers.Ticket {
	return providers.Ticket{ID: id, Title: title, Status: providers.StatusOpen, RawStatus: "1",
		CreatedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
}

// testVendors is the app's registry of the vendors this build knows.
var testVendors = providers.MustRegistry(ksyun.Descriptor, aliyun.Descriptor, weiban.Descriptor)

// testEnv is an Env with nothing but the vendor registry and the embedded catalog, for the
// sentences it makes.
var testEnv = &Env{Vendors: testVendors, Answers: drawing{}}

// testWords are what the parser knows in the tests: the registry and the embedded catalog.
var testWords = Words{Vendors: testVendors}
