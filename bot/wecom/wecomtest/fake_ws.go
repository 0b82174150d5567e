package wecomtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// The fake's long-connection server (DOC 101463): see Server.

// fakeWS is the long-connection state, guarded by Server.mu.
type fakeWS struct {
	closed     bool
	all        map[*fakeWSConn]bool
	cur        *fakeWSConn // the subscribed connection
	accepted   int         // connections opened
	subscribed int         // successful subscriptions
	pings      int
	mutePings  bool
	callbacks  map[string]*fakeCallback // req_id → the callback pushed with it
	chats      map[string]bool          // chats that messaged the bot
}

func (s *fakeWS) init() {
	s.all = map[*fakeWSConn]bool{}
	s.callbacks = map[string]*fakeCallback{}
	s.chats = map[string]bool{}
}

// fakeCallback is a callback pushed to the bot; the bot may answer it once.
type fakeCallback struct {
	event    bool
	chat     string
	taskID   string
	at       time.Time
	answered bool
}

type fakeWSConn struct {
	ws  *websocket.Conn
	wmu sync.Mutex
}

func (c *fakeWSConn) write(v any) error {
	b, _ := json.Marshal(v)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// fakeUpgrader accepts the bot's connection (it sends no Origin).
var fakeUpgrader = websocket.Upgrader{}

// ack is WeCom's answer to a frame of the bot.
type ack struct {
	Headers frameHeaders `json:"headers"`
	ErrCode int          `json:"errcode"`
	ErrMsg  string       `json:"errmsg"`
}

// serveWS runs one long connection: the subscription first, then the bot's frames.
func (f *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	ws, err := fakeUpgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &fakeWSConn{ws: ws}
	f.mu.Lock()
	if f.ws.closed {
		f.mu.Unlock()
		_ = ws.Close()
		return
	}
	f.ws.all[c] = true
	f.ws.accepted++
	f.notify()
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.ws.all, c)
		if f.ws.cur == c {
			f.ws.cur = nil
		}
		f.notify()
		f.mu.Unlock()
		_ = ws.Close()
	}()

	subscribed := false
	for {
		_ = ws.SetReadDeadline(time.Now().Add(5 * time.Minute))
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var fr frame
		if json.Unmarshal(data, &fr) != nil {
			return // WeCom drops a connection that speaks something else
		}
		if !subscribed {
			if fr.Cmd != cmdSubscribe {
				return
			}
			a := f.checkSubscribe(fr)
			// Acknowledged before it counts as connected, so no callback overtakes the ack.
			_ = c.write(a)
			if a.ErrCode != 0 {
				return
			}
			subscribed = true
			if old := f.activate(c); old != nil {
				// One connection per bot: the older one is told and cut.
				_ = old.write(frame{Cmd: cmdEventCallback, Headers: frameHeaders{"disconnect_" + randomHex(4)}, Body: DisconnectedEvent("dis_" + randomHex(4))})
				_ = old.ws.Close()
			}
			continue
		}
		if a, ok := f.handleFrame(fr); ok {
			_ = c.write(a)
		}
	}
}

// checkSubscribe checks aibot_subscribe's credentials.
func (f *Server) checkSubscribe(fr frame) ack {
	var body struct {
		BotID  string `json:"bot_id"`
		Secret string `json:"secret"`
	}
	_ = json.Unmarshal(fr.Body, &body)
	a := ack{Headers: fr.Headers, ErrMsg: "ok"}
	if body.BotID != f.cfg.BotID || body.Secret != f.cfg.Secret {
		a.ErrCode, a.ErrMsg = fakeCodeAuth, "invalid bot_id or secret"
	}
	return a
}

// activate makes c the bot's connection and returns the one it replaces.
func (f *Server) activate(c *fakeWSConn) *fakeWSConn {
	f.mu.Lock()
	defer f.mu.Unlock()
	old := f.ws.cur
	f.ws.cur = c
	f.ws.subscribed++
	f.notify()
	return old
}

// handleFrame checks and records one frame of a subscribed bot and returns its answer, if
// any.
func (f *Server) handleFrame(fr frame) (ack, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fr.Cmd == cmdPing {
		f.ws.pings++
		f.notify()
		return ack{Headers: fr.Headers, ErrMsg: "ok"}, !f.ws.mutePings
	}
	return f.checkFrame(fr), true
}

// checkFrame checks and records a frame other than ping. Call with f.mu held.
func (f *Server) checkFrame(fr frame) ack {
	a := ack{Headers: fr.Headers, ErrMsg: "ok"}
	fail := func(code int, msg string) ack {
		a.ErrCode, a.ErrMsg = code, msg
		return a
	}
	switch fr.Cmd {
	case cmdRespondMsg, cmdSendMsg:
		if len(f.wsFail) > 0 {
			fl := f.wsFail[0]
			f.wsFail = f.wsFail[1:]
			return fail(fl.code, fl.msg)
		}
	}
	switch fr.Cmd {
	case cmdRespondMsg:
		cb := f.ws.callbacks[fr.Headers.ReqID]
		if cb == nil || cb.event || cb.answered {
			// A click's req_id takes only the card update.
			return fail(fakeCodeReqID, "req_id unknown, answered, or not a message callback")
		}
		var m botAnswer
		if json.Unmarshal(fr.Body, &m) != nil {
			return fail(fakeCodeBadParam, "invalid body")
		}
		if f.chatFull(cb.chat) {
			return fail(fakeCodeFrequency, "api freq out of limit")
		}
		if m.MsgType == "stream" {
			if m.Stream == nil || m.Stream.ID == "" || len(m.Stream.Content) > fakeMaxBotMarkdown {
				return fail(fakeCodeBadParam, "stream needs an id and at most 20480 bytes")
			}
		} else if r, ok := f.checkBotMessage(m.MsgType, m.Markdown, m.TemplateCard); !ok {
			return fail(r.code, r.msg)
		}
		f.chatSent(cb.chat)
		cb.answered = m.MsgType != "stream" || m.Stream.Finish
		f.record(Sent{Channel: channelWS, Cmd: fr.Cmd, ReqID: fr.Headers.ReqID, Chat: cb.chat, MsgType: m.MsgType, Body: fr.Body})
	case cmdRespondUpdate:
		cb := f.ws.callbacks[fr.Headers.ReqID]
		if cb == nil || !cb.event || cb.answered {
			return fail(fakeCodeReqID, "req_id unknown, answered, or not a click")
		}
		if f.cfg.Now().Sub(cb.at) > fakeClickWindow {
			return fail(fakeCodeReqID, "card update more than 5 s after the click")
		}
		var m struct {
			ResponseType string          `json:"response_type"`
			TemplateCard json.RawMessage `json:"template_card"`
		}
		if json.Unmarshal(fr.Body, &m) != nil || m.ResponseType != "update_template_card" {
			return fail(fakeCodeBadParam, `response_type must be "update_template_card"`)
		}
		if msg := CheckCard(m.TemplateCard); msg != "" {
			return fail(fakeCodeCard, msg)
		}
		var c struct {
			TaskID string `json:"task_id"`
		}
		_ = json.Unmarshal(m.TemplateCard, &c)
		if c.TaskID != cb.taskID {
			return fail(fakeCodeTaskID, "task_id is not the clicked card's")
		}
		cb.answered = true
		f.record(Sent{Channel: channelWS, Cmd: fr.Cmd, ReqID: fr.Headers.ReqID, Chat: cb.chat, MsgType: m.ResponseType, Body: fr.Body})
	case cmdSendMsg:
		var m struct {
			ChatID       string                     `json:"chatid"`
			ChatType     int                        `json:"chat_type"`
			MsgType      string                     `json:"msgtype"`
			Markdown     *struct{ Content *string } `json:"markdown"`
			TemplateCard json.RawMessage            `json:"template_card"`
		}
		if json.Unmarshal(fr.Body, &m) != nil || m.ChatID == "" {
			return fail(fakeCodeBadParam, "chatid is required")
		}
		chat := m.ChatID
		switch m.ChatType {
		case 0, chatTypeGroupNum:
		case chatTypeSingleNum:
			chat = singlePrefix + m.ChatID
		default:
			return fail(fakeCodeBadParam, "chat_type must be 1 or 2")
		}
		if f.cfg.StrictPush && !f.ws.chats[chat] {
			return fail(fakeCodeNoChat, "the chat never messaged the bot")
		}
		if f.chatFull(chat) {
			return fail(fakeCodeFrequency, "api freq out of limit")
		}
		if r, ok := f.checkBotMessage(m.MsgType, m.Markdown, m.TemplateCard); !ok {
			return fail(r.code, r.msg)
		}
		f.chatSent(chat)
		f.record(Sent{Channel: channelWS, Cmd: fr.Cmd, ReqID: fr.Headers.ReqID, Chat: chat, MsgType: m.MsgType, Body: fr.Body})
	default:
		return fail(fakeCodeBadParam, "unknown cmd "+fr.Cmd)
	}
	return a
}

var errNotConnected = errors.New("wecom fake: no bot connected")

// PushMessage sends payload (TextMessage) to the connected bot as an aibot_msg_callback and
// returns the frame's req_id, which the bot's aibot_respond_msg must carry.
func (f *Server) PushMessage(payload []byte) (string, error) {
	return f.push(cmdMsgCallback, payload, false)
}

// PushEvent sends payload (CardEvent) to the connected bot as an aibot_event_callback and
// returns the frame's req_id; the bot may update the card with it within 5 s.
func (f *Server) PushEvent(payload []byte) (string, error) {
	return f.push(cmdEventCallback, payload, true)
}

func (f *Server) push(cmd string, payload []byte, event bool) (string, error) {
	cb, err := decodeCallback(payload)
	if err != nil {
		return "", err
	}
	reqID := strings.TrimPrefix(cmd, "aibot_") + "_" + randomHex(8)
	f.mu.Lock()
	c := f.ws.cur
	if c == nil {
		f.mu.Unlock()
		return "", errNotConnected
	}
	st := &fakeCallback{event: event, chat: cb.chatID(), at: f.cfg.Now()}
	if cb.isClick() {
		st.taskID = cb.Event.TemplateCard.TaskID
	}
	f.ws.callbacks[reqID] = st
	f.ws.chats[st.chat] = true
	f.mu.Unlock()
	if err := c.write(frame{Cmd: cmd, Headers: frameHeaders{reqID}, Body: payload}); err != nil {
		return "", err
	}
	return reqID, nil
}

// WaitSubscribed waits until the bot has subscribed n times in all (reconnects count), or
// timeout passes; it reports whether it had.
func (f *Server) WaitSubscribed(n int, timeout time.Duration) bool {
	return f.waitWS(timeout, func(s *fakeWS) bool { return s.subscribed >= n && s.cur != nil })
}

// WaitWS waits until ok accepts the long connection's counts, as WSStats reports them, or
// timeout passes; it reports whether ok accepted them.
func (f *Server) WaitWS(timeout time.Duration, ok func(connections, subscriptions, pings int) bool) bool {
	return f.waitWS(timeout, func(s *fakeWS) bool { return ok(s.accepted, s.subscribed, s.pings) })
}

// waitWS waits until ok holds of the long-connection state.
func (f *Server) waitWS(timeout time.Duration, ok func(*fakeWS) bool) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		f.mu.Lock()
		done, changed := ok(&f.ws), f.changed
		f.mu.Unlock()
		if done {
			return true
		}
		select {
		case <-changed:
		case <-timer.C:
			f.mu.Lock()
			defer f.mu.Unlock()
			return ok(&f.ws)
		}
	}
}

// WSStats reports connections opened, successful subscriptions and pings received.
func (f *Server) WSStats() (connections, subscriptions, pings int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ws.accepted, f.ws.subscribed, f.ws.pings
}

// MutePings makes the fake stop (or resume) answering pings, as a dead peer would.
func (f *Server) MutePings(mute bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ws.mutePings = mute
}

// DropConnection cuts the bot's long connection without a goodbye, as a network failure
// does.
func (f *Server) DropConnection() {
	f.mu.Lock()
	c := f.ws.cur
	f.ws.cur = nil
	if f.ws.closed {
		c = nil
	}
	f.mu.Unlock()
	if c != nil {
		_ = c.ws.Close()
	}
}

// Kick tells the bot a newer connection took over (disconnected_event) and cuts it.
func (f *Server) Kick() {
	f.mu.Lock()
	c := f.ws.cur
	f.ws.cur = nil
	f.mu.Unlock()
	if c != nil {
		_ = c.write(frame{Cmd: cmdEventCallback, Headers: frameHeaders{"disconnect_" + randomHex(4)}, Body: DisconnectedEvent("dis_" + randomHex(4))})
		_ = c.ws.Close()
	}
}

// closeWS refuses new connections and cuts the open ones.
func (f *Server) closeWS() {
	f.mu.Lock()
	f.ws.closed = true
	conns := make([]*fakeWSConn, 0, len(f.ws.all))
	for c := range f.ws.all {
		conns = append(conns, c)
	}
	f.ws.cur = nil
	f.mu.Unlock()
	for _, c := range conns {
		_ = c.ws.Close()
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
