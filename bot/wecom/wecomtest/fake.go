package wecomtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ticketbot/ticketbot/internal/msgcrypt"
)

// Server is WeCom on a loopback httptest.Server, for tests and the demo. Point
// wecom.Config.APIBaseURL at URL() and wecom.Config.WSURL at WSURL(). It serves:
//
//   - the group webhook robot, POST /cgi-bin/webhook/send?key=…: it checks the key, the
//     message shape and type (text, markdown, template_card text_notice/news_notice only:
//     the robot shows no buttons) and 20 messages a minute per key (45009 beyond), and its
//     file upload, POST /cgi-bin/webhook/upload_media?key=…&type=file (Uploads);
//   - the 智能机器人's limit of 30 messages a minute and 1000 an hour per chat, replies
//     (response_url, aibot_respond_msg) and pushes (aibot_send_msg) together: 45009 beyond,
//     counted by FrequencyRefusals;
//   - response_url, POST /cgi-bin/aibot/response?response_code=…: codes come from
//     ResponseURL (and the callbacks the fake builds), each good for one POST within an hour;
//     markdown or template_card;
//   - the long connection at WSURL(): subscription with bot_id and secret, one connection per
//     bot (a newer one kicks the older with disconnected_event), ping, and the bot's
//     aibot_respond_msg / aibot_respond_update_msg (within 5 s of the click, once) /
//     aibot_send_msg frames, which it checks and acknowledges. PushMessage and PushEvent send
//     callbacks to the bot; DropConnection cuts it.
//
// Template cards are checked for what DOC 101032 asks: a known card_type, a title, task_id
// ([A-Za-z0-9_\-@], ≤ 128 bytes, unique per bot) on interactive cards, at most 6 buttons with
// keys ≤ 1024 bytes, a multiple_interaction card's selects and submit button (CheckCard), and
// the documented text lengths; a click's card update must name the clicked card's task_id. It
// also sends callbacks to the bot's HTTP handler, encrypted and signed (PostCallback,
// VerifyURL), a card's submit among them as WeCom's client makes it (PostSubmit,
// SubmitEvent). Everything the bot sent is
// recorded (Sent, WaitFor). It is safe for concurrent use.
//
// Error codes follow WeCom's where known (45009 frequency, 93000 invalid webhook key, 40008
// invalid message type); the others are stand-ins. Tests should rely on an error, not on
// those values.
type Server struct {
	cfg   Config
	crypt *msgcrypt.Crypt
	srv   *httptest.Server
	hc    *http.Client

	mu        sync.Mutex
	files     map[string][]byte // encrypted downloads, by link id (PutFile)
	changed   chan struct{}     // closed and replaced whenever something is recorded
	sent      []Sent
	codes     map[string]*fakeCode
	codeSeq   int
	taskIDs   map[string]bool
	robotLog  map[string][]time.Time
	uploads   int                    // files the robots took (upload_media)
	chatLog   map[string][]time.Time // per chat: the 智能机器人's accepted messages of the last hour
	refusals  int                    // 45009 answers for a chat's or a robot's rate
	robotFail []fakeFailure
	wsFail    []fakeFailure
	ws        fakeWS
}

// Config sets the fake's credentials and clock; zero values take the defaults.
type Config struct {
	// Token and EncodingAESKey sign and encrypt the callbacks the fake sends; give the bot
	// the same. Defaults Token and EncodingAESKey.
	Token          string
	EncodingAESKey string
	// BotID and Secret are the long-connection credentials the fake accepts. Defaults
	// BotID and Secret.
	BotID  string
	Secret string
	// Robots are the group webhook robots the fake accepts: key → the group it was added to
	// (and posts into). WebhookKey (default WebhookKey) is one more, of the group
	// WebhookChat.
	Robots      map[string]string
	WebhookKey  string
	WebhookChat string
	// RobotPerMinute is the robot's limit (default 20, DOC 91770).
	RobotPerMinute int
	// ChatPerMinute and ChatPerHour are the 智能机器人's limits per chat (default 30 and
	// 1000, DOC 101463).
	ChatPerMinute int
	ChatPerHour   int
	// StrictPush refuses aibot_send_msg to a chat that never messaged the bot over the
	// long connection, as WeCom does (DOC 101463); off by default, so a test may push first.
	StrictPush bool
	// Now is the fake's clock: rate limits, response_url lifetime, the 5 s click window and
	// the callbacks' timestamps. Default time.Now; share a test clock with the bot's
	// WithClock.
	Now func() time.Time
}

// Defaults of Config: the token and key are the reference's test vector's.
const (
	Token          = "QDG6eK"
	EncodingAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	BotID          = "fake-bot"
	Secret         = "fake-ws-secret"
	WebhookKey     = "fake-robot-key"
)

// Codes the fake answers with.
const (
	fakeCodeFrequency  = codeFrequency // api freq out of limit
	fakeCodeBadKey     = 93000         // invalid webhook url
	fakeCodeBadMsgType = 40008         // invalid message type
	fakeCodeBadParam   = 40058         // stand-in: invalid parameter
	fakeCodeCard       = 600001        // stand-in: invalid template card
	fakeCodeUsed       = 600002        // stand-in: response_code used or expired
	fakeCodeTaskID     = 600003        // stand-in: task_id invalid or not unique
	fakeCodeAuth       = 600004        // stand-in: wrong bot_id or secret
	fakeCodeReqID      = 600005        // stand-in: req_id unknown, used, or out of time
	fakeCodeNoChat     = 600006        // stand-in: the chat never talked to the bot
)

// Server limits (DOC 91770, 101032, 101138, 101463).
const (
	fakeMaxRobotText     = 2048
	fakeMaxRobotMarkdown = 4096
	fakeMaxBotMarkdown   = 20480
	fakeResponseURLTTL   = time.Hour
	fakeClickWindow      = 5 * time.Second
	fakeWSPath           = "/ws"
)

// Sent is one message the bot sent, as the fake received it.
type Sent struct {
	// Channel is "robot", "response_url" or "ws".
	Channel string
	// Cmd is the long-connection command (aibot_send_msg, aibot_respond_msg,
	// aibot_respond_update_msg); empty on HTTP channels.
	Cmd string
	// ReqID is the frame's req_id (long connection only).
	ReqID string
	// Chat is the chat the message went to: the chat a response_url or req_id was issued
	// for, aibot_send_msg's chatid ("single:<userid>" for chat_type 1), "" for the robot (it
	// posts into its own group).
	Chat string
	// MsgType is markdown, text, template_card, stream, or update_template_card.
	MsgType string
	// Body is the request body (HTTP) or the frame's body (long connection), as sent.
	Body json.RawMessage
}

// Content is a markdown, text or stream message's text, or "".
func (s Sent) Content() string {
	var b struct {
		Markdown struct{ Content string } `json:"markdown"`
		Text     struct{ Content string } `json:"text"`
		Stream   struct{ Content string } `json:"stream"`
	}
	_ = json.Unmarshal(s.Body, &b)
	return b.Markdown.Content + b.Text.Content + b.Stream.Content
}

// Card is the template_card object of a card message or card update, or nil.
func (s Sent) Card() json.RawMessage {
	var b struct {
		TemplateCard json.RawMessage `json:"template_card"`
	}
	_ = json.Unmarshal(s.Body, &b)
	return b.TemplateCard
}

// TaskID is the card's task_id, or "".
func (s Sent) TaskID() string {
	var c struct {
		TaskID string `json:"task_id"`
	}
	_ = json.Unmarshal(s.Card(), &c)
	return c.TaskID
}

type fakeCode struct {
	chat    string
	expires time.Time
	used    bool
}

type fakeFailure struct {
	code int
	msg  string
}

// New starts a fake WeCom.
func New(cfg Config) *Server {
	if cfg.Token == "" {
		cfg.Token = Token
	}
	if cfg.EncodingAESKey == "" {
		cfg.EncodingAESKey = EncodingAESKey
	}
	if cfg.BotID == "" {
		cfg.BotID = BotID
	}
	if cfg.Secret == "" {
		cfg.Secret = Secret
	}
	if cfg.WebhookKey == "" {
		cfg.WebhookKey = WebhookKey
	}
	robots := map[string]string{cfg.WebhookKey: cfg.WebhookChat}
	for k, chat := range cfg.Robots {
		robots[k] = chat
	}
	cfg.Robots = robots
	if cfg.RobotPerMinute <= 0 {
		cfg.RobotPerMinute = robotPerMinute
	}
	if cfg.ChatPerMinute <= 0 {
		cfg.ChatPerMinute = chatPerMinute
	}
	if cfg.ChatPerHour <= 0 {
		cfg.ChatPerHour = chatPerHour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	crypt, err := msgcrypt.New(cfg.EncodingAESKey)
	if err != nil {
		panic(fmt.Sprintf("wecomtest: New: encoding_aes_key: %v", err))
	}
	f := &Server{
		cfg:      cfg,
		crypt:    crypt,
		hc:       &http.Client{Timeout: 30 * time.Second},
		changed:  make(chan struct{}),
		codes:    map[string]*fakeCode{},
		taskIDs:  map[string]bool{},
		robotLog: map[string][]time.Time{},
		chatLog:  map[string][]time.Time{},
	}
	f.ws.init()
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+pathRobotSend, f.endpoint(f.robot))
	mux.HandleFunc("POST "+pathRobotUpload, f.endpoint(f.robotUpload))
	mux.HandleFunc("POST "+pathResponseURL, f.endpoint(f.response))
	mux.HandleFunc("GET "+fakeWSPath, f.serveWS)
	mux.HandleFunc("GET "+pathFiles, f.file)
	mux.HandleFunc("/", f.endpoint(func(*http.Request, []byte) fakeAnswer {
		return fakeAnswer{status: http.StatusNotFound, code: 404, msg: "not found"}
	}))
	f.srv = httptest.NewServer(mux)
	return f
}

// URL is the base URL to put in wecom.Config.APIBaseURL.
func (f *Server) URL() string { return f.srv.URL }

// WSURL is the long-connection URL to put in wecom.Config.WSURL.
func (f *Server) WSURL() string { return "ws" + strings.TrimPrefix(f.srv.URL, "http") + fakeWSPath }

// Config is the fake's configuration, defaults filled in.
func (f *Server) Config() Config { return f.cfg }

// Close cuts the long connection and shuts the server down.
func (f *Server) Close() {
	f.closeWS()
	f.srv.CloseClientConnections()
	f.srv.Close()
}

// ResponseURL issues a fresh response_url for chat, as WeCom puts one in each callback.
func (f *Server) ResponseURL(chat string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.codeSeq++
	code := "rc" + strconv.Itoa(f.codeSeq) + "-" + randomHex(6)
	f.codes[code] = &fakeCode{chat: chat, expires: f.cfg.Now().Add(fakeResponseURLTTL)}
	return f.srv.URL + pathResponseURL + "?response_code=" + code
}

// Sent returns copies of everything the bot sent, in order.
func (f *Server) Sent() []Sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Sent, len(f.sent))
	for i, s := range f.sent {
		s.Body = bytes.Clone(s.Body)
		out[i] = s
	}
	return out
}

// WaitFor waits until ok accepts what the bot has sent, or timeout passes; it returns the
// records and whether ok accepted them.
func (f *Server) WaitFor(timeout time.Duration, ok func([]Sent) bool) ([]Sent, bool) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		f.mu.Lock()
		changed := f.changed
		f.mu.Unlock()
		sent := f.Sent()
		if ok(sent) {
			return sent, true
		}
		select {
		case <-changed:
		case <-timer.C:
			sent = f.Sent()
			return sent, ok(sent)
		}
	}
}

// WaitSent waits until the bot has sent at least n messages, or timeout passes.
func (f *Server) WaitSent(n int, timeout time.Duration) []Sent {
	sent, _ := f.WaitFor(timeout, func(s []Sent) bool { return len(s) >= n })
	return sent
}

// FailRobot makes the next n robot sends fail with errcode and errmsg, posting nothing.
func (f *Server) FailRobot(n, errcode int, errmsg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.robotFail = append(f.robotFail, fakeFailure{errcode, errmsg})
	}
}

// FailWS makes the next n aibot_send_msg and aibot_respond_msg frames fail with errcode.
func (f *Server) FailWS(n, errcode int, errmsg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.wsFail = append(f.wsFail, fakeFailure{errcode, errmsg})
	}
}

// record adds a message and wakes WaitFor. Call with f.mu held.
func (f *Server) record(s Sent) {
	f.sent = append(f.sent, s)
	f.notify()
}

// notify wakes WaitFor and the connection waiters. Call with f.mu held.
func (f *Server) notify() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// fakeAnswer is what an HTTP handler decided; endpoint writes it.
type fakeAnswer struct {
	status int
	code   int
	msg    string
}

// endpoint wraps a handler with reading the body and writing {"errcode","errmsg"}. The
// handler runs under f.mu.
func (f *Server) endpoint(h func(r *http.Request, body []byte) fakeAnswer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		f.mu.Lock()
		a := h(r, body)
		f.mu.Unlock()
		if a.status == 0 {
			a.status = http.StatusOK
		}
		if a.msg == "" && a.code == 0 {
			a.msg = "ok"
		}
		b, _ := json.Marshal(map[string]any{"errcode": a.code, "errmsg": a.msg})
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(a.status)
		_, _ = w.Write(b)
	}
}

func fakeErr(code int, format string, args ...any) fakeAnswer {
	return fakeAnswer{code: code, msg: fmt.Sprintf(format, args...)}
}

// robotUpload serves the group robot's file upload: a known key, type file, one part named
// media of 5 bytes to 20 MB. Nothing is posted; the answer's media_id is left out, as the
// bot does not use it.
func (f *Server) robotUpload(r *http.Request, body []byte) fakeAnswer {
	if _, ok := f.cfg.Robots[r.URL.Query().Get("key")]; !ok {
		return fakeErr(fakeCodeBadKey, "invalid webhook url")
	}
	if r.URL.Query().Get("type") != "file" {
		return fakeErr(fakeCodeBadParam, "invalid media type")
	}
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return fakeErr(fakeCodeBadParam, "not multipart/form-data")
	}
	part, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).NextPart()
	if err != nil || part.FormName() != "media" || part.FileName() == "" {
		return fakeErr(fakeCodeBadParam, "missing media")
	}
	data, _ := io.ReadAll(part)
	if len(data) < minRobotUpload || len(data) > maxRobotUpload {
		return fakeErr(fakeCodeBadParam, "media size %d is not 5 B to 20 MB", len(data))
	}
	f.uploads++
	return fakeAnswer{}
}

// Uploads counts the files the robots took.
func (f *Server) Uploads() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.uploads
}

// robot serves the group webhook robot.
func (f *Server) robot(r *http.Request, body []byte) fakeAnswer {
	key := r.URL.Query().Get("key")
	group, ok := f.cfg.Robots[key]
	if !ok {
		return fakeErr(fakeCodeBadKey, "invalid webhook url")
	}
	if len(f.robotFail) > 0 {
		fl := f.robotFail[0]
		f.robotFail = f.robotFail[1:]
		return fakeErr(fl.code, "%s", fl.msg)
	}
	// 20 a minute per key, counting what was accepted.
	now := f.cfg.Now()
	log := f.robotLog[key]
	for len(log) > 0 && !log[0].After(now.Add(-time.Minute)) {
		log = log[1:]
	}
	f.robotLog[key] = log
	if len(log) >= f.cfg.RobotPerMinute {
		f.refusals++
		return fakeErr(fakeCodeFrequency, "api freq out of limit")
	}
	var m struct {
		MsgType      string                     `json:"msgtype"`
		Text         *struct{ Content *string } `json:"text"`
		Markdown     *struct{ Content *string } `json:"markdown"`
		TemplateCard json.RawMessage            `json:"template_card"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return fakeErr(fakeCodeBadParam, "invalid json")
	}
	switch m.MsgType {
	case "text":
		if m.Text == nil || m.Text.Content == nil || *m.Text.Content == "" || len(*m.Text.Content) > fakeMaxRobotText {
			return fakeErr(fakeCodeBadParam, "text.content empty or longer than %d bytes", fakeMaxRobotText)
		}
	case "markdown":
		if m.Markdown == nil || m.Markdown.Content == nil || *m.Markdown.Content == "" || len(*m.Markdown.Content) > fakeMaxRobotMarkdown {
			return fakeErr(fakeCodeBadParam, "markdown.content empty or longer than %d bytes", fakeMaxRobotMarkdown)
		}
	case "template_card":
		if msg := checkRobotCard(m.TemplateCard); msg != "" {
			return fakeErr(fakeCodeCard, "%s", msg)
		}
	case "markdown_v2", "image", "news", "file", "voice":
		// Accepted by WeCom; the bot sends none of these.
	default:
		return fakeErr(fakeCodeBadMsgType, "invalid message type %q", m.MsgType)
	}
	f.robotLog[key] = append(log, now)
	f.record(Sent{Channel: channelRobot, Chat: group, MsgType: m.MsgType, Body: bytes.Clone(body)})
	return fakeAnswer{}
}

// response serves response_url: one POST per code, within the hour.
func (f *Server) response(r *http.Request, body []byte) fakeAnswer {
	code := f.codes[r.URL.Query().Get("response_code")]
	if code == nil || code.used || !f.cfg.Now().Before(code.expires) {
		return fakeErr(fakeCodeUsed, "invalid response_code: unknown, used or expired")
	}
	var m struct {
		MsgType      string                     `json:"msgtype"`
		Markdown     *struct{ Content *string } `json:"markdown"`
		TemplateCard json.RawMessage            `json:"template_card"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return fakeErr(fakeCodeBadParam, "invalid json")
	}
	if f.chatFull(code.chat) {
		return fakeErr(fakeCodeFrequency, "api freq out of limit")
	}
	if a, ok := f.checkBotMessage(m.MsgType, m.Markdown, m.TemplateCard); !ok {
		return a
	}
	f.chatSent(code.chat)
	code.used = true
	f.record(Sent{Channel: channelResponseURL, Chat: code.chat, MsgType: m.MsgType, Body: bytes.Clone(body)})
	return fakeAnswer{}
}

// chatFull reports whether chat has no room for one more 智能机器人 message now, counting the
// refusal. Call with f.mu held, before the message's own checks (a refused card claims no
// task_id); chatSent counts the message once accepted.
func (f *Server) chatFull(chat string) bool {
	now := f.cfg.Now()
	log := f.chatLog[chat]
	for len(log) > 0 && !log[0].After(now.Add(-time.Hour)) {
		log = log[1:]
	}
	f.chatLog[chat] = log
	lastMinute := 0
	for _, at := range log {
		if at.After(now.Add(-time.Minute)) {
			lastMinute++
		}
	}
	if lastMinute >= f.cfg.ChatPerMinute || len(log) >= f.cfg.ChatPerHour {
		f.refusals++
		return true
	}
	return false
}

// chatSent counts an accepted message against chat's limits. Call with f.mu held.
func (f *Server) chatSent(chat string) {
	f.chatLog[chat] = append(f.chatLog[chat], f.cfg.Now())
}

// FrequencyRefusals is how many messages the fake refused with 45009 for a chat's or a
// robot's rate (FailRobot and FailWS not counted).
func (f *Server) FrequencyRefusals() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refusals
}

// checkBotMessage checks a 智能机器人 message (markdown or template_card) and, for a card,
// claims its task_id. Call with f.mu held.
func (f *Server) checkBotMessage(msgType string, md *struct{ Content *string }, card json.RawMessage) (fakeAnswer, bool) {
	switch msgType {
	case "markdown":
		if md == nil || md.Content == nil || *md.Content == "" || len(*md.Content) > fakeMaxBotMarkdown {
			return fakeErr(fakeCodeBadParam, "markdown.content empty or longer than %d bytes", fakeMaxBotMarkdown), false
		}
	case "template_card":
		if msg := CheckCard(card); msg != "" {
			return fakeErr(fakeCodeCard, "%s", msg), false
		}
		if a, ok := f.claimTaskID(card); !ok {
			return a, false
		}
	default:
		return fakeErr(fakeCodeBadMsgType, "invalid message type %q", msgType), false
	}
	return fakeAnswer{}, true
}

// claimTaskID requires a fresh task_id on an interactive card. Call with f.mu held.
func (f *Server) claimTaskID(card json.RawMessage) (fakeAnswer, bool) {
	var c struct {
		CardType string `json:"card_type"`
		TaskID   string `json:"task_id"`
	}
	_ = json.Unmarshal(card, &c)
	if c.TaskID == "" && !interactiveCard[c.CardType] {
		return fakeAnswer{}, true
	}
	if msg := CheckTaskID(c.TaskID); msg != "" {
		return fakeErr(fakeCodeTaskID, "%s", msg), false
	}
	if f.taskIDs[c.TaskID] {
		return fakeErr(fakeCodeTaskID, "task_id %q already used", c.TaskID), false
	}
	f.taskIDs[c.TaskID] = true
	return fakeAnswer{}, true
}

var interactiveCard = map[string]bool{"button_interaction": true, "vote_interaction": true, "multiple_interaction": true}

var knownCard = map[string]bool{"text_notice": true, "news_notice": true,
	"button_interaction": true, "vote_interaction": true, "multiple_interaction": true}

// CheckTaskID applies DOC 101032 to a card's task_id: letters, digits and _-@ only, at most
// 128 bytes. It returns the problem, or "" for an id the fake takes; tests use it to check an
// id the bot made without sending a card.
func CheckTaskID(id string) string {
	if id == "" {
		return "interactive card without task_id"
	}
	if len(id) > 128 {
		return "task_id longer than 128 bytes"
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '@') {
			return fmt.Sprintf("task_id has %q, outside [A-Za-z0-9_-@]", r)
		}
	}
	return ""
}

// fakeCard is the part of a template card the fake checks.
type fakeCard struct {
	CardType  string `json:"card_type"`
	MainTitle *struct {
		Title string `json:"title"`
		Desc  string `json:"desc"`
	} `json:"main_title"`
	Emphasis *struct {
		Title string `json:"title"`
		Desc  string `json:"desc"`
	} `json:"emphasis_content"`
	SubTitleText string `json:"sub_title_text"`
	Rows         []struct {
		KeyName string `json:"keyname"`
		Value   string `json:"value"`
	} `json:"horizontal_content_list"`
	Jumps   []json.RawMessage `json:"jump_list"`
	Buttons []struct {
		Text string `json:"text"`
		Key  string `json:"key"`
	} `json:"button_list"`
	CardAction *struct {
		Type int `json:"type"`
	} `json:"card_action"`
	Selects []fakeSelect `json:"select_list"`
	Submit  *struct {
		Text string `json:"text"`
		Key  string `json:"key"`
	} `json:"submit_button"`
}

// fakeSelect is one select of a multiple_interaction card (DOC 101032 SelectionItem).
type fakeSelect struct {
	QuestionKey string `json:"question_key"`
	Title       string `json:"title"`
	SelectedID  string `json:"selected_id"`
	Options     []struct {
		ID   string `json:"id"`
		Text string `json:"text"`
	} `json:"option_list"`
}

// CheckCard checks a template card against DOC 101032 (lengths in characters, as the doc
// counts them), as the fake checks every card it is sent; it returns the problem or "".
// Tests use it to check a card the bot renders without sending it. A multiple_interaction
// card needs a main_title.title, 1 to 3 selects (each a unique question_key of at most 1024
// bytes, a title of at most 13 characters, 1 to 10 options with unique ids of at most 128
// bytes and texts of 1 to 10 characters) and a submit_button (text 1 to 10 characters, key
// 1 to 1024 bytes). Stricter than WeCom on one point: a selected_id that is none of its
// select's options is refused, where WeCom would silently show the first option.
func CheckCard(raw json.RawMessage) string {
	var c fakeCard
	if len(raw) == 0 || json.Unmarshal(raw, &c) != nil {
		return "template_card is not a JSON object"
	}
	if !knownCard[c.CardType] {
		return fmt.Sprintf("unknown card_type %q", c.CardType)
	}
	title, desc := "", ""
	if c.MainTitle != nil {
		title, desc = c.MainTitle.Title, c.MainTitle.Desc
	}
	if title == "" && c.SubTitleText == "" {
		return "main_title.title or sub_title_text is required"
	}
	for _, l := range []struct {
		name string
		s    string
		max  int
	}{
		{"main_title.title", title, 26}, {"main_title.desc", desc, 30},
		{"sub_title_text", c.SubTitleText, 112},
	} {
		if n := utf8.RuneCountInString(l.s); n > l.max {
			return fmt.Sprintf("%s has %d characters, more than %d", l.name, n, l.max)
		}
	}
	if c.Emphasis != nil && utf8.RuneCountInString(c.Emphasis.Title) > 10 {
		return "emphasis_content.title longer than 10 characters"
	}
	if len(c.Rows) > 6 {
		return "horizontal_content_list has more than 6 rows"
	}
	for _, r := range c.Rows {
		if r.KeyName == "" || utf8.RuneCountInString(r.KeyName) > 5 || utf8.RuneCountInString(r.Value) > 26 {
			return fmt.Sprintf("horizontal_content_list row %q: keyname 1..5, value up to 26 characters", r.KeyName)
		}
	}
	if len(c.Jumps) > 3 {
		return "jump_list has more than 3 entries"
	}
	if c.CardType == "button_interaction" && (len(c.Buttons) == 0 || len(c.Buttons) > 6) {
		return "button_interaction needs 1 to 6 buttons"
	}
	if c.CardType == "multiple_interaction" {
		if msg := checkSelects(c); msg != "" {
			return msg
		}
	}
	for _, b := range c.Buttons {
		if b.Text == "" || utf8.RuneCountInString(b.Text) > 10 {
			return fmt.Sprintf("button text %q: 1 to 10 characters", b.Text)
		}
		if b.Key == "" || len(b.Key) > 1024 {
			return "button key: 1 to 1024 bytes"
		}
	}
	return ""
}

// checkSelects checks a multiple_interaction card's selects and submit button (DOC 101032).
func checkSelects(c fakeCard) string {
	if c.MainTitle == nil || c.MainTitle.Title == "" {
		return "multiple_interaction needs main_title.title"
	}
	if n := len(c.Selects); n == 0 || n > 3 {
		return fmt.Sprintf("multiple_interaction has %d selects; select_list takes 1 to 3", n)
	}
	keys := map[string]bool{}
	for _, s := range c.Selects {
		if s.QuestionKey == "" || len(s.QuestionKey) > 1024 || keys[s.QuestionKey] {
			return fmt.Sprintf("select question_key %q: 1 to 1024 bytes, unique", s.QuestionKey)
		}
		keys[s.QuestionKey] = true
		if utf8.RuneCountInString(s.Title) > 13 {
			return fmt.Sprintf("select %s: title longer than 13 characters", s.QuestionKey)
		}
		if n := len(s.Options); n == 0 || n > 10 {
			return fmt.Sprintf("select %s has %d options; option_list takes 1 to 10", s.QuestionKey, n)
		}
		ids, selected := map[string]bool{}, s.SelectedID == ""
		for _, o := range s.Options {
			if o.ID == "" || len(o.ID) > 128 || ids[o.ID] {
				return fmt.Sprintf("select %s: option id %q: 1 to 128 bytes, unique", s.QuestionKey, o.ID)
			}
			ids[o.ID] = true
			if n := utf8.RuneCountInString(o.Text); n == 0 || n > 10 {
				return fmt.Sprintf("select %s: option text %q: 1 to 10 characters", s.QuestionKey, o.Text)
			}
			selected = selected || o.ID == s.SelectedID
		}
		if !selected {
			return fmt.Sprintf("select %s: selected_id %q is none of its options", s.QuestionKey, s.SelectedID)
		}
	}
	if c.Submit == nil {
		return "multiple_interaction needs submit_button"
	}
	if n := utf8.RuneCountInString(c.Submit.Text); n == 0 || n > 10 {
		return fmt.Sprintf("submit_button text %q: 1 to 10 characters", c.Submit.Text)
	}
	if c.Submit.Key == "" || len(c.Submit.Key) > 1024 {
		return "submit_button key: 1 to 1024 bytes"
	}
	return ""
}

// checkRobotCard checks a robot template card: text_notice or news_notice only, and
// text_notice needs card_action (DOC 91770, 101032).
func checkRobotCard(raw json.RawMessage) string {
	var c fakeCard
	if len(raw) == 0 || json.Unmarshal(raw, &c) != nil {
		return "template_card is not a JSON object"
	}
	if c.CardType != "text_notice" && c.CardType != "news_notice" {
		return fmt.Sprintf("the webhook robot takes template_card text_notice or news_notice, not %q", c.CardType)
	}
	if c.CardType == "text_notice" && (c.CardAction == nil || c.CardAction.Type == 0) {
		return "text_notice needs card_action"
	}
	return CheckCard(raw)
}

// Reply is what the bot's callback handler answered.
type Reply struct {
	Status int
	// Body is the raw answer.
	Body []byte
	// Plain is the decrypted passive reply, nil for an empty answer.
	Plain []byte
	// ResponseURL is the response_url the callback carried.
	ResponseURL string
}

// PostCallback encrypts and signs plaintext with the fake's token and key at the fake's
// clock, POSTs it to the bot's callbackURL (query msg_signature, timestamp, nonce) and
// opens the passive reply.
func (f *Server) PostCallback(ctx context.Context, callbackURL string, plaintext []byte) (Reply, error) {
	nonce := randomHex(8)
	q, body, err := SealCallback(f.cfg.Token, f.cfg.EncodingAESKey, plaintext, f.cfg.Now(), nonce)
	if err != nil {
		return Reply{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, withQuery(callbackURL, q), bytes.NewReader(body))
	if err != nil {
		return Reply{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.hc.Do(req)
	if err != nil {
		return Reply{}, err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var rurl struct {
		ResponseURL string `json:"response_url"`
	}
	_ = json.Unmarshal(plaintext, &rurl)
	r := Reply{Status: resp.StatusCode, Body: out, ResponseURL: rurl.ResponseURL}
	if resp.StatusCode == http.StatusOK && len(bytes.TrimSpace(out)) > 0 {
		if r.Plain, err = OpenReply(f.cfg.Token, f.cfg.EncodingAESKey, nonce, out); err != nil {
			return r, err
		}
		if err := f.showPassive(plaintext, r.Plain); err != nil {
			return r, err
		}
	}
	return r, nil
}

// showPassive checks a message callback's passive reply as WeCom does (DOC 101031: stream,
// template_card or stream_with_template_card) and records it as sent to the chat, which is
// where WeCom shows it. A click's reply is checked as the card update it must be
// (checkClickReply) and left to the caller.
func (f *Server) showPassive(plain, reply []byte) error {
	in, err := decodeCallback(plain)
	if err != nil {
		return nil
	}
	if in.isClick() {
		return checkClickReply(in.Event.TemplateCard.TaskID, reply)
	}
	if in.MsgType == msgTypeEvent {
		return nil
	}
	var m botAnswer
	if err := json.Unmarshal(reply, &m); err != nil {
		return fmt.Errorf("wecomtest: passive reply is not JSON: %w", err)
	}
	chat := in.chatID()
	f.mu.Lock()
	defer f.mu.Unlock()
	switch m.MsgType {
	case "stream", "stream_with_template_card":
		switch {
		case m.Stream == nil || m.Stream.ID == "":
			return errors.New("wecomtest: passive stream without stream.id")
		case len(m.Stream.Content) > fakeMaxBotMarkdown:
			return fmt.Errorf("wecomtest: passive stream content longer than %d bytes", fakeMaxBotMarkdown)
		case !m.Stream.Finish:
			// WeCom would poll for the rest for 6 min; the bot never streams.
			return errors.New("wecomtest: passive stream not finished in its first answer")
		}
		if m.MsgType == "stream" {
			break
		}
		fallthrough
	case "template_card":
		if msg := CheckCard(m.TemplateCard); msg != "" {
			return fmt.Errorf("wecomtest: passive card: %s", msg)
		}
		if a, ok := f.claimTaskID(m.TemplateCard); !ok {
			return fmt.Errorf("wecomtest: passive card: %s", a.msg)
		}
	default:
		return fmt.Errorf("wecomtest: passive reply of msgtype %q: a message callback takes stream, template_card or stream_with_template_card", m.MsgType)
	}
	f.record(Sent{Channel: channelPassive, Chat: chat, MsgType: m.MsgType, Body: bytes.Clone(reply)})
	return nil
}

// checkClickReply checks the passive reply to a click on the card taskID as WeCom does (DOC
// 101031 更新模版卡片消息): update_template_card with a card that passes CheckCard and names
// the clicked card's task_id.
func checkClickReply(taskID string, reply []byte) error {
	var m struct {
		ResponseType string          `json:"response_type"`
		TemplateCard json.RawMessage `json:"template_card"`
	}
	if err := json.Unmarshal(reply, &m); err != nil {
		return fmt.Errorf("wecomtest: click reply is not JSON: %w", err)
	}
	if m.ResponseType != "update_template_card" {
		return fmt.Errorf("wecomtest: click reply of response_type %q; a click takes update_template_card", m.ResponseType)
	}
	if msg := CheckCard(m.TemplateCard); msg != "" {
		return fmt.Errorf("wecomtest: click reply card: %s", msg)
	}
	var c struct {
		TaskID string `json:"task_id"`
	}
	_ = json.Unmarshal(m.TemplateCard, &c)
	if c.TaskID != taskID {
		return fmt.Errorf("wecomtest: click reply updates task_id %q, not the clicked card's %q", c.TaskID, taskID)
	}
	return nil
}

// PostSubmit sends the bot what WeCom sends when userID submits the multiple_interaction
// card (as the bot sent it: a Sent's Card(), task_id included) with choices, with a fresh
// response_url of the fake; see SubmitEvent.
func (f *Server) PostSubmit(ctx context.Context, callbackURL, msgID, chat, userID string, card json.RawMessage, choices map[string]string) (Reply, error) {
	ev, err := SubmitEvent(card, msgID, chat, userID, choices, WithResponseURL(f.ResponseURL(chat)), WithCreateTime(f.cfg.Now()))
	if err != nil {
		return Reply{}, err
	}
	return f.PostCallback(ctx, callbackURL, ev)
}

// PostText sends the bot a text message from userID in chat (a group id or
// "single:<userid>"), with a fresh response_url of the fake.
func (f *Server) PostText(ctx context.Context, callbackURL, msgID, chat, userID, text string, opts ...PayloadOpt) (Reply, error) {
	opts = append([]PayloadOpt{WithResponseURL(f.ResponseURL(chat))}, opts...)
	return f.PostCallback(ctx, callbackURL, TextMessage(msgID, chat, userID, text, opts...))
}

// PostClick sends the bot a click of the button eventKey on the card taskID, with a fresh
// response_url of the fake.
func (f *Server) PostClick(ctx context.Context, callbackURL, msgID, chat, userID, taskID, eventKey string) (Reply, error) {
	ev := CardEvent(msgID, chat, userID, taskID, eventKey, WithResponseURL(f.ResponseURL(chat)), WithCreateTime(f.cfg.Now()))
	return f.PostCallback(ctx, callbackURL, ev)
}

// VerifyURL does WeCom's URL check against callbackURL with echo as the plaintext, returning
// the status and the body.
func (f *Server) VerifyURL(ctx context.Context, callbackURL, echo string) (int, string, error) {
	q, err := SealEcho(f.cfg.Token, f.cfg.EncodingAESKey, echo, f.cfg.Now(), randomHex(8))
	if err != nil {
		return 0, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, withQuery(callbackURL, q), nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := f.hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b), nil
}

func withQuery(u string, q url.Values) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + q.Encode()
}
