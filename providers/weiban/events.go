package weiban

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ticketbot/ticketbot/internal/msgcrypt"
	"github.com/ticketbot/ticketbot/providers"
)

// Pushed events: the work_order_change subscription (消息订阅, doc-477106; callback pages
// api-12212555 create, api-12211091 switch, api-12217099 close, api-12217760 reopen,
// api-12213144 reply; reference/ticket-providers.md §4.6).
//
// The handler acks within milliseconds and keeps vendor calls off the request path: it
// verifies, decrypts and dedupes the event, answers 200 "{}", and only then, in a bounded
// pool of goroutines, re-reads the work order's detail and calls onChange with the fresh
// ticket. The event's own fields are not trusted for the state (Weiban's close page shows
// "switch"); its kind only hints it (status-model.md §4.3).

const (
	// maxEventBody bounds a pushed body; larger ones are answered 413.
	maxEventBody = 1 << 20
	// eventWorkers is how many events are handled at once: each costs a detail call, and
	// the corp may have only 5 calls in flight.
	eventWorkers = 4
	// maxPendingEvents bounds the events accepted but not yet handled; beyond it the push is
	// answered 503 so that Weiban delivers it again later.
	maxPendingEvents = 256
	// dedupeTTL and dedupeMax bound the ids remembered for dedupe.
	dedupeTTL = 24 * time.Hour
	dedupeMax = 100_000
	// eventTimeout bounds the re-read and onChange of one event.
	eventTimeout = 2 * time.Minute
	// eventKind is the subscription handled; other events are acked and ignored.
	eventKind = "work_order_change"
)

// encryptFields are the JSON fields that may carry msg_encrypt. Weiban's document does not
// show the name (§4.6, ASSUME): "encrypt" is WeCom's JSON callback field; the others cover
// the obvious variants until the first real callback confirms it.
var encryptFields = []string{"encrypt", "Encrypt", "msg_encrypt", "encrypt_msg", "encrypted"}

// event is a decrypted work_order_change envelope.
type event struct {
	ID         flexString `json:"id"`
	CorpID     flexString `json:"corp_id"`
	CreateTime flexTime   `json:"create_time"` // seconds, or ms, or a float in some examples
	Type       flexString `json:"type"`
	Event      flexString `json:"event"`
	Status     flexString `json:"status"` // create, switch, close, reopen, reply
	RetryCount flexInt    `json:"retry_count"`
	MsgData    struct {
		OrderNo      flexString      `json:"order_no"`
		StaffID      flexString      `json:"staff_id"`
		HandlerID    flexString      `json:"handler_id"`
		CCList       flexStrings     `json:"cc_list"`
		Content      wireContent     `json:"content"`
		IsShow       flexInt         `json:"is_show"`
		AttachedJSON wireAttachments `json:"attached_json"`
	} `json:"msg_data"`
}

// eventHandler serves the subscription URL.
type eventHandler struct {
	p        *Provider
	onChange func(ctx context.Context, t providers.Ticket) error
	token    string
	crypt    *msgcrypt.Crypt // pushes are sealed the WeCom way (doc-477078); nil when events are not configured
	seen     *seenSet
	slots    chan struct{}
	pending  atomic.Int64
	wg       sync.WaitGroup // the events being handled, for tests
}

// EventsPath is where the app serves EventHandler.
const EventsPath = "/weiban/events"

// Events says where the app serves EventHandler, and whether [providers.weiban] turns pushes
// on (event_token and event_aes_key): Provider is a providers.Pusher.
func (p *Provider) Events() (path string, ok bool) { return EventsPath, p.cfg.EventsEnabled() }

// EventHandler returns the handler of the work_order_change subscription, to mount at
// POST /weiban/events (and GET, for the URL check Weiban makes when the URL is configured).
// For each new event it re-reads the work order and calls onChange with the fresh ticket, in
// the background: the push is acked at once. An event id is handled once per process (24 h).
//
// Answers: 200 "{}" for an accepted, duplicate or ignored event; 401 for a missing or bad
// msg_signature; 403 for an event sealed for another receive id than event_receive_id (by
// default corp_id); 400 for a body that is not JSON or does not decrypt; 413 for a body over
// 1 MiB; 503 when events are not configured or too many are pending (Weiban retries). Each
// refusal is logged once, at warn level.
func (p *Provider) EventHandler(onChange func(ctx context.Context, t providers.Ticket) error) http.Handler {
	h := &eventHandler{
		p:        p,
		onChange: onChange,
		token:    p.cfg.EventToken.Reveal(),
		seen:     newSeenSet(dedupeTTL, dedupeMax, p.now),
		slots:    make(chan struct{}, eventWorkers),
	}
	if p.cfg.EventsEnabled() {
		h.crypt, _ = msgcrypt.New(p.cfg.EventAESKey.Reveal()) // checked by Validate
	}
	return h
}

func (h *eventHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.crypt == nil {
		h.reject(r.Context(), w, r, refusal{http.StatusServiceUnavailable, "event_token/event_aes_key are not set", nil})
		return
	}
	switch r.Method {
	case http.MethodGet:
		h.verifyURL(w, r)
	case http.MethodPost:
		h.receive(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		h.reject(r.Context(), w, r, refusal{http.StatusMethodNotAllowed, "method not allowed", nil})
	}
}

// refusal is why a request is refused: the status answered and the reason logged, with any
// attributes that help fix the configuration (never a secret).
type refusal struct {
	status int
	reason string
	attrs  []slog.Attr
}

// verifyURL answers the URL check: GET ?msg_signature=&timestamp=&nonce=&echostr= is
// verified and decrypted, and the plaintext is returned exactly (doc-477078).
func (h *eventHandler) verifyURL(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	// Query decoding turns an unescaped '+' of the base64 echostr into a space; base64 has
	// no spaces, so put it back.
	echo := strings.ReplaceAll(q.Get("echostr"), " ", "+")
	msg, refused := h.open(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), echo)
	if refused != nil {
		h.reject(r.Context(), w, r, *refused)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write(msg)
}

// receive handles one pushed event.
func (h *eventHandler) receive(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxEventBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			h.reject(ctx, w, r, refusal{http.StatusRequestEntityTooLarge, "body too large", nil})
			return
		}
		h.reject(ctx, w, r, refusal{http.StatusBadRequest, "body not readable", nil})
		return
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		h.reject(ctx, w, r, refusal{http.StatusBadRequest, "body is not a JSON object", nil})
		return
	}
	var encrypted string
	for _, k := range encryptFields {
		if raw, ok := fields[k]; ok && json.Unmarshal(raw, &encrypted) == nil && encrypted != "" {
			break
		}
	}
	if encrypted == "" {
		h.reject(ctx, w, r, refusal{http.StatusBadRequest, "no encrypted field in the body", nil})
		return
	}
	q := r.URL.Query()
	msg, refused := h.open(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), encrypted)
	if refused != nil {
		h.reject(ctx, w, r, *refused)
		return
	}
	var ev event
	if err := json.Unmarshal(msg, &ev); err != nil {
		h.reject(ctx, w, r, refusal{http.StatusBadRequest, "decrypted event is not JSON", nil})
		return
	}
	h.accept(ctx, w, ev, msg)
}

// maxLoggedReceiveID bounds the receive id a refusal logs: a corp id is short, and whatever
// follows the message in a mis-sealed plaintext must not flood the log.
const maxLoggedReceiveID = 64

// open checks the signature first, in constant time, then decrypts and checks the receive
// id. It returns the message, or why the request is refused. It logs nothing: the caller
// logs the refusal, once.
func (h *eventHandler) open(sig, ts, nonce, encrypted string) ([]byte, *refusal) {
	// Hex in either case is accepted; msgcrypt.Verify wants lowercase.
	if sig == "" || !msgcrypt.Verify(strings.ToLower(sig), h.token, ts, nonce, encrypted) {
		return nil, &refusal{http.StatusUnauthorized, "bad msg_signature", nil}
	}
	msg, receiveID, err := h.crypt.Decrypt(encrypted)
	if err != nil {
		return nil, &refusal{http.StatusBadRequest, "does not decrypt: " + err.Error(), nil}
	}
	if want, key := h.p.cfg.eventReceiveID(); receiveID != want {
		// Signed with our token and sealed with our key, so it comes from Weiban: the id is
		// most likely this corp's other id (the "ww…" WeCom one). Name it, so the operator
		// can set it; the corp id is no secret.
		got := receiveID
		if len(got) > maxLoggedReceiveID {
			got = strings.ToValidUTF8(got[:maxLoggedReceiveID], "") + "…"
		}
		return nil, &refusal{http.StatusForbidden, "sealed for another receive id; if it is this corp's, set providers.weiban.event_receive_id to it", []slog.Attr{
			slog.String("received_id", got), slog.String("expected_id", want), slog.String("expected_from", key),
		}}
	}
	return msg, nil
}

// accept dedupes a verified event and queues it.
func (h *eventHandler) accept(ctx context.Context, w http.ResponseWriter, ev event, msg []byte) {
	id := strings.TrimSpace(string(ev.ID))
	if id == "" { // no id: the same plaintext is the same delivery
		sum := sha256.Sum256(msg)
		id = "sha256:" + hex.EncodeToString(sum[:])
	}
	orderNo := strings.TrimSpace(string(ev.MsgData.OrderNo))
	kind := strings.TrimSpace(string(ev.Status))
	attrs := []slog.Attr{
		slog.String("provider", "weiban"), slog.String("event_id", id), slog.String("ticket_id", orderNo),
		slog.String("event", string(ev.Event)), slog.String("status", kind), slog.Int64("retry_count", int64(ev.RetryCount)),
	}
	switch {
	case ev.Event != "" && ev.Event != eventKind:
		h.p.log.LogAttrs(ctx, slog.LevelDebug, "weiban: event ignored: not work_order_change", attrs...)
	case orderNo == "":
		h.p.log.LogAttrs(ctx, slog.LevelWarn, "weiban: event ignored: no order_no", attrs...)
	case !h.seen.add(id):
		h.p.log.LogAttrs(ctx, slog.LevelDebug, "weiban: duplicate event dropped", attrs...)
	case h.pending.Add(1) > maxPendingEvents:
		h.pending.Add(-1)
		h.seen.remove(id)
		h.p.log.LogAttrs(ctx, slog.LevelWarn, "weiban: too many events pending, asking Weiban to retry", attrs...)
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	default:
		h.p.log.LogAttrs(ctx, slog.LevelDebug, "weiban: event accepted", attrs...)
		h.wg.Add(1)
		go h.handle(context.WithoutCancel(ctx), orderNo, kind, attrs)
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, "{}")
}

// handle re-reads the work order and reports it, within the worker pool.
func (h *eventHandler) handle(ctx context.Context, orderNo, kind string, attrs []slog.Attr) {
	defer h.wg.Done()
	defer h.pending.Add(-1)
	h.slots <- struct{}{}
	defer func() { <-h.slots }()
	ctx, cancel := context.WithTimeout(ctx, eventTimeout)
	defer cancel()
	t, err := h.p.get(ctx, orderNo, kind)
	if err != nil {
		h.p.log.LogAttrs(ctx, slog.LevelWarn, "weiban: event: re-reading the work order failed",
			append(attrs, slog.String("err", err.Error()))...)
		return
	}
	if h.onChange == nil {
		return
	}
	if err := h.onChange(ctx, t); err != nil {
		h.p.log.LogAttrs(ctx, slog.LevelWarn, "weiban: event: onChange failed",
			append(attrs, slog.String("err", err.Error()))...)
	}
}

// reject logs a refused request, once, at warn level, and answers it: the reason and the
// peer, never the query (it carries the signature) or the body.
func (h *eventHandler) reject(ctx context.Context, w http.ResponseWriter, r *http.Request, why refusal) {
	attrs := append([]slog.Attr{
		slog.String("provider", "weiban"), slog.Int("status", why.status), slog.String("reason", why.reason),
		slog.String("remote", r.RemoteAddr),
	}, why.attrs...)
	h.p.log.LogAttrs(ctx, slog.LevelWarn, "weiban: event rejected", attrs...)
	http.Error(w, http.StatusText(why.status), why.status)
}
