package wecom

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/retry"
)

// The long connection (智能机器人长连接, DOC 101463): JSON frames {cmd, headers:{req_id}, body}
// over one WebSocket per bot. The bot subscribes with bot_id and secret, pings every 30 s,
// and answers callbacks by sending frames that reuse the callback's req_id. WeCom
// acknowledges each frame with {headers:{req_id}, errcode, errmsg}.
const (
	cmdSubscribe     = "aibot_subscribe"
	cmdPing          = "ping"
	cmdMsgCallback   = "aibot_msg_callback"
	cmdEventCallback = "aibot_event_callback"
	cmdRespondMsg    = "aibot_respond_msg"
	cmdRespondUpdate = "aibot_respond_update_msg"
	cmdSendMsg       = "aibot_send_msg"

	// maxFrame caps one inbound frame.
	maxFrame = 1 << 20
)

var (
	errNotSent    = errors.New("frame not sent: connection closed")
	errConnLost   = errors.New("connection lost before the acknowledgement")
	errAckTimeout = errors.New("no acknowledgement in time")
	errKicked     = errors.New("disconnected_event: a newer connection of this bot took over")
	errNoReq      = errors.New("wecom: no fresh req_id for the message")
)

// SubscribeError is WeCom refusing aibot_subscribe: wrong bot_id or secret, the long
// connection not enabled for the bot, or subscribing too often.
type SubscribeError struct {
	Code int
	Msg  string
}

func (e *SubscribeError) Error() string {
	return fmt.Sprintf("wecom: aibot_subscribe refused: errcode %d: %s", e.Code, e.Msg)
}

// frame is one long-connection message, in either direction.
type frame struct {
	Cmd     string          `json:"cmd,omitempty"`
	Headers frameHeaders    `json:"headers"`
	Body    json.RawMessage `json:"body,omitempty"`
	ErrCode int             `json:"errcode,omitempty"`
	ErrMsg  string          `json:"errmsg,omitempty"`
}

type frameHeaders struct {
	ReqID string `json:"req_id"`
}

// wsReq is a message's callback, answerable with aibot_respond_msg once.
type wsReq struct {
	reqID string
	chat  string
	used  atomic.Bool
}

// wsClick is a card's latest click; its card may be updated once, within 5 s. The update
// belongs to the click's own answer first: nothing else takes it while the click runs, nor
// after the click said its result comes later (reserved), but that result.
type wsClick struct {
	reqID    string
	chat     string
	eventID  string
	running  atomic.Bool
	reserved atomic.Bool
	answered atomic.Bool
}

// Run holds the long connection (mode "websocket") until ctx is done, then returns nil.
// It reconnects after any loss, waiting 1 s doubling to 30 s (with jitter) between
// attempts, and reconnects the same way when WeCom reports that a newer connection of the
// bot took over (disconnected_event). It returns an error when the mode is not websocket,
// when Run is already running, or when the very first subscription is refused (the
// credentials are wrong: retrying will not help).
//
// Messages are delivered to the sink once per frame WeCom sends: nothing is buffered or
// replayed across reconnects; WeCom's redeliveries carry the same msgid and the dispatcher
// drops them.
func (w *WeCom) Run(ctx context.Context) error {
	if w.cfg.Mode != ModeWebsocket {
		return fmt.Errorf("wecom: Run needs wecom.mode %q, configured %q", ModeWebsocket, w.cfg.Mode)
	}
	if !w.running.CompareAndSwap(false, true) {
		return errors.New("wecom: Run is already running")
	}
	defer w.running.Store(false)
	// Clicks and notices still being answered end with ctx (their sink calls run to the end).
	defer w.bg.Wait()
	b := backoff{policy: retry.Policy{Base: w.backoffMin, Max: w.backoffMax}}
	everUp := false
	for {
		start := time.Now()
		up, err := w.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if se, ok := errors.AsType[*SubscribeError](err); ok && !everUp {
			return se
		}
		everUp = everUp || up
		if up && time.Since(start) >= w.backoffMax {
			b.reset() // it was healthy for a while: start over at the shortest wait
		}
		d := b.next()
		if errors.Is(err, errKicked) {
			w.log.WarnContext(ctx, "wecom: long connection taken over by another connection of this bot; reconnecting", "in", d)
		} else {
			w.log.WarnContext(ctx, "wecom: long connection lost; reconnecting", "in", d, "err", err)
		}
		if bot.Sleep(ctx, d) != nil {
			return nil
		}
	}
}

// Connected reports whether the long connection is subscribed now, for the app's readiness.
func (w *WeCom) Connected() bool { return w.conn.connected() }

// session dials, subscribes and serves one connection until it ends. up reports that the
// subscription succeeded.
func (w *WeCom) session(ctx context.Context) (up bool, err error) {
	ws, resp, err := w.dialer.DialContext(ctx, w.cfg.WSURL, nil)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		return false, fmt.Errorf("dial: %w", err)
	}
	ws.SetReadLimit(maxFrame)
	c := newWSConn(ws, &w.conn, w.ackTimeout)
	defer c.close()
	// Shutdown closes the connection, which ends whatever read is blocked on it.
	stop := context.AfterFunc(ctx, c.closeNormally)
	defer stop()
	early, err := w.subscribe(c)
	if err != nil {
		return false, err
	}
	w.conn.set(c)
	w.log.InfoContext(ctx, "wecom: long connection subscribed")
	var pinger sync.WaitGroup
	pinger.Go(func() { w.ping(ctx, c) })
	defer pinger.Wait()
	defer c.close()
	for _, f := range early {
		if w.dispatch(ctx, c, f) {
			return true, errKicked
		}
	}
	return true, w.readLoop(ctx, c)
}

// subscribe sends aibot_subscribe and waits for its acknowledgement. Callbacks are not
// expected before it, but any that come are returned, to be handled once subscribed, not
// lost.
func (w *WeCom) subscribe(c *wsConn) ([]frame, error) {
	reqID := newReqID(cmdSubscribe)
	body := marshal(struct {
		BotID  string `json:"bot_id"`
		Secret string `json:"secret"`
	}{w.cfg.BotID, w.cfg.Secret.Reveal()})
	if err := c.write(frame{Cmd: cmdSubscribe, Headers: frameHeaders{reqID}, Body: body}); err != nil {
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	_ = c.ws.SetReadDeadline(time.Now().Add(w.ackTimeout))
	var early []frame
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return nil, fmt.Errorf("subscribe: %w", err)
		}
		var f frame
		if json.Unmarshal(data, &f) != nil {
			continue
		}
		if f.Headers.ReqID != reqID {
			if (f.Cmd == cmdMsgCallback || f.Cmd == cmdEventCallback) && len(early) < 100 {
				early = append(early, f)
			}
			continue
		}
		if f.ErrCode != 0 {
			return nil, &SubscribeError{Code: f.ErrCode, Msg: f.ErrMsg}
		}
		return early, nil
	}
}

// readLoop reads frames until the connection fails.
func (w *WeCom) readLoop(ctx context.Context, c *wsConn) error {
	for {
		// A healthy connection hears at least the answer to a ping every interval.
		_ = c.ws.SetReadDeadline(time.Now().Add(2*w.pingInterval + w.ackTimeout))
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return err
		}
		var f frame
		if err := unmarshal(data, &f); err != nil {
			w.log.WarnContext(ctx, "wecom: unreadable long-connection frame", "bytes", len(data))
			continue
		}
		if w.dispatch(ctx, c, f) {
			return errKicked
		}
	}
}

// dispatch handles one frame: callbacks go to the sink, the rest are acknowledgements of
// our frames. It reports true for disconnected_event. Callbacks whose answer needs a frame
// of ours are answered elsewhere, since the acknowledgement arrives through the read loop.
func (w *WeCom) dispatch(ctx context.Context, c *wsConn, f frame) (kicked bool) {
	switch f.Cmd {
	case cmdMsgCallback:
		w.wsMessage(ctx, &f)
	case cmdEventCallback:
		return w.wsEvent(ctx, &f)
	default:
		c.deliver(f)
	}
	return false
}

// ping sends a ping every interval; an unanswered ping closes the connection, so Run
// reconnects.
func (w *WeCom) ping(ctx context.Context, c *wsConn) {
	t := time.NewTicker(w.pingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		if _, err := c.request(ctx, frame{Cmd: cmdPing, Headers: frameHeaders{newReqID(cmdPing)}}); err != nil {
			if ctx.Err() == nil && !errors.Is(err, errConnLost) && !errors.Is(err, errNotSent) {
				w.log.WarnContext(ctx, "wecom: ping unanswered; reconnecting", "err", err)
			}
			c.close()
			return
		}
	}
}

// wsMessage hands a message callback to the sink and remembers its req_id for the reply.
// A busy sink is told to the person: the long connection has no redelivery to ask for.
func (w *WeCom) wsMessage(ctx context.Context, f *frame) {
	var cb callback
	if err := unmarshal(f.Body, &cb); err != nil {
		w.log.WarnContext(ctx, "wecom: unreadable message callback", "err", err)
		return
	}
	if !cb.isMessage() {
		w.log.DebugContext(ctx, "wecom: callback ignored", "event_id", cb.MsgID, "msgtype", cb.MsgType)
		return
	}
	m := toMessage(&cb)
	w.reqs.put(w.now(), cb.MsgID, &wsReq{reqID: f.Headers.ReqID, chat: m.ChatID})
	if out, ok := bot.AnswerNow(w.sink, m); ok {
		w.bg.Go(func() { w.wsAnswerNow(ctx, m, out) })
		return
	}
	w.wsQueue(ctx, m)
}

// wsAnswerNow sends an answer the sink gave at once (help, a usage hint: bot.AnswerNow) on
// the message's own req_id, off the read loop. If it cannot go now (the chat has no room, the
// connection is down), the message takes the queue instead, whose answer is kept until it
// can.
func (w *WeCom) wsAnswerNow(ctx context.Context, m bot.Message, out bot.Outgoing) {
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	sctx = bot.WithSendWait(sctx, backgroundSendWait)
	_, err := w.wsReply(sctx, m.MessageID, out, w.sendBy(sctx))
	if err == nil {
		return
	}
	w.log.InfoContext(ctx, "wecom: answer at once not sent; queued", "event_id", m.MessageID, "chat_id", m.ChatID, "err", err)
	w.wsQueue(ctx, m)
}

// wsQueue hands a message to the sink; a busy sink is told to the person.
func (w *WeCom) wsQueue(ctx context.Context, m bot.Message) {
	if err := w.deliverMessage(ctx, m); errors.Is(err, bot.ErrBusy) || errors.Is(err, errNoSink) {
		w.bg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			ctx = bot.WithSendWait(ctx, backgroundSendWait)
			ref := bot.CardRef{Platform: Platform, ChatID: m.ChatID, MessageID: m.MessageID}
			if _, err := w.Reply(ctx, ref, bot.Outgoing{Kind: bot.KindText, Body: []byte(toastBusy)}); err != nil {
				w.log.WarnContext(ctx, "wecom: busy notice not sent", "event_id", m.MessageID, "err", err)
			}
		})
	}
}

// wsEvent handles an event callback; it reports true for disconnected_event.
func (w *WeCom) wsEvent(ctx context.Context, f *frame) (kicked bool) {
	var cb callback
	if err := unmarshal(f.Body, &cb); err != nil {
		w.log.WarnContext(ctx, "wecom: unreadable event callback", "err", err)
		return false
	}
	switch {
	case cb.Event != nil && cb.Event.EventType == eventDisconnected:
		return true
	case cb.isClick():
		a := toAction(&cb)
		st := &wsClick{reqID: f.Headers.ReqID, chat: a.ChatID, eventID: a.EventID}
		st.running.Store(true)
		w.clicks.put(w.now(), a.MessageID, st)
		w.bg.Go(func() { w.wsAnswerClick(ctx, a, st) })
	default:
		w.log.DebugContext(ctx, "wecom: event ignored", "event_id", cb.MsgID, "msgtype", cb.MsgType)
	}
	return false
}

// wsAnswerClick runs a click and, when it produced a card, updates the clicked card with
// aibot_respond_update_msg on the click's req_id (within 5 s, DOC 101463). A click answered
// without a card leaves the req_id to a late Update. A notice goes to the chat with
// aibot_send_msg: a click's req_id takes nothing but the card update. ctx is Run's: the
// sink's work is not cut short by a shutdown, the frames are.
func (w *WeCom) wsAnswerClick(ctx context.Context, a bot.Action, st *wsClick) {
	ans := w.runAction(context.WithoutCancel(ctx), a)
	st.reserved.Store(ans.pending)
	st.running.Store(false)
	if ans.update != nil && st.answered.CompareAndSwap(false, true) {
		rctx, cancel := context.WithTimeout(ctx, w.ackTimeout)
		err := w.wsCall(rctx, cmdRespondUpdate, st.reqID, ans.update)
		cancel()
		if err != nil {
			w.log.ErrorContext(ctx, "wecom: card update failed", "event_id", a.EventID, "chat_id", a.ChatID, "err", err)
		}
	}
	if ans.notice != "" {
		nctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		nctx = bot.WithSendWait(nctx, backgroundSendWait)
		if _, err := w.Send(nctx, a.ChatID, bot.Outgoing{Kind: bot.KindText, Body: []byte(ans.notice)}); err != nil {
			w.log.WarnContext(ctx, "wecom: click notice not sent", "event_id", a.EventID, "chat_id", a.ChatID, "err", err)
		}
	}
}

// wsSend pushes m into chat with aibot_send_msg (DOC 101463 主动推送消息). WeCom takes it
// only for a chat that has messaged the bot.
func (w *WeCom) wsSend(ctx context.Context, chat string, m bot.Outgoing, by time.Time) (bot.CardRef, error) {
	o, err := prepare(m)
	if err != nil {
		return bot.CardRef{}, err
	}
	chatID, chatType := chat, w.cfg.ChatType
	if id, ok := strings.CutPrefix(chat, singlePrefix); ok {
		chatID, chatType = id, ChatTypeSingle
	}
	body := sendBody(chatID, chatType, o)
	err = w.retryFrequency(ctx, by, func() error {
		if err := w.take(ctx, w.chatLimit, chat, by); err != nil {
			return err
		}
		return w.wsCall(ctx, cmdSendMsg, newReqID(cmdSendMsg), body)
	})
	if err != nil {
		return bot.CardRef{}, err
	}
	return bot.CardRef{Platform: Platform, ChatID: chat, MessageID: o.id}, nil
}

// sendBody is aibot_send_msg's body: the message with its target.
func sendBody(chatID string, chatType int, o outgoing) []byte {
	if o.msgType == "template_card" {
		return marshal(struct {
			ChatID       string          `json:"chatid"`
			ChatType     int             `json:"chat_type"`
			MsgType      string          `json:"msgtype"`
			TemplateCard json.RawMessage `json:"template_card"`
		}{chatID, chatType, o.msgType, o.card})
	}
	type md struct {
		Content string `json:"content"`
	}
	return marshal(struct {
		ChatID   string `json:"chatid"`
		ChatType int    `json:"chat_type"`
		MsgType  string `json:"msgtype"`
		Markdown md     `json:"markdown"`
	}{chatID, chatType, o.msgType, md{o.content()}})
}

// wsReply answers message msgID with aibot_respond_msg on its callback's req_id: a text as a
// finished stream (the reply type every version of DOC 101031/101463 lists), a card as a
// template_card. errNoReq when no fresh, unused req_id is known. A chat with no room by by
// leaves the req_id unused for the message's later answer.
func (w *WeCom) wsReply(ctx context.Context, msgID string, m bot.Outgoing, by time.Time) (bot.CardRef, error) {
	st, _, ok := w.reqs.take(w.now(), msgID, nil)
	if !ok || !st.used.CompareAndSwap(false, true) {
		return bot.CardRef{}, errNoReq
	}
	o, err := prepare(m)
	if err != nil {
		return bot.CardRef{}, err
	}
	body := o.appendPassive(nil) // the same message as a passive reply: a stream or a card
	err = w.retryFrequency(ctx, by, func() error {
		if err := w.take(ctx, w.chatLimit, st.chat, by); err != nil {
			return err
		}
		return w.wsCall(ctx, cmdRespondMsg, st.reqID, body)
	})
	if errors.Is(err, bot.ErrChatBusy) {
		st.used.Store(false) // nothing went out on it
	}
	if err != nil {
		return bot.CardRef{ChatID: st.chat}, err
	}
	return bot.CardRef{Platform: Platform, ChatID: st.chat, MessageID: o.id}, nil
}

// wsChatOf returns the chat of a message or click remembered by the long connection.
func (w *WeCom) wsChatOf(msgID string) string {
	if st, _, ok := w.reqs.take(w.now(), msgID, nil); ok {
		return st.chat
	}
	return ""
}

// wsUpdate replaces the card taskID through the req_id of a click on it that is less than
// 5 s old and was answered without a card. While the click runs, or when it promised its
// result for later, only that result (key bot.ClickKey of the click) may take it: a redraw
// of the card by someone else must not spend the one update the click's answer needs.
func (w *WeCom) wsUpdate(ctx context.Context, taskID string, card []byte, key string) error {
	st, _, ok := w.clicks.take(w.now(), taskID, func(st **wsClick) bool {
		c := *st
		if key == bot.ClickKey(c.eventID) {
			return true
		}
		return !c.running.Load() && !c.reserved.Load()
	})
	if !ok {
		return ErrCannotUpdate
	}
	c, err := withTaskID(card, taskID)
	if err != nil {
		return fmt.Errorf("wecom: update: %w", err)
	}
	if !st.answered.CompareAndSwap(false, true) {
		return ErrCannotUpdate
	}
	return w.wsCall(ctx, cmdRespondUpdate, st.reqID, updateBody(c))
}

// wsCall sends one frame on the current connection and waits for its acknowledgement. A
// frame that could not leave (no connection, or it closed under us) waits for the next
// connection; one that left but got no answer is not sent again, since WeCom may have acted
// on it.
func (w *WeCom) wsCall(ctx context.Context, cmd, reqID string, body []byte) error {
	for {
		c, err := w.conn.get(ctx)
		if err != nil {
			return &APIError{Channel: channelWS, Op: cmd, Msg: "no connection: " + err.Error(), Refused: true, err: err}
		}
		f, err := c.request(ctx, frame{Cmd: cmd, Headers: frameHeaders{reqID}, Body: body})
		if errors.Is(err, errNotSent) {
			w.conn.clear(c) // it may not have left the slot yet: never pick it again
			continue
		}
		if err != nil {
			return &APIError{Channel: channelWS, Op: cmd, Msg: err.Error(), err: err}
		}
		if f.ErrCode != 0 {
			return &APIError{Channel: channelWS, Op: cmd, Code: f.ErrCode, Msg: f.ErrMsg, Refused: true}
		}
		return nil
	}
}

// wsConn is one subscribed connection: a single writer at a time, and the frames waiting
// for their acknowledgement by req_id.
type wsConn struct {
	ws         *websocket.Conn
	slot       *connSlot
	ackTimeout time.Duration

	wmu sync.Mutex // one writer at a time (gorilla/websocket allows no more)

	mu      sync.Mutex
	closed  bool
	pending map[string][]chan frame // FIFO per req_id: a callback's req_id may carry several frames
	done    chan struct{}
	once    sync.Once
}

func newWSConn(ws *websocket.Conn, slot *connSlot, ackTimeout time.Duration) *wsConn {
	return &wsConn{ws: ws, slot: slot, ackTimeout: ackTimeout, pending: map[string][]chan frame{}, done: make(chan struct{})}
}

// write sends one frame.
func (c *wsConn) write(f frame) error {
	b := marshal(f)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(c.ackTimeout))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// request sends f and waits for the frame acknowledging its req_id. errNotSent means the
// frame did not leave; any other error leaves it unknown whether WeCom acted on it.
func (c *wsConn) request(ctx context.Context, f frame) (frame, error) {
	ch := make(chan frame, 1)
	id := f.Headers.ReqID
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return frame{}, errNotSent
	}
	c.pending[id] = append(c.pending[id], ch)
	c.mu.Unlock()
	if err := c.write(f); err != nil {
		c.unregister(id, ch)
		c.close()
		return frame{}, errNotSent
	}
	t := time.NewTimer(c.ackTimeout)
	defer t.Stop()
	select {
	case a := <-ch:
		return a, nil
	case <-c.done:
		c.unregister(id, ch)
		select {
		case a := <-ch: // answered just before the end
			return a, nil
		default:
			return frame{}, errConnLost
		}
	case <-ctx.Done():
		c.unregister(id, ch)
		return frame{}, ctx.Err()
	case <-t.C:
		c.unregister(id, ch)
		return frame{}, errAckTimeout
	}
}

// deliver hands an acknowledgement to the oldest frame waiting on its req_id.
func (c *wsConn) deliver(f frame) {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.pending[f.Headers.ReqID]
	if len(q) == 0 {
		return
	}
	q[0] <- f
	if len(q) == 1 {
		delete(c.pending, f.Headers.ReqID)
	} else {
		c.pending[f.Headers.ReqID] = q[1:]
	}
}

func (c *wsConn) unregister(id string, ch chan frame) {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.pending[id]
	for i, x := range q {
		if x == ch {
			q = append(q[:i:i], q[i+1:]...)
			break
		}
	}
	if len(q) == 0 {
		delete(c.pending, id)
	} else {
		c.pending[id] = q
	}
}

// close ends the connection at once. It is marked closed before it leaves the slot, and set
// refuses a closed connection, so a connection closed while being installed never stays
// current.
func (c *wsConn) close() {
	c.once.Do(func() {
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
		close(c.done)
		c.slot.clear(c)
		_ = c.ws.Close()
	})
}

func (c *wsConn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// closeNormally says goodbye (a close frame) before closing, on shutdown.
func (c *wsConn) closeNormally() {
	// WriteControl may run concurrently with a writer (gorilla/websocket).
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	c.close()
}

// connSlot holds the current subscribed connection and wakes the senders waiting for one.
type connSlot struct {
	mu  sync.Mutex
	cur *wsConn
	up  chan struct{} // closed while cur is set
}

func (s *connSlot) init() { s.up = make(chan struct{}) }

// set makes c current, unless it is already closed.
func (s *connSlot) set(c *wsConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.isClosed() {
		return
	}
	if s.cur == nil {
		close(s.up)
	}
	s.cur = c
}

// connected reports whether a subscribed connection is current.
func (s *connSlot) connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur != nil
}

func (s *connSlot) clear(c *wsConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == c {
		s.cur = nil
		s.up = make(chan struct{})
	}
}

// get returns the current connection, waiting for one until ctx ends.
func (s *connSlot) get(ctx context.Context) (*wsConn, error) {
	for {
		s.mu.Lock()
		c, up := s.cur, s.up
		s.mu.Unlock()
		if c != nil {
			return c, nil
		}
		select {
		case <-up:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// backoff counts the reconnects in a row and waits the bot's one backoff (retry.Policy:
// doubling, equal jitter, capped), so a reconnect loop never collapses to a tight one.
type backoff struct {
	policy retry.Policy
	n      int
}

func (b *backoff) reset() { b.n = 0 }

func (b *backoff) next() time.Duration {
	b.n++
	return b.policy.Backoff(b.n)
}

// newReqID makes a req_id for a frame of ours: the command and 64 random bits, like the
// official SDKs.
func newReqID(cmd string) string {
	var r [8]byte
	_, _ = rand.Read(r[:])
	return cmd + "_" + hex.EncodeToString(r[:])
}
