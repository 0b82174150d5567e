// Package feishu is the Feishu (飞书) chat platform: inbound events and card callbacks over
// HTTP (webhook.go) or the SDK's long connection (ws.go), and outbound messages and card
// updates (client.go). It imports bot only; the router mounts Handler, main calls Run.
//
// The HTTP path verifies and decrypts requests itself instead of going through the SDK's
// dispatcher: it checks the signature before touching the body, enforces a timestamp window
// and the verification token (the SDK does neither for events), and allocates less.
package feishu

import (
	"context"
	"crypto/cipher"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	lark "github.com/larksuite/oapi-sdk-go/v3"
	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"

	"github.com/ticketbot/ticketbot/bot"
)

// Platform is the name of this platform in bot.Message, bot.Action and bot.CardRef.
const Platform = "feishu"

// Defaults for the options.
const (
	// DefaultMaxBody caps a webhook body. Feishu events are a few KiB; a card callback with a
	// form stays well below this.
	DefaultMaxBody int64 = 1 << 20
	// defaultHTTPTimeout bounds one outbound call; the SDK's default client has none.
	defaultHTTPTimeout = 10 * time.Second
)

// Feishu is one Feishu app: it receives (Handler, Run) and sends (Send, Reply, Update). It is
// safe for concurrent use.
type Feishu struct {
	cfg  Config
	sink bot.Sink
	log  *slog.Logger

	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error
	hc      *http.Client
	maxBody int64
	pace    pacer

	// Derived once from the config: the raw encrypt key (part of the signed string), its AES
	// cipher (key = SHA256(encrypt_key)) and the verification token.
	signKey []byte
	block   cipher.Block
	vtoken  []byte

	lark  *lark.Client
	token tokenCache
	// busyLog writes a line a second, with a count, while the queue refuses work.
	busyLog *bot.LogSampler
	// connected is whether the long connection is up now (Connected).
	connected atomic.Bool
	metrics   *bot.Metrics
}

var _ bot.Platform = (*Feishu)(nil)

// Option changes a Feishu built by New.
type Option func(*Feishu)

// WithClock sets the clock the webhook's timestamp window is checked against (and the token
// cache's expiry), so tests can use fixed, signed requests.
func WithClock(now func() time.Time) Option {
	return func(f *Feishu) {
		if now != nil {
			f.now = now
		}
	}
}

// WithSleep sets how a send waits for a rate limit; it must return early with ctx's error.
// Tests pair it with WithClock to wait without sleeping.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(f *Feishu) {
		if sleep != nil {
			f.sleep = sleep
		}
	}
}

// WithHTTPClient sets the client for outbound calls and the long connection's bootstrap.
func WithHTTPClient(c *http.Client) Option {
	return func(f *Feishu) {
		if c != nil {
			f.hc = c
		}
	}
}

// WithMaxBody sets the largest webhook body accepted; larger ones get 413.
// WithMetrics counts the webhook requests refused (ticketbot_webhooks_rejected_total).
func WithMetrics(m *bot.Metrics) Option {
	return func(f *Feishu) { f.metrics = m }
}

func WithMaxBody(n int64) Option {
	return func(f *Feishu) {
		if n > 0 {
			f.maxBody = n
		}
	}
}

// New checks cfg (after filling its defaults) and builds the platform. sink receives what the
// inbound side decodes; it may be nil for a send-only use, in which case inbound requests are
// answered 503 so that Feishu redelivers them later. log may be nil.
func New(cfg Config, sink bot.Sink, log *slog.Logger, opts ...Option) (*Feishu, error) {
	cfg.Defaults()
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("feishu: invalid config: %w", errors.Join(errs...))
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &Feishu{
		cfg:     cfg,
		sink:    sink,
		log:     log.With("platform", Platform),
		now:     time.Now,
		sleep:   bot.Sleep,
		hc:      &http.Client{Timeout: defaultHTTPTimeout},
		maxBody: DefaultMaxBody,
		vtoken:  []byte(cfg.VerificationToken.Reveal()),
	}
	for _, o := range opts {
		o(f)
	}
	f.token.init()
	f.pace = newPacer(f.now)
	f.busyLog = bot.NewLogSampler(time.Second)
	if key := cfg.EncryptKey.Reveal(); key != "" {
		f.signKey = []byte(key)
		f.block = newCipher(key)
	}
	f.lark = lark.NewClient(cfg.AppID, cfg.AppSecret.Reveal(),
		lark.WithOpenBaseUrl(cfg.BaseURL),
		lark.WithHttpClient(f.hc),
		lark.WithLogger(sdkLogger{f.log}),
		// The SDK's token cache is a package-level map keyed by app id and secret, not by
		// base URL, and it reuses a token the server calls invalid; we keep our own per
		// instance (client.go) and hand the token to every request.
		lark.WithEnableTokenCache(false),
	)
	return f, nil
}

// Name returns "feishu".
func (f *Feishu) Name() string { return Platform }

// sdkLogger sends the SDK's log lines to slog. Debug lines are dropped: the SDK prints raw
// request bodies and long-connection payloads at that level, which may hold message text.
type sdkLogger struct{ log *slog.Logger }

func (l sdkLogger) Debug(context.Context, ...any) {}

func (l sdkLogger) Info(ctx context.Context, args ...any) {
	l.log.InfoContext(ctx, fmt.Sprint(args...), "component", "lark-sdk")
}

func (l sdkLogger) Warn(ctx context.Context, args ...any) {
	l.log.WarnContext(ctx, fmt.Sprint(args...), "component", "lark-sdk")
}

func (l sdkLogger) Error(ctx context.Context, args ...any) {
	l.log.ErrorContext(ctx, fmt.Sprint(args...), "component", "lark-sdk")
}

var _ larkcore.Logger = sdkLogger{}
