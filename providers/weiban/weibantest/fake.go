package weibantest

import (
	"bytes"
	"crypto/rand"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/weiban"
)

// detailExample is the response example of Weiban's detail document (seeds/002), verbatim.
//
//go:embed testdata/detail_example.json
var detailExample []byte

// DocOrderNo is the order_no of the document's example work order, which every fake holds.
const DocOrderNo = "1471808049579560960"

// The fake's raw statuses. Only 10 is documented (observed on new work orders); 20 and 30 are
// invented, and deliberately left out of the default status map, so a fake work order that
// was switched or closed is resolved from its flows and buttons, as a real one would be.
const (
	StatusNew        = 10
	StatusProcessing = 20 // invented
	StatusClosed     = 30 // invented
)

// The fake's flow types. 1 新建工单 and 2 待处理 are documented; the others are invented, with
// labels the status resolution reads by their text.
const (
	FlowCreate  = 1 // 新建工单
	FlowPending = 2 // 待处理
	FlowSwitch  = 3 // 流转工单 (invented)
	FlowReply   = 4 // 评论 (invented)
	FlowClose   = 5 // 关闭工单 (invented)
	FlowReopen  = 6 // 重新打开 (invented)
)

// Error codes the fake answers. 10001, 10052, 10053 and 2230x are documented; the
// credentials and parameter codes are invented, because the real ones are unpublished.
const (
	ErrCredentials = 10002 // invented: corp_id or secret wrong
	ErrParam       = 10003 // invented: a parameter is missing or malformed
)

// Staff the fake knows. BotStaffID is the bot's staff_id in Config; AgentID the staff
// member new work orders go to; "LiuYang" is the creator and handler of the document's example.
const (
	BotStaffID      = "ticketbot"
	BotName         = "工单机器人"
	AgentID         = "zhangwei"
	AgentName       = "张伟"
	Agent2ID        = "lina"
	Agent2Name      = "李娜"
	fakeDocStaffID  = "LiuYang"
	defaultFakeTTL  = 2 * time.Hour
	fakeMaxInFlight = maxInFlight
)

// Call is one request the fake received, recorded before any check.
type Call struct {
	Method string
	Path   string
	Query  url.Values
	// Body is the decoded JSON body (numbers as json.Number), nil when there is none.
	Body map[string]any
	// Errcode is what the fake answered.
	Errcode int
}

// Flow is one processing flow of a fake work order.
type Flow struct {
	ID        int64
	Type      int
	TypeName  string
	CreatorID string
	Text      string
	CreatedAt int64
}

// Order is a snapshot of a fake work order.
type Order struct {
	OrderNo   string
	Title     string
	Text      string
	Status    int
	CreatorID string
	HandlerID string
	// TemplateID is the template it was filed under (template_id).
	TemplateID int64
	Reopen     bool
	// Flows are newest first, as Weiban lists them.
	Flows []Flow
}

type fakeFailure struct {
	code int
	msg  string
}

// Server is an in-memory Weiban OpenAPI on a loopback httptest server: the token endpoint, the
// workorder endpoints (detail, list, create, reply, close, switch) and an event sender. It
// holds the document's example work order (DocOrderNo) from the start, keeps created ones in
// memory, checks what Weiban documents (the token, 22301/22302/22304/22307), and refuses a
// sixth call in flight with 10052 as Weiban does. Its list checks limit (1–100), offset,
// start_time with end_time (only together, in seconds: a time in milliseconds is refused) and
// filters by title. AddOrder stores a work order as if opened in Weiban, at any creation time.
// It does not enforce the 600/min limit. It is safe for concurrent use.
type Server struct {
	corpID, secret string
	eventToken     string
	eventAESKey    string
	srv            *httptest.Server

	inFlight    atomic.Int64
	maxInFlight atomic.Int64
	latency     atomic.Int64 // time.Duration

	mu       sync.Mutex
	now      func() time.Time
	tokenTTL time.Duration
	tokens   map[string]time.Time // token → expiry
	issued   int
	staff    map[string]string
	orders   map[string]map[string]any
	seq      []string // order_nos in creation order
	nextNo   int64
	nextID   int64 // flow and row ids
	calls    []Call
	failures []fakeFailure
	last     map[string]any // the last event pushed
	// receiveID is what events are sealed for: the corp id unless SetEventReceiveID.
	receiveID string
	// listOmits are fields list entries leave out (OmitFromList).
	listOmits []string
	// windowByUpdate makes list's start_time/end_time window updated_at (ListWindowByUpdate).
	windowByUpdate bool
	// removedTemplates are templates taken away (RemoveTemplate).
	removedTemplates map[int64]bool
}

// New starts a fake for corpID accepting secret. Close it when done.
func New(corpID, secret string) *Server {
	f := &Server{
		corpID:      corpID,
		receiveID:   corpID,
		secret:      secret,
		eventToken:  "fake-event-token-" + randomHex(8),
		eventAESKey: base64.RawStdEncoding.EncodeToString(randomBytes(32)), // 43 characters
		now:         time.Now,
		tokenTTL:    defaultFakeTTL,
		tokens:      map[string]time.Time{},
		staff: map[string]string{
			BotStaffID: BotName, AgentID: AgentName, Agent2ID: Agent2Name,
			fakeDocStaffID: "超长昵称你怕了吗怕了吗怕了吗怕了吗怕了吗怕了吗怕了吗怕了吗怕了吗",
		},
		orders: map[string]map[string]any{},
		nextNo: 1800000000000000001,
		nextID: 200000,
	}
	var doc struct {
		WorkOrder map[string]any `json:"work_order"`
	}
	dec := json.NewDecoder(bytes.NewReader(detailExample))
	dec.UseNumber() // keep 1653682321878942700 and friends as written
	if err := dec.Decode(&doc); err != nil {
		panic("weiban: fake: the embedded document example does not parse: " + err.Error())
	}
	f.orders[DocOrderNo] = doc.WorkOrder
	f.seq = append(f.seq, DocOrderNo)
	f.srv = httptest.NewServer(http.HandlerFunc(f.serveHTTP))
	return f
}

// URL is the fake's base URL, for Config.BaseURL.
func (f *Server) URL() string { return f.srv.URL }

// Close stops the server.
func (f *Server) Close() { f.srv.Close() }

// Config returns a valid provider configuration pointing at the fake, acting as
// BotStaffID, with the fake's event token and key, and its event receive id when it is
// not the corp id.
func (f *Server) Config() weiban.Config {
	f.mu.Lock()
	receiveID := f.receiveID
	f.mu.Unlock()
	if receiveID == f.corpID {
		receiveID = ""
	}
	c := weiban.Config{
		BaseURL:        f.URL(),
		CorpID:         f.corpID,
		Secret:         providers.Secret(f.secret),
		StaffID:        BotStaffID,
		HandlerID:      AgentID,
		TemplateID:     62081,
		EventToken:     providers.Secret(f.eventToken),
		EventAESKey:    providers.Secret(f.eventAESKey),
		EventReceiveID: receiveID,
	}
	c.Defaults()
	return c
}

// SetEventReceiveID makes the fake seal the events it pushes (and its URL checks) for id
// instead of the corp id, as Weiban's published crypto sample does with the WeCom corp id
// ("ww…") of a corp whose OpenAPI corp_id is numeric.
func (f *Server) SetEventReceiveID(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.receiveID = id
}

// SetClock sets the fake's clock: token expiry and the times it records.
func (f *Server) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// SetTokenTTL sets the lifetime of the tokens issued from now on (expires_in, at least 1 s).
func (f *Server) SetTokenTTL(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokenTTL = max(d, time.Second)
}

// ExpireTokens makes every token issued so far expired: the next call with one is answered
// 10001, as Weiban answers an expired token.
func (f *Server) ExpireTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for tok := range f.tokens {
		f.tokens[tok] = time.Time{}
	}
}

// TokensIssued reports how many tokens the fake has issued.
func (f *Server) TokensIssued() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.issued
}

// SetLatency makes every request take at least d, so concurrency shows.
func (f *Server) SetLatency(d time.Duration) { f.latency.Store(int64(d)) }

// MaxInFlight reports the most requests the fake has had in flight at once.
func (f *Server) MaxInFlight() int { return int(f.maxInFlight.Load()) }

// AddStaff adds a staff member the workorder endpoints accept.
func (f *Server) AddStaff(id, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.staff[id] = name
}

// FailNext makes the next n workorder requests (not token requests) answer errcode code with
// msg.
func (f *Server) FailNext(n, code int, msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.failures = append(f.failures, fakeFailure{code: code, msg: msg})
	}
}

// RateLimitNext makes the next n workorder requests answer 10052 (too many in flight).
func (f *Server) RateLimitNext(n int) { f.FailNext(n, codeTooConcurrent, "接口并发超出限制") }

// Calls returns every request received so far, in order.
func (f *Server) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

var errFakeUnknown = errors.New("weiban fake: unknown work order")

// Update runs fn on a stored work order's raw JSON fields, as the detail API answers them
// (now is the fake's clock, Unix seconds), and stamps updated_at: tests use it to shape a work
// order in ways the API cannot.
func (f *Server) Update(orderNo string, fn func(o map[string]any, now int64)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.orders[orderNo]
	if !ok {
		return fmt.Errorf("%w %s", errFakeUnknown, orderNo)
	}
	now := f.now().Unix()
	fn(o, now)
	o["updated_at"] = now
	return nil
}

// AddOrder stores a work order titled title, created by the bot's staff_id at at, as if it
// had been created in Weiban then, and returns its order_no. Unlike create it checks nothing:
// it is for filling the fake with work orders of any age.
func (f *Server) AddOrder(title string, at time.Time) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.storeOrder(fakeNewOrder{title: title, text: title, staff: BotStaffID, handler: AgentID, templateID: 62081}, at.Unix())
}

// OmitFromList makes list entries leave out these fields from now on. Weiban documents a list
// entry only as {order_no, status, handler_id, updated_at, …} (api-8267893), so a real one may
// carry less than the fake's.
func (f *Server) OmitFromList(fields ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listOmits = append(f.listOmits, fields...)
}

// ListWindowByUpdate makes list's start_time/end_time window the work orders' update time
// instead of their creation time. api-8267893 says only 时间筛选, so a real list may window
// either; the fake windows creation time unless told otherwise.
func (f *Server) ListWindowByUpdate(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.windowByUpdate = on
}

// SetStatus sets a work order's raw status.
func (f *Server) SetStatus(orderNo string, status int) error {
	return f.Update(orderNo, func(o map[string]any, _ int64) { o["status"] = status })
}

// AddFlow adds a comment (评论) by staffID, as a staff member replying in Weiban would.
func (f *Server) AddFlow(orderNo, staffID, text string) error {
	return f.Update(orderNo, func(o map[string]any, now int64) {
		f.addFlow(o, FlowReply, "评论", text, staffID, "", now)
	})
}

// Reopen reopens a closed work order (重新打开), as a staff member would in Weiban.
func (f *Server) Reopen(orderNo, staffID string) error {
	return f.Update(orderNo, func(o map[string]any, now int64) {
		o["status"] = StatusProcessing
		o["reopen"] = true
		setButtons(o, true)
		f.addFlow(o, FlowReopen, "重新打开", "", staffID, "", now)
	})
}

// Order returns a snapshot of a work order.
func (f *Server) Order(orderNo string) (Order, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.orders[orderNo]
	if !ok {
		return Order{}, false
	}
	return snapshot(o), true
}

// Orders returns snapshots of every work order, in creation order (the document's first).
func (f *Server) Orders() []Order {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Order, 0, len(f.seq))
	for _, no := range f.seq {
		out = append(out, snapshot(f.orders[no]))
	}
	return out
}

// addFlow prepends a flow (Weiban lists newest first). The caller holds f.mu.
func (f *Server) addFlow(o map[string]any, typ int, typeName, text, creatorID, toID string, now int64) {
	f.nextID++
	name := f.staff[creatorID]
	flow := map[string]any{
		"attached_json": []any{}, "cc_list": nil, "content": map[string]any{"pic": nil, "text": text},
		"created_at": now, "creator_avatar": "", "creator_id": creatorID, "creator_name": name,
		"del_reply_status": false, "handler_avatar": "", "handler_id": o["handler_id"], "handler_name": o["handler_name"],
		"id": f.nextID, "is_show": 1, "point": 0, "reply_time": 0,
		"to_avatar": "", "to_id": toID, "to_name": f.staff[toID], "to_type": 0, "type": typ, "type_name": typeName,
	}
	flows, _ := o["processing_flows"].([]any)
	o["processing_flows"] = append([]any{flow}, flows...)
}

// setButtons sets button_operate for an open (true) or closed (false) work order.
func setButtons(o map[string]any, open bool) {
	b, _ := o["button_operate"].(map[string]any)
	b = maps.Clone(b)
	if b == nil {
		b = map[string]any{}
	}
	b["close"], b["comment"], b["reopen"] = open, open, !open
	o["button_operate"] = b
}

// snapshot reads a stored work order.
func snapshot(o map[string]any) Order {
	content, _ := o["content"].(map[string]any)
	out := Order{
		OrderNo: str(o["order_no"]), Title: str(o["title"]), Text: str(content["text"]),
		Status: int(num(o["status"])), CreatorID: str(o["creator_id"]), HandlerID: str(o["handler_id"]),
		Reopen: o["reopen"] == true, TemplateID: num(o["template_id"]),
	}
	flows, _ := o["processing_flows"].([]any)
	for _, x := range flows {
		fl, _ := x.(map[string]any)
		c, _ := fl["content"].(map[string]any)
		out.Flows = append(out.Flows, Flow{
			ID: num(fl["id"]), Type: int(num(fl["type"])), TypeName: str(fl["type_name"]),
			CreatorID: str(fl["creator_id"]), Text: str(c["text"]), CreatedAt: num(fl["created_at"]),
		})
	}
	return out
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func num(v any) int64 {
	switch x := v.(type) {
	case json.Number:
		n, _ := x.Int64()
		return n
	case int:
		return int64(x)
	case int64:
		return x
	case float64:
		return int64(x)
	}
	return 0
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }
