package wecom

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/internal/msgcrypt"
	"github.com/ticketbot/ticketbot/internal/reqid"
)

const (
	// timestampWindow is how far a callback's timestamp may be from our clock; WeCom checks
	// none on our behalf, so without it a captured request could be replayed forever.
	timestampWindow = 5 * time.Minute
	// Bounds on the signed query values, hashed before anything else is looked at.
	maxParamLen = 128
	maxEchoLen  = 4 << 10
	// pooledBufMax keeps unusually large buffers out of the pool.
	pooledBufMax = 64 << 10
)

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) > pooledBufMax {
		return
	}
	*b = (*b)[:0]
	bufPool.Put(b)
}

// Handler serves the 智能机器人's HTTP callback (DOC 101033): GET is the URL check, POST a
// message or event. Mount it at CallbackPath; it answers on any path.
//
// Every request is authenticated before its ciphertext is touched: msg_signature must equal
// sha1 over the sorted token, timestamp, nonce and ciphertext (compared in constant time),
// and the timestamp must be within 5 minutes of our clock. The plaintext must end in the
// empty receiveid of a 智能机器人.
//
// Answers: the URL check gets the decrypted echostr as the whole body; a message the sink can
// answer from its text alone (help, a usage hint: bot.AnswerNow) gets that answer as the
// encrypted passive reply; any other message an empty 200 at once (the work is queued; the
// answer goes later through the callback's response_url); a click gets the encrypted passive reply that updates the card, or an empty
// 200; 503 when the sink is busy, so WeCom delivers again; 401 for anything
// unauthenticated; 400 for what cannot be decrypted or parsed; 413 past the size cap; 404
// when no encoding_aes_key is configured (long-connection mode).
func (w *WeCom) Handler() http.Handler {
	return http.HandlerFunc(w.serveCallback)
}

func (w *WeCom) serveCallback(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		rw.Header().Set("Allow", "GET, POST")
		w.reject(r.Context(), rw, r, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	if w.crypt == nil {
		w.reject(r.Context(), rw, r, http.StatusNotFound, "callback not configured")
		return
	}
	if r.Method == http.MethodGet {
		w.serveVerify(rw, r)
		return
	}
	w.servePost(rw, r)
}

// signedQuery is the signature part of a callback URL, and the URL check's echostr.
type signedQuery struct {
	sig, ts, nonce, echo string
}

// readQuery reads the signed query values; it reports false when one is missing or too long.
// It scans the raw query for the four keys instead of building a url.Values map: this runs
// on every callback.
func readQuery(r *http.Request) (signedQuery, bool) {
	var s signedQuery
	raw := r.URL.RawQuery
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(kv, "=")
		var dst *string
		switch k {
		case "msg_signature":
			dst = &s.sig
		case "timestamp":
			dst = &s.ts
		case "nonce":
			dst = &s.nonce
		case "echostr":
			dst = &s.echo
		default:
			continue
		}
		if *dst != "" || len(v) > 3*maxEchoLen {
			continue // the first value counts, as with url.Values.Get
		}
		if u, err := url.QueryUnescape(v); err == nil {
			*dst = u
		}
	}
	ok := s.sig != "" && s.ts != "" && s.nonce != "" &&
		len(s.sig) <= maxParamLen && len(s.ts) <= maxParamLen && len(s.nonce) <= maxParamLen
	return s, ok
}

// fresh reports whether a callback's timestamp (seconds) is within the window of our clock.
func (w *WeCom) fresh(ts string) bool {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	d := w.now().Sub(time.Unix(sec, 0))
	return d <= timestampWindow && d >= -timestampWindow
}

// serveVerify answers the URL check (验证URL有效性, DOC 101033): within 1 s, the decrypted
// echostr alone, no quotes, no BOM, no newline.
func (w *WeCom) serveVerify(rw http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q, ok := readQuery(r)
	if !ok {
		w.reject(ctx, rw, r, http.StatusUnauthorized, "missing or oversized signature parameters")
		return
	}
	echo := q.echo
	if echo == "" || len(echo) > maxEchoLen {
		w.reject(ctx, rw, r, http.StatusBadRequest, "missing or oversized echostr")
		return
	}
	// base64 has no spaces: a "+" that arrived unescaped was decoded into one.
	echo = strings.ReplaceAll(echo, " ", "+")
	if !msgcrypt.Verify(q.sig, w.token, q.ts, q.nonce, echo) {
		w.reject(ctx, rw, r, http.StatusUnauthorized, "bad signature")
		return
	}
	if !w.fresh(q.ts) {
		w.reject(ctx, rw, r, http.StatusUnauthorized, "timestamp outside window")
		return
	}
	plain, err := w.crypt.DecryptFor(nil, []byte(echo), w.receiveID)
	if err != nil {
		w.reject(ctx, rw, r, http.StatusBadRequest, "undecryptable echostr")
		return
	}
	w.log.InfoContext(ctx, "wecom: callback URL verified")
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.WriteHeader(http.StatusOK)
	_, _ = rw.Write(plain)
}

// servePost handles a message or event callback.
func (w *WeCom) servePost(rw http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.ContentLength > w.maxBody {
		w.reject(ctx, rw, r, http.StatusRequestEntityTooLarge, "body too large")
		return
	}
	q, ok := readQuery(r)
	if !ok {
		w.reject(ctx, rw, r, http.StatusUnauthorized, "missing or oversized signature parameters")
		return
	}
	raw := getBuf()
	defer putBuf(raw)
	body, err := bot.ReadBody(http.MaxBytesReader(rw, r.Body, w.maxBody), (*raw)[:0], r.ContentLength)
	*raw = body
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			w.reject(ctx, rw, r, http.StatusRequestEntityTooLarge, "body too large")
			return
		}
		w.reject(ctx, rw, r, http.StatusBadRequest, "read body")
		return
	}
	enc, ok := bot.EncryptField(body)
	if !ok {
		w.reject(ctx, rw, r, http.StatusBadRequest, "no encrypt field")
		return
	}
	// The signature covers the ciphertext, so it is checked before decrypting.
	if !msgcrypt.Verify(q.sig, w.token, q.ts, q.nonce, enc) {
		w.reject(ctx, rw, r, http.StatusUnauthorized, "bad signature")
		return
	}
	if !w.fresh(q.ts) {
		w.reject(ctx, rw, r, http.StatusUnauthorized, "timestamp outside window")
		return
	}
	pbuf := getBuf()
	defer putBuf(pbuf)
	if n := base64.StdEncoding.DecodedLen(len(enc)); cap(*pbuf) < n {
		*pbuf = make([]byte, 0, n)
	}
	plain, err := w.crypt.DecryptFor(*pbuf, enc, w.receiveID)
	var c callback
	if err == nil {
		c, err = decodeCallback(plain)
	}
	if err != nil {
		w.reject(ctx, rw, r, http.StatusBadRequest, "undecryptable")
		return
	}
	switch {
	case c.isMessage():
		m := toMessage(&c)
		if out, ok := bot.AnswerNow(w.sink, m); ok && w.answerInAck(ctx, rw, m, out, q.nonce) {
			return
		}
		if status := w.acceptMessage(ctx, &c, m); status != http.StatusOK {
			writeStatus(rw, status)
			return
		}
		rw.WriteHeader(http.StatusOK)
	case c.isClick():
		w.answerClick(ctx, rw, &c, q.nonce)
	default:
		// Stream refreshes, enter_chat, feedback, images and files: nothing to do.
		w.log.DebugContext(ctx, "wecom: callback ignored", "event_id", c.MsgID, "msgtype", c.MsgType)
		rw.WriteHeader(http.StatusOK)
	}
}

// acceptMessage remembers the message's response_url and hands it to the sink, returning
// the HTTP status to answer: 200 (handled, or a duplicate), 503 to have WeCom deliver again.
func (w *WeCom) acceptMessage(ctx context.Context, c *callback, m bot.Message) int {
	// Remembered first: the dispatcher may answer before HandleMessage returns.
	added := w.urls.add(w.now(), c.MsgID, m.ChatID, c.ResponseURL)
	switch err := w.deliverMessage(ctx, m); {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, bot.ErrBusy), errors.Is(err, errNoSink):
		if added {
			w.urls.forget(c.MsgID) // the redelivery brings it again
		}
		return http.StatusServiceUnavailable
	default:
		if added {
			w.urls.forget(c.MsgID)
		}
		return http.StatusInternalServerError
	}
}

// answerClick runs a click and answers with the card update, encrypted, or an empty 200.
// A notice (a failure with no card to show it) goes to the chat afterwards, through the
// click's own response_url: WeCom has no toast.
func (w *WeCom) answerClick(ctx context.Context, rw http.ResponseWriter, c *callback, nonce string) {
	a := toAction(c)
	w.urls.add(w.now(), c.MsgID, a.ChatID, c.ResponseURL)
	ans := w.runAction(ctx, a)
	if ans.notice != "" {
		w.postNotice(a.ChatID, c.MsgID, ans.notice)
	}
	if ans.update == nil {
		rw.WriteHeader(http.StatusOK)
		return
	}
	w.writePassive(rw, ans.update, nonce)
}

// answerInAck answers message m with out in the callback's own response (DOC 101031): a text
// as a finished stream, a card as a template_card. Nothing is queued or stored, and the
// message's response_url stays unused. It reports false (and m takes the queue) when out
// cannot be shaped for WeCom.
func (w *WeCom) answerInAck(ctx context.Context, rw http.ResponseWriter, m bot.Message, out bot.Outgoing, nonce string) bool {
	o, err := prepare(out)
	if err != nil {
		w.log.ErrorContext(ctx, "wecom: instant answer", "event_id", m.MessageID, "chat_id", m.ChatID, "err", err)
		return false
	}
	bp := getBuf()
	defer putBuf(bp)
	*bp = o.appendPassive((*bp)[:0])
	w.writePassive(rw, *bp, nonce)
	if w.log.Enabled(ctx, slog.LevelDebug) { // the answer in the ack is its delivery's only trace
		w.log.DebugContext(ctx, "wecom: answered in the callback response", "event_id", m.MessageID, "chat_id", m.ChatID, "msgtype", o.msgType, reqid.Key, reqid.New())
	}
	return true
}

// writePassive answers 200 with plain encrypted and signed as a passive reply (DOC 101033
// 被动回复: {"encrypt","msgsignature","timestamp","nonce"}; msgsignature has no underscore,
// unlike the callback's query; timestamp is a number in seconds, nonce the callback's own). The JSON is written by hand into a pooled buffer: the encrypt text is
// base64 and the signature hex, neither needs escaping, and marshalling copied the
// ciphertext twice more on every answer in the ack.
func (w *WeCom) writePassive(rw http.ResponseWriter, plain []byte, nonce string) {
	ts := strconv.FormatInt(w.now().Unix(), 10)
	bp := getBuf()
	defer putBuf(bp)
	b := append((*bp)[:0], `{"encrypt":"`...)
	at := len(b)
	b = w.crypt.AppendEncrypt(b, plain, w.receiveID)
	end := len(b)
	b = append(b, `","msgsignature":"`...)
	b = msgcrypt.AppendSignature(b, w.token, ts, nonce, b[at:end])
	b = append(b, `","timestamp":`...)
	b = append(b, ts...)
	b = append(b, `,"nonce":`...)
	b = appendJSONString(b, nonce)
	b = append(b, '}')
	*bp = b
	h := rw.Header()
	h["Content-Type"] = jsonContentType
	if len(b) > 2048 {
		// Its length, known: an answer over net/http's 2 KB buffer (the help) is otherwise
		// sent chunked, framed and ended by a chunk of its own. (A shorter one net/http
		// measures itself.)
		h["Content-Length"] = []string{strconv.Itoa(len(b))}
	}
	rw.WriteHeader(http.StatusOK)
	_, _ = rw.Write(b)
}

// jsonContentType is the passive reply's Content-Type, one slice for every answer (Header.Set
// would allocate one each time); nothing writes to it, and net/http copies it when it sends.
var jsonContentType = []string{"application/json; charset=utf-8"}

// appendJSONString appends s as a JSON string, as encoding/json writes it with HTML escaping
// off: quote, backslash and control characters escaped, and U+2028 and U+2029 too. Invalid
// UTF-8 is written as it is (the bot's own text and the query's nonce are valid).
func appendJSONString[S ~string | ~[]byte](dst []byte, s S) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < 0x80 {
			i++
			continue
		}
		if c >= 0x80 {
			// U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
			if c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9) {
				dst = append(dst, s[start:i]...)
				dst = append(dst, `\u202`...)
				dst = append(dst, hexDigits[s[i+2]&0xF])
				i += 3
				start = i
				continue
			}
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// postNotice posts text to the chat in the background, as a reply to message msgID (its
// response_url when unused), bounded in time.
func (w *WeCom) postNotice(chat, msgID, text string) {
	w.bg.Add(1)
	go func() {
		defer w.bg.Done()
		ctx, cancel := context.WithTimeout(w.life, 30*time.Second)
		defer cancel()
		ctx = bot.WithSendWait(ctx, backgroundSendWait)
		ref := bot.CardRef{Platform: Platform, ChatID: chat, MessageID: msgID}
		if _, err := w.Reply(ctx, ref, bot.Outgoing{Kind: bot.KindText, Body: []byte(text)}); err != nil {
			w.log.WarnContext(ctx, "wecom: click notice not posted", "event_id", msgID, "chat_id", chat, "err", err)
		}
	}()
}

// reject logs and answers a refused request: the reason and the peer, never the query (it
// carries the signature) or the body.
func (w *WeCom) reject(ctx context.Context, rw http.ResponseWriter, r *http.Request, status int, reason string) {
	w.log.WarnContext(ctx, "wecom: callback rejected", "status", status, "reason", reason, "remote", r.RemoteAddr, reqid.Key, reqid.New())
	w.metrics.WebhookRejected(Platform, reason)
	writeStatus(rw, status)
}

// writeStatus answers status with its text as the body.
func writeStatus(rw http.ResponseWriter, status int) {
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.WriteHeader(status)
	_, _ = io.WriteString(rw, http.StatusText(status))
}
