package wecom

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/silenceper/wechat/v2/util"
	"github.com/silenceper/wechat/v2/work/robot"

	"github.com/ticketbot/ticketbot/bot"
)

// Outbound paths and codes.
const (
	// pathRobotSend is the group webhook robot (DOC 91770): POST …?key=KEY.
	pathRobotSend = "/cgi-bin/webhook/send"
	// codeFrequency is WeCom's "api freq out of limit": nothing was sent, try later.
	codeFrequency = 45009
	// Markdown limits: the robot takes 4096 bytes (DOC 91770). The 智能机器人's limit is not
	// stated for response_url; ASSUME the 20480 bytes of its stream content (DOC 101031).
	maxRobotMarkdown = 4096
	maxBotMarkdown   = 20480
	// After a frequency answer, wait 5 s, doubling to a minute: WeCom does not say how long
	// the block lasts (reference §3).
	freqRetryMin = 5 * time.Second
	freqRetryMax = time.Minute
	// maxAnswer caps what is read of an API answer.
	maxAnswer = 64 << 10
)

// Channels a message can leave by, as named in APIError and in wecomtest.Sent.
const (
	channelResponseURL = "response_url"
	channelRobot       = "robot"
	channelWS          = "ws"
)

// APIError is a failed WeCom call. Code and Msg are WeCom's errcode and errmsg (Code 0 when the
// failure was HTTP or network only). Refused reports that WeCom answered and posted nothing,
// so another way may be tried; a failure without an answer (a timeout) may have posted, and
// is not retried blindly. It never holds a key, a response_code or a URL.
type APIError struct {
	Channel string // "response_url", "robot" or "ws"
	Op      string
	Code    int
	Msg     string
	Refused bool

	err error // the transport error, if any, without its URL
}

// Error reads "wecom: <channel> <op>: errcode <code>: <msg>", or without the code.
func (e *APIError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("wecom: %s %s: errcode %d: %s", e.Channel, e.Op, e.Code, e.Msg)
	}
	return fmt.Sprintf("wecom: %s %s: %s", e.Channel, e.Op, e.Msg)
}

// Unwrap returns the network error behind the failure, if any.
func (e *APIError) Unwrap() error { return e.err }

// ErrorCode is the platform's own code, for the sentence a chat is told ("" when the failure
// was HTTP or network only).
func (e *APIError) ErrorCode() string {
	if e.Code == 0 {
		return ""
	}
	return strconv.Itoa(e.Code)
}

// refused reports an error after which another channel may be tried without posting twice.
func refused(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Refused
}

var errNotCard = errors.New("wecom: only cards can be updated in place")

// Send posts m into chat.
//
// Webhook mode: through the chat's newest unused response_url (a message or click of the
// last hour; markdown for text, the template card with a fresh task_id for a card), else
// through the group webhook robot when webhook_key is set (markdown: a card's Fallback, the
// robot shows no buttons), else ErrNoRoute. Websocket mode: aibot_send_msg.
//
// The returned CardRef's MessageID is the card's task_id (clicks on it carry that id) or a
// generated id. Send waits for WeCom's rate limits, and retries after a frequency answer
// (45009), for at most bot.SendWait(ctx); a chat with no room by then gets a *bot.BusyError
// at once, nothing posted and its response_url kept, so the caller sends again at its
// RetryAt. m.Key is unused: WeCom has no idempotency key, so a send whose outcome is unknown
// (a timeout) is returned as an error, never repeated.
func (w *WeCom) Send(ctx context.Context, chat string, m bot.Outgoing) (bot.CardRef, error) {
	return w.send(ctx, chat, m, w.sendBy(ctx))
}

// send is Send with its wait ending at by.
func (w *WeCom) send(ctx context.Context, chat string, m bot.Outgoing, by time.Time) (bot.CardRef, error) {
	if chat == "" {
		return bot.CardRef{}, errors.New("wecom: send: no chat")
	}
	if w.cfg.Mode == ModeWebsocket {
		return w.wsSend(ctx, chat, m, by)
	}
	for {
		u, ok := w.urls.takeChat(w.now(), chat)
		if !ok {
			break
		}
		ref, err := w.viaResponseURL(ctx, u, chat, m, by)
		if err == nil || !refused(err) || errors.Is(err, bot.ErrChatBusy) {
			return ref, err
		}
		w.log.WarnContext(ctx, "wecom: response_url refused, trying the next way", "chat_id", chat, "event_id", u.msgID, "err", err)
	}
	return w.viaRobot(ctx, chat, m, by)
}

// Reply answers the message ref.MessageID (a msgid): through its own response_url if unused
// (webhook mode) or aibot_respond_msg with its req_id while fresh (websocket mode), else as
// Send to ref.ChatID.
func (w *WeCom) Reply(ctx context.Context, ref bot.CardRef, m bot.Outgoing) (bot.CardRef, error) {
	by := w.sendBy(ctx)
	chat := ref.ChatID
	if chat == "" {
		chat, _ = w.urls.chatOf(ref.MessageID)
	}
	if w.cfg.Mode == ModeWebsocket {
		if chat == "" {
			chat = w.wsChatOf(ref.MessageID)
		}
		r, err := w.wsReply(ctx, ref.MessageID, m, by)
		if err == nil || !errors.Is(err, errNoReq) && !refused(err) || errors.Is(err, bot.ErrChatBusy) {
			return r, err
		}
	} else if u, ok := w.urls.takeMsg(w.now(), ref.MessageID); ok {
		if chat == "" {
			chat = u.chat
		}
		r, err := w.viaResponseURL(ctx, u, chat, m, by)
		if err == nil || !refused(err) || errors.Is(err, bot.ErrChatBusy) {
			return r, err
		}
		w.log.WarnContext(ctx, "wecom: response_url refused, sending instead", "chat_id", chat, "event_id", ref.MessageID, "err", err)
	}
	if chat == "" {
		return bot.CardRef{}, fmt.Errorf("wecom: reply to %s: unknown message and no chat", ref.MessageID)
	}
	return w.send(ctx, chat, m, by)
}

// Update replaces the card ref.MessageID (its task_id) for everyone. Only the long connection
// can, and only within 5 s of a click on that card that was answered without a card
// (aibot_respond_update_msg, DOC 101463); otherwise it returns ErrCannotUpdate and callers
// post a new message.
func (w *WeCom) Update(ctx context.Context, ref bot.CardRef, m bot.Outgoing) error {
	if m.Kind != bot.KindCard {
		return errNotCard
	}
	if w.cfg.Mode != ModeWebsocket {
		return ErrCannotUpdate
	}
	return w.wsUpdate(ctx, ref.MessageID, m.Body, m.Key)
}

// outgoing is a message rendered for the 智能机器人's channels (response_url, long
// connection).
type outgoing struct {
	msgType  string // "markdown" or "template_card"
	markdown string
	// raw, when set, is the markdown as the message brought it, which needed no change: the
	// passive reply writes it from there instead of a copy (help, drawn once, answered in
	// the ack of every @-mention that asks for it). Read-only, like the message's Body.
	raw  []byte
	card json.RawMessage // the template_card object, task_id set
	id   string          // the card's task_id, or a generated id
}

// content is the markdown to post.
func (o outgoing) content() string {
	if o.raw != nil {
		return string(o.raw)
	}
	return o.markdown
}

// prepare renders m for the 智能机器人: a card gets a fresh task_id, a text becomes markdown
// that cannot mention anyone.
func prepare(m bot.Outgoing) (outgoing, error) {
	switch m.Kind {
	case bot.KindCard:
		id := newID("tb")
		card, err := withTaskID(m.Body, id)
		if err != nil {
			return outgoing{}, err
		}
		return outgoing{msgType: "template_card", card: card, id: id}, nil
	case bot.KindText:
		return outgoing{msgType: "markdown", markdown: truncateBytes(escapeText(string(m.Body)), maxBotMarkdown), id: newID("md")}, nil
	case bot.KindMarkdown:
		// Rendered by our templates, which escape what people wrote: markup intended.
		if len(m.Body) <= maxBotMarkdown {
			return outgoing{msgType: "markdown", raw: m.Body, id: newID("md")}, nil
		}
		return outgoing{msgType: "markdown", markdown: truncateBytes(string(m.Body), maxBotMarkdown), id: newID("md")}, nil
	}
	return outgoing{}, fmt.Errorf("wecom: unknown kind %q", m.Kind)
}

// message is the {"msgtype":…} body of a response_url POST or an aibot_respond_msg frame.
func (o outgoing) message() []byte {
	if o.msgType == "template_card" {
		return marshal(struct {
			MsgType      string          `json:"msgtype"`
			TemplateCard json.RawMessage `json:"template_card"`
		}{o.msgType, o.card})
	}
	return marshal(markdownMsg(o.content()))
}

// appendPassive appends the message as a passive reply to a message callback (DOC 101031),
// which takes stream, template_card or stream_with_template_card: a card as it is, markdown
// as a stream finished in its first answer (unfinished, WeCom would keep asking for more for
// 6 min). Written by hand: it runs in the ack of every message answered there.
func (o outgoing) appendPassive(dst []byte) []byte {
	if o.msgType == "template_card" {
		return append(dst, o.message()...)
	}
	dst = append(dst, `{"msgtype":"stream","stream":{"id":`...)
	dst = appendJSONString(dst, o.id)
	dst = append(dst, `,"finish":true,"content":`...)
	if o.raw != nil {
		dst = appendJSONString(dst, o.raw)
	} else {
		dst = appendJSONString(dst, o.markdown)
	}
	return append(dst, "}}"...)
}

func markdownMsg(content string) robot.WebhookSendMarkdownOption {
	var m robot.WebhookSendMarkdownOption
	m.MsgType = "markdown"
	m.Markdown.Content = content
	return m
}

// viaResponseURL posts m once through u (DOC 101138 主动回复消息). A chat with no room by by
// gets its URL back, unused, with the busy error.
func (w *WeCom) viaResponseURL(ctx context.Context, u *responseURL, chat string, m bot.Outgoing, by time.Time) (bot.CardRef, error) {
	o, err := prepare(m)
	if err != nil {
		w.urls.release(w.now(), u)
		return bot.CardRef{}, err
	}
	target, err := w.responseTarget(u.url)
	if err != nil {
		return bot.CardRef{}, &APIError{Channel: channelResponseURL, Op: "post", Msg: err.Error(), Refused: true}
	}
	if err := w.take(ctx, w.chatLimit, chat, by); err != nil {
		w.urls.release(w.now(), u)
		return bot.CardRef{}, err
	}
	body := o.message()
	err = w.retryFrequency(ctx, by, func() error {
		return w.postJSON(ctx, channelResponseURL, "post", target, body, "")
	})
	if errors.Is(err, bot.ErrChatBusy) {
		w.urls.release(w.now(), u) // WeCom refused it for its rate: the URL was not used
	}
	if err != nil {
		return bot.CardRef{}, err
	}
	w.log.DebugContext(ctx, "wecom: posted through response_url", "chat_id", chat, "event_id", u.msgID, "msgtype", o.msgType)
	return bot.CardRef{Platform: Platform, ChatID: chat, MessageID: o.id}, nil
}

// responseTarget is where to POST a response_url: WeCom's host is replaced by api_base_url,
// so a proxy or a fake sees the call too.
func (w *WeCom) responseTarget(raw string) (string, error) {
	if rest, ok := strings.CutPrefix(raw, DefaultAPIBaseURL+"/"); ok && w.cfg.APIBaseURL != DefaultAPIBaseURL {
		raw = w.cfg.APIBaseURL + "/" + rest
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", errors.New("response_url is not an http(s) URL")
	}
	return raw, nil
}

// viaRobot posts m through chat's own webhook robot (DOC 91770): markdown only, since the
// robot takes no button cards. A robot posts into the one group it belongs to, so only the
// robot configured for chat may carry chat's messages; a single chat is never sent there.
//
// Why not silenceper's robot.RobotBroadcast: it takes no context, posts through the package
// globals util.DefaultHTTPClient (http.DefaultClient, no timeout) and util.SetURIModifier
// (shared by every instance in the process, and racy to set while another posts), and its
// errors carry the URL with the key. Its request and answer types are used as they are.
func (w *WeCom) viaRobot(ctx context.Context, chat string, m bot.Outgoing, by time.Time) (bot.CardRef, error) {
	if strings.HasPrefix(chat, singlePrefix) {
		return bot.CardRef{}, fmt.Errorf("%w %s: no unused response_url, and a group robot cannot reach a single chat", ErrNoRoute, chat)
	}
	robotURL, ok := w.robots[chat]
	if !ok {
		return bot.CardRef{}, fmt.Errorf("%w %s: no unused response_url and no webhook_key for this chat in [[chats]]", ErrNoRoute, chat)
	}
	var md string
	switch m.Kind {
	case bot.KindCard:
		md = m.Fallback // rendered by our templates, markup intended
		if md == "" {
			md = cardMarkdown(m.Body)
		}
	case bot.KindText:
		md = escapeText(string(m.Body))
	case bot.KindMarkdown:
		md = string(m.Body) // rendered by our templates, markup intended
	default:
		return bot.CardRef{}, fmt.Errorf("wecom: unknown kind %q", m.Kind)
	}
	body := marshal(markdownMsg(truncateBytes(md, maxRobotMarkdown)))
	err := w.retryFrequency(ctx, by, func() error {
		if err := w.take(ctx, w.robotLimit, chat, by); err != nil {
			return err
		}
		return w.postJSON(ctx, channelRobot, "send", robotURL, body, w.cfg.Robots[chat].Reveal())
	})
	if err != nil {
		return bot.CardRef{}, err
	}
	w.log.DebugContext(ctx, "wecom: posted through the webhook robot", "chat_id", chat)
	return bot.CardRef{Platform: Platform, ChatID: chat, MessageID: newID("robot")}, nil
}

// retryFrequency runs call until it succeeds, fails otherwise than with WeCom's frequency
// code, or ctx ends; it waits between tries, as long as the next try comes by by. A try
// further away ends it with a *bot.BusyError wrapping WeCom's answer. A 45009 answer means
// nothing was posted.
func (w *WeCom) retryFrequency(ctx context.Context, by time.Time, call func() error) error {
	delay := freqRetryMin
	for {
		err := call()
		var ae *APIError
		if !errors.As(err, &ae) || ae.Code != codeFrequency {
			return err
		}
		if at := w.now().Add(delay); at.After(by) {
			w.log.WarnContext(ctx, "wecom: frequency limit; the message waits", "channel", ae.Channel, "retry_at", at)
			return &bot.BusyError{RetryAt: at, Err: err}
		}
		w.log.WarnContext(ctx, "wecom: frequency limit, retrying", "channel", ae.Channel, "in", delay)
		if serr := w.sleep(ctx, delay); serr != nil {
			return fmt.Errorf("%w (stopped retrying: %w)", err, serr)
		}
		delay = min(2*delay, freqRetryMax)
	}
}

// postJSON POSTs body and decodes WeCom's {"errcode","errmsg"} answer. secret, if not empty,
// is scrubbed from the answer's message.
func (w *WeCom) postJSON(ctx context.Context, channel, op, target string, body []byte, secret string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return &APIError{Channel: channel, Op: op, Msg: "bad request URL", Refused: true}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	return w.exchange(req, channel, op, secret)
}

// exchange makes req and decodes WeCom's {"errcode","errmsg"} answer. secret, if not empty, is
// scrubbed from the answer's message.
func (w *WeCom) exchange(req *http.Request, channel, op, secret string) error {
	resp, err := w.hc.Do(req)
	if err != nil {
		return transportError(channel, op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return transportError(channel, op, err)
	}
	if resp.StatusCode != http.StatusOK {
		// Answered without a WeCom answer: typically a proxy refusing; nothing was posted.
		return &APIError{Channel: channel, Op: op, Msg: "http " + strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode), Refused: true}
	}
	var ce util.CommonError
	if err := json.Unmarshal(data, &ce); err != nil {
		return &APIError{Channel: channel, Op: op, Msg: "answer is not JSON"}
	}
	if ce.ErrCode != 0 {
		msg := ce.ErrMsg
		if secret != "" {
			msg = strings.ReplaceAll(msg, secret, "<secret>")
		}
		return &APIError{Channel: channel, Op: op, Code: int(ce.ErrCode), Msg: msg, Refused: true}
	}
	return nil
}

// transportError wraps a failure to get an answer, dropping the URL net/http puts in its
// errors (it holds the robot key or a response_code). A failed dial sent nothing.
func transportError(channel, op string, err error) *APIError {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err
	}
	e := &APIError{Channel: channel, Op: op, Msg: err.Error(), err: err}
	if oe, ok := errors.AsType[*net.OpError](err); ok && oe.Op == "dial" {
		e.Refused = true
	}
	if _, ok := errors.AsType[*net.DNSError](err); ok {
		e.Refused = true
	}
	return e
}

// escapeText makes text safe as markdown: WeCom markdown mentions people with <@userid> (and
// the whole group with <@all>), so no "<" from a person's words may reach it. The fullwidth
// "＜" reads the same.
func escapeText(s string) string {
	return strings.ReplaceAll(s, "<", "＜")
}

// cardMarkdown renders the readable part of a template card as markdown, for a card sent
// without a Fallback through a channel that shows no cards.
func cardMarkdown(card []byte) string {
	var c struct {
		TemplateCard *json.RawMessage `json:"template_card"`
		MainTitle    struct {
			Title string `json:"title"`
			Desc  string `json:"desc"`
		} `json:"main_title"`
		SubTitleText string `json:"sub_title_text"`
		Rows         []struct {
			KeyName string `json:"keyname"`
			Value   string `json:"value"`
		} `json:"horizontal_content_list"`
	}
	if err := json.Unmarshal(card, &c); err != nil {
		return ""
	}
	if c.TemplateCard != nil {
		return cardMarkdown(*c.TemplateCard)
	}
	var b strings.Builder
	if t := c.MainTitle.Title; t != "" {
		b.WriteString("**" + escapeText(t) + "**\n")
	}
	if d := c.MainTitle.Desc; d != "" {
		b.WriteString(escapeText(d) + "\n")
	}
	if s := c.SubTitleText; s != "" {
		b.WriteString(escapeText(s) + "\n")
	}
	for _, r := range c.Rows {
		b.WriteString("> " + escapeText(r.KeyName) + "：" + escapeText(r.Value) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// truncateBytes cuts s to at most n bytes at a rune boundary, marking the cut with "…".
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "…"
	cut := n - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

// newID makes a unique id of WeCom's task_id alphabet (letters, digits, _-@; DOC 101032):
// prefix, the time in base 36 and 48 random bits, about 25 bytes.
func newID(prefix string) string {
	var r [6]byte
	_, _ = rand.Read(r[:])
	return prefix + "-" + strconv.FormatInt(time.Now().UnixMilli(), 36) + "-" + hex.EncodeToString(r[:])
}

// marshal encodes v as JSON without HTML escaping, so rendered text goes out as written.
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // unreachable: only our own types are marshalled
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}
