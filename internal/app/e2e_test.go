package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
	"github.com/ticketbot/ticketbot/store"
)

const (
	e2eEncryptKey = "e2e-encrypt-key"
	e2eToken      = "e2e-verification-token"
	e2eChat       = "oc_e2e_group"
	e2eUser       = "ou_e2e_zhangsan"
)

// harness runs the real server (Serve, as `ticketbot serve` runs it) on a loopback port
// against the Kingsoft and Feishu fakes.
type harness struct {
	t      *testing.T
	url    string
	admin  string // the admin listener's URL (/healthz, /readyz, /metrics)
	ksyun  *ksyuntest.Server
	feishu *feishutest.Server
	logs   *syncBuffer
	stop   func()
	seq    atomic.Int64
	dbPath string
	db     *store.SQL
	// notServes are goroutines started after Serve that are the test's, not Serve's.
	notServes []goleak.Option
}

// waitCardRecorded waits until the bot has recorded its card: the fake shows a card as soon
// as it is sent, the store learns of it a moment later, and a thread reply (which a person
// cannot write that fast) is matched to its ticket through the store.
func (h *harness) waitCardRecorded(cardID string) {
	h.t.Helper()
	db := h.openStore()
	h.waitFor("the card recorded", func() bool {
		_, err := db.CardByMessage(context.Background(), "feishu", cardID)
		return err == nil
	})
}

// harnessConfig is the configuration the end-to-end tests run with: Feishu and Kingsoft
// fakes, a SQLite file, and the extras of a test.
func harnessConfig(dbPath, botExtra, extra string, ff *feishutest.Server, kf *ksyuntest.Server) string {
	return fmt.Sprintf(`
[server]
listen = "127.0.0.1:0"
admin_listen = "127.0.0.1:0"
shutdown_timeout = "10s"
[store]
dsn = %q
[bot]
default_provider = "ksyun"
%s
[feishu]
mode = "webhook"
app_id = "cli_e2e"
app_secret = "${E2E_FEISHU_SECRET}"
verification_token = %q
encrypt_key = %q
base_url = %q
[providers.ksyun]
base_url = %q
app_id = "ks-app"
app_secret = "${E2E_KSYUN_SECRET}"
customer_organization_id = 1
customer_organization_name = "北京金山云网络技术有限公司"
repository_product_id = 36
type = 1
priority = 3
creator_id = %d
creator_name = %q
%s
`, dbPath, botExtra, e2eToken, e2eEncryptKey, ff.URL(), kf.URL(), ksyuntest.CreatorID, ksyuntest.CreatorName, extra)
}

// openStore opens (once) a second handle on the bot's database, to look at what it stored.
func (h *harness) openStore() *store.SQL {
	h.t.Helper()
	if h.db == nil {
		db, err := store.OpenSQLite(context.Background(), h.dbPath)
		if err != nil {
			h.t.Fatal(err)
		}
		h.t.Cleanup(func() { db.Close() })
		h.db = db
	}
	return h.db
}

func startHarness(t *testing.T, extra string) *harness {
	t.Helper()
	return startHarnessBot(t, "", extra)
}

// startHarnessBot adds botExtra to [bot] and extra after the providers.
func startHarnessBot(t *testing.T, botExtra, extra string) *harness {
	t.Helper()
	return startHarnessEdit(t, botExtra, extra, nil)
}

// startHarnessEdit is startHarnessBot with edit, when set, changing the parsed configuration.
func startHarnessEdit(t *testing.T, botExtra, extra string, edit func(*Config)) *harness {
	t.Helper()
	kf := ksyuntest.New("ks-app", "ks-secret-e2e")
	ff := feishutest.New("cli_e2e", "feishu-secret-e2e")
	t.Cleanup(kf.Close)
	t.Cleanup(ff.Close)
	t.Setenv("E2E_FEISHU_SECRET", "feishu-secret-e2e")
	t.Setenv("E2E_KSYUN_SECRET", "ks-secret-e2e")
	dbPath := filepath.Join(t.TempDir(), "e2e.db")
	cfgText := harnessConfig(dbPath, botExtra, extra, ff, kf)
	cfg, errs := parseConfig([]byte(cfgText))
	if len(errs) > 0 {
		t.Fatalf("config: %v", errs)
	}
	if edit != nil {
		edit(cfg)
	}
	h := &harness{t: t, ksyun: kf, feishu: ff, logs: &syncBuffer{}, dbPath: dbPath}
	h.start(cfg)
	return h
}

// start runs Serve with cfg until the test ends or h.stop; a harness stopped can be started
// again on a fresh harness with the same fakes and database (a restart).
func (h *harness) start(cfg *Config) {
	t := h.t
	t.Helper()
	before := goleak.IgnoreCurrent() // the fakes'; whatever Serve starts must be gone when it returns
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan Addrs, 1)
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, cfg, ServeOptions{Stderr: h.logs, Ready: func(a Addrs) { ready <- a }}) }()
	select {
	case addr := <-ready:
		h.url, h.admin = "http://"+addr.Public, "http://"+addr.Admin
	case err := <-done:
		t.Fatalf("serve: %v\n%s", err, h.logs)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start")
	}
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve returned %v", err)
			}
			http.DefaultClient.CloseIdleConnections() // the test's own connections to the server
			// The test's own handle on the database is not Serve's; openStore opens another.
			if h.db != nil {
				h.db.Close()
				h.db = nil
			}
			opts := append([]goleak.Option{before}, h.notServes...)
			if err := goleak.Find(opts...); err != nil {
				t.Errorf("goroutines outlived Serve: %v", err)
			}
		})
	}
	t.Cleanup(h.stop)
}

// post delivers a plaintext event to the webhook, signed and encrypted like Feishu does.
func (h *harness) post(plain []byte) (int, []byte) {
	h.t.Helper()

	body, hdr := feishutest.SealRequest(e2eEncryptKey, plain, time.Now(), fmt.Sprintf("nonce-%d", h.seq.Add(1)))
	req, _ := http.NewRequest(http.MethodPost, h.url+"/feishu/webhook", bytes.NewReader(body))
	req.Header = hdr
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (h *harness) say(eventID, messageID, text string, opts ...feishutest.EventOpt) {
	h.t.Helper()
	opts = append([]feishutest.EventOpt{feishutest.WithVerificationToken(e2eToken)}, opts...)
	if code, body := h.post(feishutest.TextMessageEvent(eventID, messageID, e2eChat, e2eUser, text, opts...)); code != http.StatusOK {
		h.t.Fatalf("message %s: HTTP %d %s", eventID, code, body)
	}
}

// postForged posts plain sealed with another encrypt key than the bot's, as a forger would,
// and returns the HTTP status.
func (h *harness) postForged(plain []byte) int {
	h.t.Helper()
	body, hdr := feishutest.SealRequest("not-the-key", plain, time.Now(), fmt.Sprintf("nonce-forged-%d", h.seq.Add(1)))
	req, _ := http.NewRequest(http.MethodPost, h.url+"/feishu/webhook", bytes.NewReader(body))
	req.Header = hdr
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

type cardAnswer struct {
	Toast struct {
		Type    string `json:"type"`
		Content string `json:"content"`
	} `json:"toast"`
	Card struct {
		Type string          `json:"type"`
		Data json.RawMessage `json:"data"`
	} `json:"card"`
}

func (h *harness) click(eventID, cardID, command string, form map[string]string) cardAnswer {
	h.t.Helper()
	code, body := h.post(feishutest.CardActionEvent(eventID, e2eChat, cardID, e2eUser, command, form, e2eToken))
	if code != http.StatusOK {
		h.t.Fatalf("click %s: HTTP %d %s", command, code, body)
	}
	var a cardAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		h.t.Fatalf("click answer %s: %v", body, err)
	}
	return a
}

// waitFor polls cond until it holds: the bot works off the request path.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second) // generous: CI machines are small and shared
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s\nlogs:\n%s", what, h.logs)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) messages(msgType string) []feishutest.Message {
	var out []feishutest.Message
	for _, m := range h.feishu.Messages() {
		if m.MsgType == msgType {
			out = append(out, m)
		}
	}
	return out
}

func (h *harness) commentCalls() []string {
	var out []string
	for _, c := range h.ksyun.Calls() {
		if strings.HasSuffix(c.Path, "/comment_ticket") {
			b, _ := json.Marshal(c.Body)
			out = append(out, string(b))
		}
	}
	return out
}

func TestEndToEndFeishuKingsoft(t *testing.T) {
	h := startHarness(t, "")

	// 1. A signed group message creates a ticket at Kingsoft and a card in the chat.
	h.say("ev-create", "om_user-1", "建单 ksyun 数据库连接超时\n生产库 mysql-prod-01 从 09:40 起连接超时。\n优先级: 高")
	h.waitFor("the ticket card", func() bool { return len(h.messages("interactive")) == 1 })
	tickets := h.ksyun.Tickets()
	if len(tickets) != 1 {
		t.Fatalf("vendor has %d tickets, want 1", len(tickets))
	}
	tk := tickets[0]
	id := fmt.Sprint(tk.ID)
	if tk.Title != "数据库连接超时" || tk.Detail != "生产库 mysql-prod-01 从 09:40 起连接超时。" || tk.Priority != 1 ||
		tk.Type != 1 || tk.CreatorID != ksyuntest.CreatorID || tk.CustomerOrganizationID != 1 || tk.RepositoryProductID != 36 {
		t.Errorf("ticket at the vendor: %+v", tk)
	}
	card := h.messages("interactive")[0]
	if card.ChatID != e2eChat {
		t.Errorf("card went to %s", card.ChatID)
	}
	for _, want := range []string{"数据库连接超时", "ksyun:" + id, "待处理", `"cmd":"close ksyun:` + id + ` #v0"`, `"cmd":"reply ksyun:` + id + `"`} {
		if !strings.Contains(card.Content, want) {
			t.Errorf("card lacks %q: %s", want, card.Content)
		}
	}

	// 2. The same delivery again, and the same message under a new event id: still one ticket.
	h.say("ev-create", "om_user-1", "建单 ksyun 数据库连接超时\n生产库 mysql-prod-01 从 09:40 起连接超时。\n优先级: 高")
	h.say("ev-create-retry", "om_user-1", "建单 ksyun 数据库连接超时\n生产库 mysql-prod-01 从 09:40 起连接超时。\n优先级: 高")

	// 3. Reply in the card's thread: a comment at the vendor, confirmed in the thread.
	h.waitCardRecorded(card.ID)
	h.say("ev-thread", "om_user-2", "已重启数据库，请再观察", feishutest.WithRootID(card.ID), feishutest.WithParentID(card.ID))
	h.waitFor("the thread reply at the vendor", func() bool { return len(h.commentCalls()) == 1 })
	if c := h.commentCalls()[0]; !strings.Contains(c, "已重启数据库，请再观察") || !strings.Contains(c, `"id":`+id) {
		t.Errorf("comment_ticket body: %s", c)
	}

	// 4. 回复 button opens the reply box; submitting it sends the text.
	a := h.click("ev-reply-open", card.ID, "reply ksyun:"+id, nil)
	if !strings.Contains(string(a.Card.Data), `"tag":"form"`) || !strings.Contains(string(a.Card.Data), "reply_text") {
		t.Fatalf("reply button should answer with the reply form: %s", a.Card.Data)
	}
	a = h.click("ev-reply-send", card.ID, "reply ksyun:"+id, map[string]string{"reply_text": "补充：错误码 1040 Too many connections"})
	if a.Toast.Type != "success" || strings.Contains(string(a.Card.Data), `"tag":"form"`) {
		t.Fatalf("reply submit answer: %+v %s", a.Toast, a.Card.Data)
	}
	if n := len(h.commentCalls()); n != 2 || !strings.Contains(h.commentCalls()[1], "1040 Too many connections") {
		t.Fatalf("comments at the vendor: %v", h.commentCalls())
	}

	// 5. 关闭 (after the card's confirmation): closed at Kingsoft, card changed, toast.
	a = h.click("ev-close", card.ID, "close ksyun:"+id, nil)
	if a.Toast.Type != "success" || !strings.Contains(a.Toast.Content, "已关闭") {
		t.Errorf("close toast: %+v", a.Toast)
	}
	if !strings.Contains(string(a.Card.Data), "已关闭") || strings.Contains(string(a.Card.Data), `"cmd":"close `) {
		t.Errorf("closed card should say 已关闭 and offer no close button: %s", a.Card.Data)
	}
	if got, _ := h.ksyun.Ticket(id); got.Status != 3 {
		t.Errorf("vendor status %d, want 3 (已关闭)", got.Status)
	}
	// The same click delivered again does not close twice.
	h.click("ev-close", card.ID, "close ksyun:"+id, nil)
	closes := 0
	for _, c := range h.ksyun.Calls() {
		if strings.HasSuffix(c.Path, "/close_ticket") {
			closes++
		}
	}
	if closes != 1 {
		t.Errorf("close_ticket called %d times, want 1", closes)
	}

	// 6. A Kingsoft error reaches the group as a sentence with its code: closing again.
	h.say("ev-close-again", "om_user-3", "关闭 "+id)
	h.waitAnswer("om_user-3", "已由 @ou_e2e_zhangsan 关闭，无需重复操作")

	// Everything above produced exactly one ticket and one ticket card.
	if n := len(h.ksyun.Tickets()); n != 1 {
		t.Errorf("vendor has %d tickets after duplicates, want 1", n)
	}
	if n := len(h.messages("interactive")); n != 1 {
		t.Errorf("%d cards posted, want 1", n)
	}
}

func TestEndToEndTypedCloseUpdatesCardInPlace(t *testing.T) {
	h := startHarness(t, "")
	h.say("ev-1", "om_1", "new 磁盘告警")
	h.waitFor("the card", func() bool { return len(h.messages("interactive")) == 1 })
	card := h.messages("interactive")[0]
	id := fmt.Sprint(h.ksyun.Tickets()[0].ID)

	h.say("ev-2", "om_2", "close #"+id+" 已扩容")
	h.waitFor("the card patched", func() bool {
		m, _ := h.feishu.Message(card.ID)
		return m.Patches == 1
	})
	m, _ := h.feishu.Message(card.ID)
	if !strings.Contains(m.Content, "已关闭") {
		t.Errorf("patched card: %s", m.Content)
	}
	var closeBody string
	for _, c := range h.ksyun.Calls() {
		if strings.HasSuffix(c.Path, "/close_ticket") {
			b, _ := json.Marshal(c.Body)
			closeBody = string(b)
		}
	}
	if !strings.Contains(closeBody, "已扩容") || !strings.Contains(closeBody, fmt.Sprintf(`"closer_id":%d`, ksyuntest.CreatorID)) {
		t.Errorf("close_ticket body: %s", closeBody)
	}
	// The answer to an English command is in English.
	h.waitAnswer("om_2", "Closed ticket ksyun:"+id)
}

func TestEndToEndBadInput(t *testing.T) {
	h := startHarness(t, `
[[chats]]
platform = "feishu"
chat_id = "oc_e2e_group"
admins = ["ou_admin"]
`)
	// A forged request (wrong key) gets 401 and nothing happens.
	if code := h.postForged(feishutest.TextMessageEvent("ev-f", "om_f", e2eChat, e2eUser, "建单 伪造", feishutest.WithVerificationToken(e2eToken))); code != http.StatusUnauthorized {
		t.Errorf("forged request: HTTP %d, want 401", code)
	}
	// A body over 1 MiB gets 413.
	resp, err := http.Post(h.url+"/feishu/webhook", "application/json", bytes.NewReader(make([]byte, 2<<20)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("huge body: HTTP %d, want 413", resp.StatusCode)
	}

	// An unknown command gets a usage hint; a provider that is not configured is named.
	h.say("ev-1", "om_1", "部署 生产环境")
	h.say("ev-2", "om_2", "建单 aliyun ECS 无法登录")
	h.say("ev-3", "om_3", "关闭")
	h.waitFor("three answers", func() bool { return len(h.messages("text")) == 3 })
	answers := map[string]string{}
	for _, m := range h.messages("text") {
		answers[m.ParentID] = m.Content
	}
	if !strings.Contains(answers["om_1"], "没有「部署」这个命令") {
		t.Errorf("unknown command answer: %q", answers["om_1"])
	}
	if !strings.Contains(answers["om_2"], "本部署没有配置阿里云（aliyun）") || !strings.Contains(answers["om_2"], "可用：ksyun") {
		t.Errorf("unconfigured provider answer: %q", answers["om_2"])
	}
	if !strings.Contains(answers["om_3"], "用法：关闭 工单号") {
		t.Errorf("usage hint: %q", answers["om_3"])
	}

	// A chat that is not allowed is told once, then ignored; nothing reaches the vendor.
	for i := range 2 {
		plain := feishutest.TextMessageEvent(fmt.Sprintf("ev-x%d", i), fmt.Sprintf("om_x%d", i), "oc_stranger", e2eUser, "建单 外部群", feishutest.WithVerificationToken(e2eToken))
		if code, _ := h.post(plain); code != http.StatusOK {
			t.Fatalf("stranger message: %d", code)
		}
	}
	h.waitFor("the refusal", func() bool { return len(h.messages("text")) == 4 })
	if refusal := h.messages("text")[3].Content; !strings.Contains(refusal, `chat_id = \"oc_stranger\"`) &&
		!strings.Contains(refusal, `chat_id = "oc_stranger"`) {
		t.Errorf("the refusal does not say the chat id an admin adds: %s", refusal)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(h.messages("text")); n != 4 {
		t.Errorf("a stranger chat got %d answers, want exactly one refusal", n-3)
	}

	// A person who is neither creator nor admin may not close.
	h.say("ev-4", "om_4", "建单 权限测试")
	h.waitFor("the card", func() bool { return len(h.messages("interactive")) == 1 })
	id := fmt.Sprint(h.ksyun.Tickets()[0].ID)
	code, b := h.post(feishutest.CardActionEvent("ev-5", e2eChat, h.messages("interactive")[0].ID, "ou_someone_else", "close ksyun:"+id, nil, e2eToken))
	if code != http.StatusOK || !strings.Contains(string(b), "只有工单创建人或群管理员") {
		t.Errorf("close by a stranger: %d %s", code, b)
	}
	if got, _ := h.ksyun.Ticket(id); got.Status == 3 {
		t.Error("the ticket was closed by someone not allowed to")
	}
	if len(h.ksyun.Tickets()) != 1 {
		t.Errorf("vendor has %d tickets, want 1", len(h.ksyun.Tickets()))
	}
}

func TestEndToEndVendorErrorIsASentence(t *testing.T) {
	h := startHarness(t, "")
	h.ksyun.FailNext(1, 23000, "工单状态不允许关闭")
	h.say("ev-1", "om_1", "建单 会失败的工单")
	h.waitAnswer("om_1", "金山云返回错误 23000：工单状态不允许关闭")
	if len(h.ksyun.Tickets()) != 0 {
		t.Error("a failed create left a ticket")
	}
}

// The admin listener serves the process's health and metrics, and the public one only the
// webhooks: each answers 404 for what belongs to the other.
func TestAdminListenerApart(t *testing.T) {
	h := startHarness(t, "")
	for _, tt := range []struct {
		base, method, path string
		code               int
		want               string
	}{
		{h.admin, "GET", "/healthz", 200, `"status":"ok"`},
		{h.admin, "GET", "/readyz", 200, `"status":"ready"`},
		{h.admin, "GET", "/metrics", 200, "ticketbot_queue_depth"},
		{h.admin, "GET", "/debug/pprof/", 404, ""}, // [server] pprof is off
		{h.admin, "POST", "/feishu/webhook", 404, ""},
		{h.url, "GET", "/metrics", 404, ""},
		{h.url, "GET", "/healthz", 404, ""},
		{h.url, "GET", "/readyz", 404, ""},
		{h.url, "GET", "/debug/pprof/", 404, ""},
	} {
		req, _ := http.NewRequest(tt.method, tt.base+tt.path, strings.NewReader(`{}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.code || !strings.Contains(string(b), tt.want) {
			t.Errorf("%s %s%s: %d %s, want %d with %q", tt.method, tt.base, tt.path, resp.StatusCode, truncate(string(b), 200), tt.code, tt.want)
		}
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// syncBuffer collects logs from the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The webhook is acked while the vendor has not answered yet: vendor calls are off the
// request path. No timing is involved: the vendor is held until the ack has been received.
func TestAckDoesNotWaitForTheVendor(t *testing.T) {
	h := startHarness(t, "")
	release := h.ksyun.Hold()
	defer release()
	h.say("ev-1", "om_1", "建单 供应商很慢") // fails the test unless answered 200
	h.waitFor("the create to reach the held vendor", func() bool { return h.ksyun.Waiting() == 1 })
	if n := len(h.ksyun.Tickets()); n != 0 {
		t.Fatalf("vendor already has %d tickets while held", n)
	}
	release()
	h.waitFor("the card after the vendor answered", func() bool { return len(h.messages("interactive")) == 1 })
}

// What the person asked for is what the card shows: `优先级: 高` reads 优先级：高 and 中 reads
// 中; 紧急, which Kingsoft does not have, is filed as 高 and the card says so.
func TestEndToEndPriorityAsAsked(t *testing.T) {
	h := startHarness(t, "")
	for i, tc := range []struct{ word, shown, note string }{
		{"高", "**优先级**：高", ""},
		{"中", "**优先级**：中", ""},
		{"低", "**优先级**：低", ""},
		{"紧急", "**优先级**：高", "金山云没有「紧急」级别，已按「高」提交。"},
	} {
		title := fmt.Sprintf("优先级测试 %d", i)
		h.say(fmt.Sprintf("ev-p%d", i), fmt.Sprintf("om_p%d", i), "建单 ksyun "+title+"\n详情\n优先级: "+tc.word)
		var card feishutest.Message
		h.waitFor("the card of "+title, func() bool {
			for _, m := range h.messages("interactive") {
				if strings.Contains(m.Content, title) {
					card = m
					return true
				}
			}
			return false
		})
		if !strings.Contains(card.Content, tc.shown) || (tc.note != "") != strings.Contains(card.Content, "级别") ||
			(tc.note != "" && !strings.Contains(card.Content, tc.note)) {
			t.Errorf("优先级: %s → card %s", tc.word, card.Content)
		}
	}
}

// In a busy Feishu group the answers come within the group's 5 messages/s, each as what it
// should be: twelve 查看 at once give twelve ticket cards, none refused by Feishu and none
// turned into a bare 「已刷新」.
func TestEndToEndBusyGroupGetsEveryCard(t *testing.T) {
	h := startHarness(t, "")
	h.say("ev-0", "om_0", "建单 慢查询告警")
	h.waitFor("the card", func() bool { return len(h.messages("interactive")) == 1 })
	id := fmt.Sprint(h.ksyun.Tickets()[0].ID)
	const n = 12
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.say(fmt.Sprintf("ev-show-%d", i), fmt.Sprintf("om_show_%d", i), "查看 "+id)
		}()
	}
	wg.Wait()
	h.waitFor("twelve more cards", func() bool { return len(h.messages("interactive")) == 1+n })
	if texts := h.messages("text"); len(texts) != 0 {
		t.Errorf("answers degraded to text: %+v", texts)
	}
	if l := h.feishu.Limited(); l != 0 {
		t.Errorf("Feishu refused %d sends for the group's rate", l)
	}
}

// /metrics tells an operator what the process did: webhooks refused by reason, commands by
// outcome, and the vendor calls they made, by vendor and operation.
func TestMetricsForOperators(t *testing.T) {
	h := startHarness(t, "")
	h.createTicket("指标")
	h.say("ev-help", "om_help", "帮助")
	if code := h.postForged([]byte(`{}`)); code != http.StatusUnauthorized {
		t.Fatalf("forged delivery: %d", code)
	}
	var metrics []byte
	h.waitFor("the help counted", func() bool {
		_, metrics = getJSON(t, h.admin+"/metrics")
		return strings.Contains(string(metrics), `ticketbot_commands_total{command="help",result="ok"} 1`)
	})
	for _, want := range []string{
		`ticketbot_webhooks_rejected_total{platform="feishu",reason="bad signature"} 1`,
		`ticketbot_commands_total{command="new",result="ok"} 1`,
		`ticketbot_commands_total{command="help",result="ok"} 1`,
		`ticketbot_vendor_call_seconds_count{op="create",outcome="ok",vendor="ksyun"} 1`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s:\n%s", want, grepLines(string(metrics), "ticketbot_vendor_call_seconds_count", "ticketbot_jobs_given"))
		}
	}
}

// grepLines are the lines of s that contain one of subs.
func grepLines(s string, subs ...string) string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		for _, sub := range subs {
			if strings.Contains(line, sub) {
				out = append(out, line)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

// A delivery gets a request id that every log line it causes names (the command's own lines
// and the vendor calls it made), and so does its audit entry.
func TestRequestIDFollowsADelivery(t *testing.T) {
	h := startHarness(t, "[log]\nlevel = \"debug\"\n")
	h.say("ev-rid", "om_rid", "建单 请求编号")
	created := regexp.MustCompile(`msg="ticket created".* event_id=ev-rid request_id=([0-9a-f]{16})`)
	var id string
	h.waitFor("the ticket created", func() bool {
		m := created.FindStringSubmatch(h.logs.String())
		if m != nil {
			id = m[1]
		}
		return m != nil
	})
	call := regexp.MustCompile(`msg="vendor call" provider=ksyun op=create .*request_id=` + id)
	if !call.MatchString(h.logs.String()) {
		t.Errorf("no vendor call line names request %s:\n%s", id, h.logs)
	}
	if n := strings.Count(h.logs.String(), "request_id="+id); n < 2 {
		t.Errorf("request %s is named by %d lines", id, n)
	}
	db := h.openStore()
	h.waitFor("the audit entry", func() bool {
		entries, _ := db.Audit(context.Background(), time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		return len(entries) == 1 && entries[0].RequestID == id && entries[0].Command == "new"
	})
}
