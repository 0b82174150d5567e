// Package wecom is the WeCom (企业微信) 智能机器人 chat platform in API mode: inbound messages
// and card clicks over signed, encrypted HTTP callbacks (webhook.go) or the long connection
// (ws.go), and outbound messages through passive replies, response_url, the group webhook
// robot or the long connection (client.go). It imports bot only; the router mounts Handler
// at CallbackPath, main calls Run in websocket mode.
//
// What WeCom allows, and so what this package does (DOC numbers are
// developer.work.weixin.qq.com/document/path/N):
//
//   - A group message reaches the bot only when it @-mentions it (DOC 100719); a quote
//     carries only the quoted text, never an id.
//   - HTTP mode: a message is answered later through its callback's response_url (one use,
//     one hour, DOC 101138); a click is answered in the HTTP response by an encrypted
//     update_template_card (DOC 101031); a card can never be updated after that. Pushes with
//     no response_url left go to that group's webhook robot (DOC 91770), which shows no
//     buttons, and posts into its own group only.
//   - Long connection: replies reuse the callback's req_id, a click's card is updated with
//     aibot_respond_update_msg within 5 s, pushes use aibot_send_msg (DOC 101463).
//   - Replies and pushes are limited to 30 a minute and 1000 an hour per chat, the robot to
//     20 a minute; a send waits briefly for its turn (bot.SendWait), and beyond that returns
//     a bot.BusyError saying when, so the caller sends it then rather than lose it.
package wecom

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/internal/msgcrypt"
)

// Platform is the name of this platform in bot.Message, bot.Action and bot.CardRef.
const Platform = "wecom"

// CallbackPath is where the router mounts Handler, and the URL path to configure as the
// bot's callback URL (接收消息 URL). Handler itself answers on any path.
const CallbackPath = "/wecom/callback"

// Defaults for the options.
const (
	// DefaultMaxBody caps a callback body; WeCom's are a few KiB.
	DefaultMaxBody int64 = 1 << 20
	// defaultHTTPTimeout bounds one outbound call.
	defaultHTTPTimeout = 10 * time.Second
	// Long connection: ping every 30 s (DOC 101463 保持心跳), reconnect after 1 s doubling to
	// 30 s, and give every frame 10 s for its acknowledgement.
	defaultPingInterval = 30 * time.Second
	defaultBackoffMin   = time.Second
	defaultBackoffMax   = 30 * time.Second
	defaultAckTimeout   = 10 * time.Second
)

// ErrCannotUpdate is returned by Update when WeCom offers no way to change the card in
// place: over HTTP a card changes only in the passive reply to a click, and over the long
// connection only within 5 s of a click on it. Callers post a new message instead.
var ErrCannotUpdate = fmt.Errorf("wecom: the card can no longer be updated in place: %w", bot.ErrCannotUpdate)

// ErrNoRoute is returned by Send when nothing can reach the chat: in webhook mode no unused
// response_url is left for it and no webhook robot is configured (or the chat is a single
// chat, which the group robot cannot reach).
var ErrNoRoute = errors.New("wecom: no way to reach the chat")

// WeCom is one 智能机器人: it receives (Handler, Run) and sends (Send, Reply, Update). It is
// safe for concurrent use.
type WeCom struct {
	cfg     Config
	sink    bot.Sink
	log     *slog.Logger
	metrics *bot.Metrics

	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error
	hc      *http.Client
	maxBody int64

	// receiveID is the callback crypto's trailing id: "" for a 智能机器人. Tests set the
	// official vectors' corpid.
	receiveID string
	token     string
	crypt     *msgcrypt.Crypt   // nil without encoding_aes_key: the HTTP callback is then off
	robots    map[string]string // chat id → its webhook robot's send URL, key included; never logged

	urls       *responseURLs
	chatLimit  *bot.Limiter // replies and pushes per chat (30/min, 1000/h)
	robotLimit *bot.Limiter // the webhook robot (20/min)

	// Long connection.
	dialer       *websocket.Dialer
	backoffMin   time.Duration
	backoffMax   time.Duration
	pingInterval time.Duration
	ackTimeout   time.Duration
	running      atomic.Bool
	conn         connSlot
	reqs         *ttlMap[*wsReq]   // msgid → the callback's req_id, for aibot_respond_msg
	clicks       *ttlMap[*wsClick] // task_id → the latest click's req_id, for card updates

	bg sync.WaitGroup // short background posts (toasts after a click)
	// life bounds the background posts of the HTTP callback; Shutdown ends it.
	life    context.Context
	endLife context.CancelFunc
	// busyLog writes a line a second, with a count, while the queue refuses work.
	busyLog *bot.LogSampler
}

var (
	_ bot.Platform        = (*WeCom)(nil)
	_ bot.FeatureReporter = (*WeCom)(nil)
)

// Option changes a WeCom built by New.
type Option func(*WeCom)

// WithClock sets the clock of the callback timestamp window, response_url lifetimes, the
// rate limits and the long connection's click window, so tests can use fixed, signed
// requests and fast-forward through limits.
func WithClock(now func() time.Time) Option {
	return func(w *WeCom) {
		if now != nil {
			w.now = now
		}
	}
}

// WithSleep sets how a send waits for a rate limit or before retrying a frequency-limited
// call; it must return early with ctx's error. Tests pair it with WithClock to wait without
// sleeping.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(w *WeCom) {
		if sleep != nil {
			w.sleep = sleep
		}
	}
}

// WithHTTPClient sets the client for response_url and webhook robot calls.
func WithHTTPClient(c *http.Client) Option {
	return func(w *WeCom) {
		if c != nil {
			w.hc = c
		}
	}
}

// WithMaxBody sets the largest callback body accepted; larger ones get 413.
// WithMetrics counts the webhook requests refused (ticketbot_webhooks_rejected_total).
func WithMetrics(m *bot.Metrics) Option {
	return func(w *WeCom) { w.metrics = m }
}

func WithMaxBody(n int64) Option {
	return func(w *WeCom) {
		if n > 0 {
			w.maxBody = n
		}
	}
}

// WithDialer sets the long connection's WebSocket dialer.
func WithDialer(d *websocket.Dialer) Option {
	return func(w *WeCom) {
		if d != nil {
			w.dialer = d
		}
	}
}

// WithBackoff sets the long connection's reconnect delays: the first wait, doubled (with
// jitter) after each failure up to max.
func WithBackoff(min, max time.Duration) Option {
	return func(w *WeCom) {
		if min > 0 && max >= min {
			w.backoffMin, w.backoffMax = min, max
		}
	}
}

// WithPingInterval sets how often the long connection pings (30 s by default).
func WithPingInterval(d time.Duration) Option {
	return func(w *WeCom) {
		if d > 0 {
			w.pingInterval = d
		}
	}
}

// WithAckTimeout sets how long a long-connection frame waits for WeCom's acknowledgement.
func WithAckTimeout(d time.Duration) Option {
	return func(w *WeCom) {
		if d > 0 {
			w.ackTimeout = d
		}
	}
}

// New checks cfg (after filling its defaults) and builds the platform. sink receives what the
// inbound side decodes; it may be nil for a send-only use, in which case callbacks are
// answered 503. log may be nil.
func New(cfg Config, sink bot.Sink, log *slog.Logger, opts ...Option) (*WeCom, error) {
	cfg.Defaults()
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("wecom: invalid config: %w", errors.Join(errs...))
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &WeCom{
		cfg:          cfg,
		sink:         sink,
		log:          log.With("platform", Platform),
		now:          time.Now,
		sleep:        bot.Sleep,
		hc:           &http.Client{Timeout: defaultHTTPTimeout},
		maxBody:      DefaultMaxBody,
		token:        cfg.Token.Reveal(),
		dialer:       &websocket.Dialer{HandshakeTimeout: defaultHTTPTimeout, Proxy: http.ProxyFromEnvironment},
		backoffMin:   defaultBackoffMin,
		backoffMax:   defaultBackoffMax,
		pingInterval: defaultPingInterval,
		ackTimeout:   defaultAckTimeout,
	}
	for _, o := range opts {
		o(w)
	}
	if k := cfg.EncodingAESKey.Reveal(); k != "" {
		c, err := msgcrypt.New(k)
		if err != nil {
			return nil, fmt.Errorf("wecom: encoding_aes_key: %w", err) // unreachable after Validate
		}
		w.crypt = c
	}
	w.robots = map[string]string{}
	for chat, k := range cfg.Robots {
		if k := k.Reveal(); k != "" {
			w.robots[chat] = cfg.APIBaseURL + pathRobotSend + "?key=" + url.QueryEscape(k)
		}
	}
	w.urls = newResponseURLs(responseURLTTL, maxResponseURLs)
	w.chatLimit = bot.NewLimiter(w.now, chatPerMinute, chatPerHour)
	w.robotLimit = bot.NewLimiter(w.now, robotPerMinute)
	w.reqs = newTTLMap[*wsReq](respondWindow, maxRemembered)
	w.clicks = newTTLMap[*wsClick](clickUpdateWindow, maxRemembered)
	w.conn.init()
	w.busyLog = bot.NewLogSampler(time.Second)
	w.life, w.endLife = context.WithCancel(context.Background())
	return w, nil
}

// Shutdown lets the background posts still running (a click's notice to the chat) finish
// until ctx ends, then cuts them and waits for them to return. Call it once the callbacks
// have stopped coming (the HTTP server shut down, Run returned).
func (w *WeCom) Shutdown(ctx context.Context) error {
	done := make(chan struct{})
	go func() { w.bg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("wecom: background posts cut at shutdown: %w", ctx.Err())
	}
	w.endLife()
	<-done
	return err
}

// Name returns "wecom".
func (w *WeCom) Name() string { return Platform }

// Features reports that WeCom template cards hold no input boxes and no confirmation
// dialogs, and that messages have no threads: people answer a ticket by quoting its card.
func (w *WeCom) Features() bot.Features { return bot.Features{} }
