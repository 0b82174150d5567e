package feishutest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is a Feishu open API on a loopback httptest.Server, for tests and the demo: point
// feishu.Config.BaseURL at URL(). It serves the calls package feishu makes and checks what Feishu
// checks: the app credentials, the Bearer tenant token, the message type, that content is
// JSON, that cards are JSON 2.0 with config.update_multi true (before and after an update)
// and at most 30 KB, that only known cards are patched, uuid idempotency and the two uses of
// a card update token. It records every request and message and can be told to fail. It is
// safe for concurrent use.
//
// Error codes follow Feishu's where we know them (99991663 invalid token, 99991400 rate
// limit, 230025 content too long); the others are plausible stand-ins. Tests should rely on
// an error being returned, not on those values.
type Server struct {
	srv       *httptest.Server
	appID     string
	appSecret string

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced whenever a message is added
	tokens     map[string]bool
	msgSeq     int
	tokSeq     int
	msgs       []*Message
	byID       map[string]*Message
	byUUID     map[string]*Message
	cardTokens map[string]*fakeCardToken
	reqs       []Request
	fail       []fakeFailure
	// perChat holds the send times of the last second per chat: Feishu allows 5 messages
	// per second into one group (shared by all bots), and so does the fake.
	perChat map[string][]time.Time
	limited int
	// resources are the files and images people sent, by message id and key.
	resources map[string][]byte
	// posted are the messages people and other apps posted (PutMessage), by id; users are
	// the names the contact API knows, by open_id (PutUser).
	posted map[string]ChatMessage
	users  map[string]string
}

// PutResource makes a file or image of a person's message downloadable, as if they had sent
// it (tests and the demo).
func (f *Server) PutResource(messageID, key string, data []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.resources == nil {
		f.resources = map[string][]byte{}
	}
	f.resources[messageID+"/"+key] = data
}

// resource serves GET /open-apis/im/v1/messages/{id}/resources/{key}?type=image|file: the
// bytes, or Feishu's JSON error.
func (f *Server) resource(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	auth := f.checkAuth(r.Header.Get("Authorization"))
	data, ok := f.resources[r.PathValue("id")+"/"+r.PathValue("key")]
	typ := r.URL.Query().Get("type")
	f.reqs = append(f.reqs, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Authorization: r.Header.Get("Authorization")})
	f.mu.Unlock()
	fail := func(status, code int, msg string) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		b, _ := json.Marshal(map[string]any{"code": code, "msg": msg})
		_, _ = w.Write(b)
	}
	switch {
	case auth.code != 0:
		fail(auth.status, auth.code, auth.msg)
	case typ != "image" && typ != "file":
		fail(http.StatusBadRequest, CodeParam, "field validation failed: type")
	case !ok:
		fail(http.StatusBadRequest, CodeNotFound, "resource not found")
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(data)
	}
}

// fakeChatRate is Feishu's per-group limit (DOC 频控策略: 5 QPS per group).
const fakeChatRate = 5

// chatLimited records a send into chat and reports whether it exceeds the per-chat rate.
func (f *Server) chatLimited(chat string) bool {
	if chat == "" {
		return false
	}
	if f.perChat == nil {
		f.perChat = map[string][]time.Time{}
	}
	now := time.Now()
	recent := f.perChat[chat][:0]
	for _, t := range f.perChat[chat] {
		if now.Sub(t) < time.Second {
			recent = append(recent, t)
		}
	}
	if len(recent) >= fakeChatRate {
		f.perChat[chat] = recent
		f.limited++
		return true
	}
	f.perChat[chat] = append(recent, now)
	return false
}

// Limited counts sends the fake refused for exceeding Feishu's per-chat rate.
func (f *Server) Limited() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.limited
}

// Message is a message the fake holds.
type Message struct {
	ID      string
	ChatID  string // "" for a reply to a message the fake never saw
	MsgType string
	// Content is the current content: the card JSON (after any patch or delayed update) or
	// the text message's {"text": …}.
	Content string
	// ParentID is the message this one replies to; ThreadOf is the root of the topic (话题)
	// it was posted in with reply_in_thread, "" otherwise.
	ParentID string
	ThreadOf string
	UUID     string
	// Patches counts PATCH updates; TokenUpdates counts delayed updates by card token.
	Patches      int
	TokenUpdates int
}

// Request is one request the fake received.
type Request struct {
	Method        string
	Path          string
	Query         string
	Authorization string
	Body          []byte
	// Status and Code are what the fake answered.
	Status int
	Code   int
}

type fakeCardToken struct {
	messageID string
	uses      int
}

type fakeFailure struct {
	status, code int
	msg          string
}

// Feishu's limits the fake enforces.
const (
	fakeMaxCard       = 30 << 10 // DOC: card message body at most 30 KB
	fakeCardTokenUses = 2        // DOC 延时更新消息卡片: "最多可更新 2 次"
	fakeTokenExpire   = 7200     // seconds
)

// Codes the fake answers with: Feishu's where they are known (CodeBadToken, CodeRateLimit,
// CodeTooLong), plausible stand-ins otherwise. Exported for the tests that check which
// refusal a client saw; a test of the bot should rely on an error, not on the value.
const (
	CodeParam        = 99992402 // field validation failed
	CodeBadAppID     = 10003
	CodeBadSecret    = 10014
	CodeNoToken      = 99991661
	CodeBadToken     = 99991663
	CodeRateLimit    = 99991400
	CodeBadContent   = 230001
	CodeNotFound     = 230011
	CodeTooLong      = 230025
	CodeCard         = 230099
	CodeCardToken    = 200750
	CodeNoUser       = 41050 // the user is outside the app's contact scope
	CodeWSNotServed  = 403
	CodeWSAuthFailed = 514
)

// knownMsgTypes are the msg_type values of im/v1 message create (DOC 发送消息内容).
var knownMsgTypes = map[string]bool{
	"text": true, "post": true, "image": true, "file": true, "audio": true, "media": true,
	"sticker": true, "interactive": true, "share_chat": true, "share_user": true, "system": true,
}

// New starts a fake that accepts the app credentials appID and appSecret.
func New(appID, appSecret string) *Server {
	f := &Server{
		appID:      appID,
		appSecret:  appSecret,
		changed:    make(chan struct{}),
		tokens:     map[string]bool{},
		byID:       map[string]*Message{},
		byUUID:     map[string]*Message{},
		cardTokens: map[string]*fakeCardToken{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+pathTenantToken, f.endpoint(false, f.tenantToken))
	mux.HandleFunc("GET "+pathBotInfo, f.endpoint(true, f.botInfo))
	mux.HandleFunc("POST "+pathMessages, f.endpoint(true, f.create))
	mux.HandleFunc("POST /open-apis/im/v1/messages/{id}/reply", f.endpoint(true, f.reply))
	mux.HandleFunc("PATCH /open-apis/im/v1/messages/{id}", f.endpoint(true, f.patch))
	mux.HandleFunc("POST "+pathCardUpdate, f.endpoint(true, f.cardUpdate))
	mux.HandleFunc("GET /open-apis/im/v1/messages/{id}/resources/{key}", f.resource)
	mux.HandleFunc("GET /open-apis/im/v1/messages/{id}", f.endpoint(true, f.getMessage))
	mux.HandleFunc("GET /open-apis/contact/v3/users/{id}", f.endpoint(true, f.getUser))
	// The long connection's bootstrap (SDK ws/const.go). The fake has no WebSocket server,
	// so it refuses with a client error, which makes ws.Client.Start return at once.
	mux.HandleFunc("POST /callback/ws/endpoint", f.endpoint(false, f.wsEndpoint))
	mux.HandleFunc("/", f.endpoint(false, func(*http.Request, []byte) fakeAnswer {
		return fakeAnswer{status: http.StatusNotFound, code: http.StatusNotFound, msg: "not found"}
	}))
	f.srv = httptest.NewServer(mux)
	return f
}

// URL is the base URL to put in feishu.Config.BaseURL.
func (f *Server) URL() string { return f.srv.URL }

// Close shuts the server down.
func (f *Server) Close() { f.srv.Close() }

// Messages returns copies of every message, in the order they were created.
func (f *Server) Messages() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Message, len(f.msgs))
	for i, m := range f.msgs {
		out[i] = *m
	}
	return out
}

// Message returns a copy of the message id.
func (f *Server) Message(id string) (Message, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.byID[id]
	if !ok {
		return Message{}, false
	}
	return *m, true
}

// Requests returns copies of every request received, in order.
func (f *Server) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Request, len(f.reqs))
	for i, r := range f.reqs {
		r.Body = bytes.Clone(r.Body)
		out[i] = r
	}
	return out
}

// WaitForMessages waits until the fake holds at least n messages or timeout passes, and
// returns the messages it has then.
func (f *Server) WaitForMessages(n int, timeout time.Duration) []Message {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		f.mu.Lock()
		have, changed := len(f.msgs), f.changed
		f.mu.Unlock()
		if have >= n {
			return f.Messages()
		}
		select {
		case <-changed:
		case <-timer.C:
			return f.Messages()
		}
	}
}

// FailNext makes the next n message and card requests (not the token endpoint) fail with
// the HTTP status, code and msg given, without doing anything. A 429 or code 99991400 also
// carries x-ogw-ratelimit-reset: 1.
func (f *Server) FailNext(n int, httpStatus int, code int, msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.fail = append(f.fail, fakeFailure{httpStatus, code, msg})
	}
}

// CardToken issues a delayed-update token for the card messageID, as Feishu puts one in each
// card.action.trigger callback; pass it to CardActionEvent with WithCardToken.
func (f *Server) CardToken(messageID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokSeq++
	tok := fmt.Sprintf("c-fake-%d", f.tokSeq)
	f.cardTokens[tok] = &fakeCardToken{messageID: messageID}
	return tok
}

// RevokeTokens invalidates every tenant token issued so far, as if they had expired.
func (f *Server) RevokeTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.tokens)
}

// fakeAnswer is what a handler decided; endpoint writes it.
type fakeAnswer struct {
	status int
	code   int
	msg    string
	data   any
	extra  map[string]any // top-level fields besides code/msg/data (the token endpoint's)
	header http.Header
}

func fakeErr(code int, format string, args ...any) fakeAnswer {
	return fakeAnswer{status: http.StatusBadRequest, code: code, msg: fmt.Sprintf(format, args...)}
}

// endpoint wraps a handler with what every call shares: reading the body, injected
// failures, the Bearer token check and recording. The handler runs under f.mu.
func (f *Server) endpoint(auth bool, h func(r *http.Request, body []byte) fakeAnswer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		f.mu.Lock()
		var a fakeAnswer
		switch {
		case auth && len(f.fail) > 0:
			fl := f.fail[0]
			f.fail = f.fail[1:]
			a = fakeAnswer{status: fl.status, code: fl.code, msg: fl.msg}
			if fl.status == http.StatusTooManyRequests || fl.code == CodeRateLimit {
				a.header = http.Header{"X-Ogw-Ratelimit-Reset": {"1"}}
			}
		case auth:
			a = f.checkAuth(r.Header.Get("Authorization"))
			if a.code == 0 {
				a = h(r, body)
			}
		default:
			a = h(r, body)
		}
		if a.status == 0 {
			a.status = http.StatusOK
		}
		if a.msg == "" && a.code == 0 && a.status == http.StatusOK {
			a.msg = "success"
		}
		f.reqs = append(f.reqs, Request{
			Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			Authorization: r.Header.Get("Authorization"), Body: body,
			Status: a.status, Code: a.code,
		})
		f.mu.Unlock()

		out := map[string]any{"code": a.code, "msg": a.msg}
		if a.data != nil {
			out["data"] = a.data
		}
		for k, v := range a.extra {
			out[k] = v
		}
		b, _ := json.Marshal(out)
		for k, vs := range a.header {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(a.status)
		_, _ = w.Write(b)
	}
}

func (f *Server) checkAuth(h string) fakeAnswer {
	tok, ok := strings.CutPrefix(h, "Bearer ")
	switch {
	case !ok || tok == "":
		return fakeErr(CodeNoToken, "Missing access token for authorization.")
	case !f.tokens[tok]:
		return fakeErr(CodeBadToken, "Invalid access token for authorization.")
	}
	return fakeAnswer{}
}

// tenantToken serves POST /open-apis/auth/v3/tenant_access_token/internal.
func (f *Server) tenantToken(_ *http.Request, body []byte) fakeAnswer {
	var req struct {
		AppID     string `json:"app_id"`
		AppSecret string `json:"app_secret"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return fakeErr(CodeParam, "invalid request body")
	}
	if req.AppID != f.appID {
		return fakeAnswer{code: CodeBadAppID, msg: "invalid app_id"}
	}
	if req.AppSecret != f.appSecret {
		return fakeAnswer{code: CodeBadSecret, msg: "app secret invalid"}
	}
	tok := "t-" + randomHex(16) // random per fake, so one fake's token is invalid at another
	f.tokens[tok] = true
	return fakeAnswer{msg: "ok", extra: map[string]any{"tenant_access_token": tok, "expire": fakeTokenExpire}}
}

// botInfo serves GET /open-apis/bot/v3/info: the app's bot, under "bot" rather than "data".
func (f *Server) botInfo(*http.Request, []byte) fakeAnswer {
	return fakeAnswer{msg: "ok", extra: map[string]any{"bot": map[string]any{
		"activate_status": 2, "app_name": "ticketbot", "avatar_url": "", "ip_white_list": []string{}, "open_id": BotOpenID,
	}}}
}

// create serves POST /open-apis/im/v1/messages?receive_id_type=…
func (f *Server) create(r *http.Request, body []byte) fakeAnswer {
	switch r.URL.Query().Get("receive_id_type") {
	case "chat_id", "open_id", "user_id", "union_id", "email":
	default:
		return fakeErr(CodeParam, "field validation failed: receive_id_type")
	}
	var req struct {
		ReceiveID string `json:"receive_id"`
		MsgType   string `json:"msg_type"`
		Content   string `json:"content"`
		UUID      string `json:"uuid"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return fakeErr(CodeParam, "invalid request body")
	}
	if req.ReceiveID == "" {
		return fakeErr(CodeParam, "field validation failed: receive_id")
	}
	if m, ok := f.byUUID[req.UUID]; ok && req.UUID != "" {
		return fakeAnswer{data: messageJSON(m)}
	}
	if a, ok := checkContent(req.MsgType, req.Content, req.UUID); !ok {
		return a
	}
	if f.chatLimited(req.ReceiveID) {
		return fakeAnswer{status: http.StatusTooManyRequests, code: CodeRateLimit, msg: "request trigger frequency limit"}
	}
	m := f.add(&Message{ChatID: req.ReceiveID, MsgType: req.MsgType, Content: req.Content, UUID: req.UUID})
	return fakeAnswer{data: messageJSON(m)}
}

// reply serves POST /open-apis/im/v1/messages/{id}/reply.
func (f *Server) reply(r *http.Request, body []byte) fakeAnswer {
	parentID := r.PathValue("id")
	var req struct {
		Content       string `json:"content"`
		MsgType       string `json:"msg_type"`
		ReplyInThread bool   `json:"reply_in_thread"`
		UUID          string `json:"uuid"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return fakeErr(CodeParam, "invalid request body")
	}
	if !strings.HasPrefix(parentID, "om_") {
		return fakeErr(CodeNotFound, "message not found")
	}
	if m, ok := f.byUUID[req.UUID]; ok && req.UUID != "" {
		return fakeAnswer{data: messageJSON(m)}
	}
	if a, ok := checkContent(req.MsgType, req.Content, req.UUID); !ok {
		return a
	}
	m := &Message{MsgType: req.MsgType, Content: req.Content, ParentID: parentID, UUID: req.UUID}
	// A reply to a message the fake never saw (a person's message) stays chat-less.
	if p, ok := f.byID[parentID]; ok {
		m.ChatID = p.ChatID
		if req.ReplyInThread {
			m.ThreadOf = p.ThreadOf
		}
	}
	if f.chatLimited(m.ChatID) {
		return fakeAnswer{status: http.StatusTooManyRequests, code: CodeRateLimit, msg: "request trigger frequency limit"}
	}
	if req.ReplyInThread && m.ThreadOf == "" {
		m.ThreadOf = parentID
	}
	f.add(m)
	return fakeAnswer{data: messageJSON(m)}
}

// patch serves PATCH /open-apis/im/v1/messages/{id}: only cards, only ones it sent.
func (f *Server) patch(r *http.Request, body []byte) fakeAnswer {
	m, ok := f.byID[r.PathValue("id")]
	if !ok {
		return fakeErr(CodeNotFound, "message not found")
	}
	var req struct {
		Content string `json:"content"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return fakeErr(CodeParam, "invalid request body")
	}
	if m.MsgType != "interactive" {
		return fakeErr(CodeBadContent, "only interactive messages can be patched")
	}
	if msg := checkCard(req.Content); msg != "" {
		return fakeErr(CodeCard, "%s", msg)
	}
	if len(req.Content) > fakeMaxCard {
		return fakeErr(CodeTooLong, "message content too long")
	}
	m.Content = req.Content
	m.Patches++
	return fakeAnswer{}
}

// cardUpdate serves POST /open-apis/interactive/v1/card/update (delayed update by token).
func (f *Server) cardUpdate(_ *http.Request, body []byte) fakeAnswer {
	var req struct {
		Token string          `json:"token"`
		Card  json.RawMessage `json:"card"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Token == "" || len(req.Card) == 0 {
		return fakeErr(CodeParam, "field validation failed: token, card")
	}
	t, ok := f.cardTokens[req.Token]
	if !ok {
		return fakeErr(CodeCardToken, "invalid card token")
	}
	if t.uses >= fakeCardTokenUses {
		return fakeErr(CodeCardToken, "card token used up")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, req.Card); err != nil {
		return fakeErr(CodeParam, "card is not valid JSON")
	}
	if msg := checkCard(compact.String()); msg != "" {
		return fakeErr(CodeCard, "%s", msg)
	}
	if compact.Len() > fakeMaxCard {
		return fakeErr(CodeTooLong, "card too long")
	}
	m, ok := f.byID[t.messageID]
	if !ok {
		return fakeErr(CodeNotFound, "message not found")
	}
	t.uses++
	m.Content = compact.String()
	m.TokenUpdates++
	return fakeAnswer{}
}

// wsEndpoint serves the long connection's bootstrap: it checks the credentials, then refuses,
// having no WebSocket server behind it.
func (f *Server) wsEndpoint(_ *http.Request, body []byte) fakeAnswer {
	var req struct {
		AppID     string `json:"AppID"`
		AppSecret string `json:"AppSecret"`
	}
	_ = json.Unmarshal(body, &req)
	if req.AppID != f.appID || req.AppSecret != f.appSecret {
		return fakeAnswer{code: CodeWSAuthFailed, msg: "auth failed"}
	}
	return fakeAnswer{code: CodeWSNotServed, msg: "the fake has no long connection"}
}

// checkContent validates a message's type and content as Feishu does.
func checkContent(msgType, content, uuid string) (fakeAnswer, bool) {
	if !knownMsgTypes[msgType] {
		return fakeErr(CodeBadContent, "unknown msg_type %q", msgType), false
	}
	if len(uuid) > maxUUIDLen {
		return fakeErr(CodeParam, "field validation failed: uuid longer than 50"), false
	}
	if !json.Valid([]byte(content)) {
		return fakeErr(CodeBadContent, "content is not valid JSON"), false
	}
	switch msgType {
	case "text":
		var c struct {
			Text *string `json:"text"`
		}
		if json.Unmarshal([]byte(content), &c) != nil || c.Text == nil {
			return fakeErr(CodeBadContent, "text content needs a text field"), false
		}
	case "interactive":
		if msg := checkCard(content); msg != "" {
			return fakeErr(CodeCard, "%s", msg), false
		}
		if len(content) > fakeMaxCard {
			return fakeErr(CodeTooLong, "message content too long"), false
		}
	}
	return fakeAnswer{}, true
}

// checkCard requires a card JSON 2.0 that everyone sees updated: schema "2.0", a body, and
// config.update_multi true, which a patch needs before and after (DOC 更新应用发送的消息卡片).
func checkCard(content string) string {
	var c struct {
		Schema string `json:"schema"`
		Config *struct {
			UpdateMulti *bool `json:"update_multi"`
		} `json:"config"`
		Body json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal([]byte(content), &c); err != nil {
		return "card is not a JSON object"
	}
	if c.Schema != "2.0" {
		return `card must be JSON 2.0 ("schema":"2.0")`
	}
	if c.Config == nil || c.Config.UpdateMulti == nil || !*c.Config.UpdateMulti {
		return "card needs config.update_multi true to be updated"
	}
	if len(c.Body) == 0 {
		return "card has no body"
	}
	return ""
}

// add stores a new message and wakes WaitForMessages.
func (f *Server) add(m *Message) *Message {
	f.msgSeq++
	m.ID = "om_fake_" + strconv.Itoa(f.msgSeq)
	f.msgs = append(f.msgs, m)
	f.byID[m.ID] = m
	if m.UUID != "" {
		f.byUUID[m.UUID] = m
	}
	close(f.changed)
	f.changed = make(chan struct{})
	return m
}

// messageJSON is the data of a create or reply answer.
func messageJSON(m *Message) map[string]any {
	root := m.ThreadOf
	return map[string]any{
		"message_id": m.ID,
		"root_id":    root,
		"parent_id":  m.ParentID,
		"msg_type":   m.MsgType,
		"chat_id":    m.ChatID,
		"body":       map[string]string{"content": m.Content},
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
