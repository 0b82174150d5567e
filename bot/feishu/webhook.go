package feishu

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/internal/reqid"
)

// Webhook request headers (DOC 接收事件; SDK event/model.go).
const (
	headerTimestamp = "X-Lark-Request-Timestamp"
	headerNonce     = "X-Lark-Request-Nonce"
	headerSignature = "X-Lark-Signature"
)

// MaxEventAge is how old a signed request's X-Lark-Request-Timestamp may be. Feishu
// redelivers an unacknowledged event after 15 s, 5 min, 1 h and 6 h (reference
// chat-platforms.md §7 and §15, DOC 事件概述), and a redelivery may carry the first delivery's
// timestamp: a ±5 min window would refuse the 1 h and 6 h retries, and the event would be
// lost. 7 h covers the last retry with an hour of slack. A replay inside it is harmless:
// each event id is remembered in the store's processed table until internal/app prunes it
// after 24 h (the dispatcher's memory in front of it answers only the quick redeliveries), so
// MaxEventAge must stay below that retention (a test there holds the two together). The SDK
// checks no timestamp at all, so a captured request could be replayed forever.
const MaxEventAge = 7 * time.Hour

const (
	// maxFutureSkew is how far ahead of our clock a timestamp may be: clocks drift a little,
	// Feishu never signs a request in the future.
	maxFutureSkew = 5 * time.Minute
	// cardActionWindow is the accepted age of a card callback. A click is answered within
	// 3 s or Feishu shows the clicker an error; an hours-old click is no retry worth taking,
	// and clicks are remembered only in memory, so a restart must not make an old one new.
	cardActionWindow = 5 * time.Minute
	// maxUnsignedBody caps what we decrypt without a signature: only the URL check comes
	// unsigned, and it is a few hundred bytes.
	maxUnsignedBody = 4 << 10
	// Bounds on the signed header values, which are hashed in front of the body.
	maxTimestampLen = 20
	maxNonceLen     = 128
	// pooledBufMax keeps unusually large buffers out of the pool.
	pooledBufMax = 64 << 10
)

var (
	respEmpty        = []byte(`{}`)
	respUnauthorized = []byte(`{"msg":"unauthorized"}`)
	respBadRequest   = []byte(`{"msg":"bad request"}`)
	respTooLarge     = []byte(`{"msg":"request body too large"}`)
	respNotAllowed   = []byte(`{"msg":"method not allowed"}`)
	respBusy         = []byte(`{"msg":"busy, retry later"}`)
	respInternal     = []byte(`{"msg":"internal error"}`)
	respDisabled     = []byte(`{"msg":"webhook disabled"}`)
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

// Handler serves Feishu's HTTP callbacks: events (事件订阅) and card callbacks (回调) may be
// configured with the same URL. Only POST is allowed.
//
// A request is authenticated before its body is parsed: the signature
// hex(sha256(timestamp+nonce+encrypt_key+body)) must match X-Lark-Signature (compared in
// constant time), the timestamp must be at most MaxEventAge old (5 minutes for a card
// callback) and at most 5 minutes ahead of our clock, and after decryption
// header.token must equal the verification token. The one exception is the URL check, which
// Feishu does not sign: a small unsigned body is decrypted and answered only if it is a
// url_verification carrying the verification token.
//
// Answers: 200 {} for handled or ignored events; the card answer for card callbacks; 503
// when the sink is busy (Feishu redelivers after 15 s, 5 min, 1 h, 6 h); 401 for anything
// unauthenticated; 400 for a body that is not an encrypted request; 413 past the size cap.
func (f *Feishu) Handler() http.Handler {
	return http.HandlerFunc(f.serveWebhook)
}

func (f *Feishu) serveWebhook(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.Method != http.MethodPost {
		f.reject(ctx, r, http.StatusMethodNotAllowed, "method not allowed")
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, respNotAllowed)
		return
	}
	if f.block == nil {
		// Long-connection mode without an encrypt key: nothing could be verified.
		f.reject(ctx, r, http.StatusNotFound, "webhook mode not configured")
		writeJSON(w, http.StatusNotFound, respDisabled)
		return
	}
	if r.ContentLength > f.maxBody {
		f.reject(ctx, r, http.StatusRequestEntityTooLarge, "body too large")
		writeJSON(w, http.StatusRequestEntityTooLarge, respTooLarge)
		return
	}

	ts := r.Header.Get(headerTimestamp)
	nonce := r.Header.Get(headerNonce)
	sig := r.Header.Get(headerSignature)
	signed := sig != ""
	if signed && (len(ts) > maxTimestampLen || len(nonce) > maxNonceLen) {
		f.deny(ctx, w, r, "oversized signature headers")
		return
	}

	// The signed string is timestamp+nonce+key+body: read the body right behind the prefix,
	// so the digest is one pass over one buffer with no copy.
	raw := getBuf()
	defer putBuf(raw)
	buf := (*raw)[:0]
	if signed {
		buf = append(buf, ts...)
		buf = append(buf, nonce...)
		buf = append(buf, f.signKey...)
	}
	prefix := len(buf)
	buf, err := bot.ReadBody(http.MaxBytesReader(w, r.Body, f.maxBody), buf, r.ContentLength)
	*raw = buf
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			f.reject(ctx, r, http.StatusRequestEntityTooLarge, "body too large")
			writeJSON(w, http.StatusRequestEntityTooLarge, respTooLarge)
			return
		}
		f.reject(ctx, r, http.StatusBadRequest, "read body")
		writeJSON(w, http.StatusBadRequest, respBadRequest)
		return
	}
	body := buf[prefix:]

	var age time.Duration // how old the signed timestamp is
	if signed {
		sum := sha256.Sum256(buf)
		if !signatureOK(&sum, sig) {
			f.deny(ctx, w, r, "bad signature")
			return
		}
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			f.deny(ctx, w, r, "bad timestamp")
			return
		}
		switch age = f.now().Sub(time.Unix(sec, 0)); {
		case age < -maxFutureSkew:
			f.deny(ctx, w, r, "timestamp in the future")
			return
		case age > MaxEventAge:
			f.deny(ctx, w, r, "timestamp too old")
			return
		}
	} else if len(body) > maxUnsignedBody {
		f.deny(ctx, w, r, "unsigned request")
		return
	}

	enc, ok := bot.EncryptField(body)
	if !ok {
		f.reject(ctx, r, http.StatusBadRequest, "not an encrypted request")
		writeJSON(w, http.StatusBadRequest, respBadRequest)
		return
	}
	pbuf := getBuf()
	defer putBuf(pbuf)
	if n := base64.StdEncoding.DecodedLen(len(enc)); cap(*pbuf) < n {
		*pbuf = make([]byte, 0, n)
	}
	plain, err := decrypt(f.block, *pbuf, enc)
	var e envelope
	if err == nil {
		e, err = decodeEnvelope(plain)
	}
	if err != nil {
		// Unsigned, a padding or JSON failure answers like any other unsigned request, so
		// the status never tells whether the padding of a forged ciphertext was right
		// (padding oracle). Signed requests cannot be forged, so they get the plain 400.
		if !signed && !errors.Is(err, errCiphertext) {
			f.deny(ctx, w, r, "unsigned request")
			return
		}
		f.reject(ctx, r, http.StatusBadRequest, "undecryptable")
		writeJSON(w, http.StatusBadRequest, respBadRequest)
		return
	}

	if e.Type == typeURLVerification {
		if !f.tokenOK(e.Token) {
			f.deny(ctx, w, r, "url_verification with wrong token")
			return
		}
		b, _ := json.Marshal(struct {
			Challenge string `json:"challenge"`
		}{e.Challenge})
		f.log.InfoContext(ctx, "feishu: url_verification answered")
		writeJSON(w, http.StatusOK, b)
		return
	}
	if !signed {
		f.deny(ctx, w, r, "unsigned request")
		return
	}
	// The SDK checks the token only for the URL check; we check it on everything.
	if !f.tokenOK(e.token()) {
		f.deny(ctx, w, r, "wrong verification token")
		return
	}

	switch e.Header.EventType {
	case eventMessage:
		switch err := f.deliverMessage(ctx, &e); {
		case err == nil:
			writeJSON(w, http.StatusOK, respEmpty)
		case errors.Is(err, bot.ErrBusy), errors.Is(err, errNoSink):
			writeJSON(w, http.StatusServiceUnavailable, respBusy)
		default:
			writeJSON(w, http.StatusInternalServerError, respInternal)
		}
	case eventCardAction:
		if age > cardActionWindow {
			f.deny(ctx, w, r, "card callback timestamp too old")
			return
		}
		var out bytes.Buffer
		enc := json.NewEncoder(&out)
		enc.SetEscapeHTML(false) // keep the card's text as rendered
		if err := enc.Encode(f.answerAction(ctx, &e)); err != nil {
			f.log.ErrorContext(ctx, "feishu: encode card answer", "event_id", e.Header.EventID, "err", err)
			out.Reset()
			_ = json.NewEncoder(&out).Encode(errorAnswer(toastInternal))
		}
		writeJSON(w, http.StatusOK, out.Bytes())
	default:
		f.log.DebugContext(ctx, "feishu: event ignored", "event_id", e.Header.EventID, "event_type", e.Header.EventType)
		writeJSON(w, http.StatusOK, respEmpty)
	}
}

// tokenOK compares a request's verification token with ours in constant time.
func (f *Feishu) tokenOK(tok string) bool {
	return len(f.vtoken) > 0 && subtle.ConstantTimeCompare([]byte(tok), f.vtoken) == 1
}

// deny answers 401.
func (f *Feishu) deny(ctx context.Context, w http.ResponseWriter, r *http.Request, reason string) {
	f.reject(ctx, r, http.StatusUnauthorized, reason)
	writeJSON(w, http.StatusUnauthorized, respUnauthorized)
}

// reject logs a refused request, once, at warn level: the reason and the peer, never the
// body or headers' values. Every refusal goes through it and nothing else logs one.
func (f *Feishu) reject(ctx context.Context, r *http.Request, status int, reason string) {
	f.log.WarnContext(ctx, "feishu: webhook request rejected", "status", status, "reason", reason, "remote", r.RemoteAddr, reqid.Key, reqid.New())
	f.metrics.WebhookRejected(Platform, reason)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
