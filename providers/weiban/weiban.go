// Package weiban is the Weiban (微伴助手) work-order (工单) provider: it creates, reads,
// comments on, closes, lists and hands over work orders through the Weiban OpenAPI
// (/open-api/workorder/…), receives the work_order_change push events and maps work orders to
// the normalized providers.Ticket. Its fake, for tests and the demo, is package weibantest.
//
// The wire facts come from Weiban's own detail document (seeds/002, api-8267914) and
// reference/ticket-providers.md §4; the status resolution from reference/status-model.md §4.3.
//
// Weiban limits a corp to 5 calls in flight and 600 a minute; the provider waits its turn
// rather than being refused, and when refused anyway (10052/10053) backs off and retries.
package weiban

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

var (
	_ providers.Provider = (*Provider)(nil)
	_ providers.Pusher   = (*Provider)(nil)
)

// The workorder endpoints (reference/ticket-providers.md §4.4).
const (
	pathDetail = "/open-api/workorder/detail" // api-8267914
	pathList   = "/open-api/workorder/list"   // api-8267893
	pathCreate = "/open-api/workorder/create" // api-9470876
	pathReply  = "/open-api/workorder/reply"  // api-8932839
	pathClose  = "/open-api/workorder/close"  // api-8932822
	pathSwitch = "/open-api/workorder/switch" // api-8269990
	// pathTemplates lists the work-order templates (api-9571473).
	pathTemplates = "/open-api/workorder/template/list"
)

// Provider is the Weiban work-order provider. It is safe for concurrent use.
type Provider struct {
	cfg   Config
	hc    *http.Client
	log   *slog.Logger
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
	c     *client
	// observe is told of every API call (WithObserver).
	observe providers.Observer
	m       mapper
	// warned holds the raw statuses already logged as unmapped, so each is logged once.
	warned sync.Map
}

// Option changes how New builds a Provider.
type Option func(*Provider)

// WithHTTPClient sets the HTTP client (a proxy, a test transport). The config timeout still
// bounds every call.
func WithHTTPClient(hc *http.Client) Option {
	return func(p *Provider) {
		if hc != nil {
			p.hc = hc
		}
	}
}

// WithClock sets the clock of the token cache, the rate limiter and the event dedupe.
func WithClock(now func() time.Time) Option {
	return func(p *Provider) {
		if now != nil {
			p.now = now
		}
	}
}

// WithLogger sets the logger. Calls are logged at debug level (op, attempt, HTTP status,
// errcode, duration), retries at warn level; never a URL, a token, the secret or a body.
func WithLogger(l *slog.Logger) Option {
	return func(p *Provider) {
		if l != nil {
			p.log = l
		}
	}
}

// WithSleep replaces the waits of the rate limiter and of backoff (tests, the demo). sleep
// must return ctx.Err() when ctx ends first.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(p *Provider) {
		if sleep != nil {
			p.sleep = sleep
		}
	}
}

// WithObserver tells o of every call to weiban's API, for the metrics.
func WithObserver(o providers.Observer) Option {
	return func(p *Provider) { p.observe = o }
}

// New builds a Provider from its configuration section, after applying Defaults. An invalid
// configuration is an error listing every problem.
func New(cfg Config, opts ...Option) (*Provider, error) {
	cfg.Defaults()
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("weiban: invalid configuration: %w", errors.Join(errs...))
	}
	p := &Provider{cfg: cfg, hc: &http.Client{}, log: slog.New(slog.DiscardHandler), now: time.Now, sleep: sleepCtx}
	for _, o := range opts {
		o(p)
	}
	p.c = newClient(cfg, p.hc, p.log, p.now, p.sleep)
	p.c.observe = p.observe
	p.m = mapper{staffID: cfg.StaffID, statusMap: cfg.statusMap()}
	return p, nil
}

// Name returns "weiban".
func (p *Provider) Name() string { return "weiban" }

// Capabilities reports that Weiban supports create, reply, close, notes and transfer (流转),
// not reopen or reject; any staff member with permission may close.
func (p *Provider) Capabilities() providers.Capabilities {
	return providers.Capabilities{Create: true, Reply: true, Close: true, Notes: true, Transfer: true, Search: true}
}

// wireText is the {text, pic} content object of create, reply, close and switch.
type wireText struct {
	Text string   `json:"text"`
	Pic  []string `json:"pic"`
}

// createBody is the create request (api-9470876).
type createBody struct {
	TemplateID       int64    `json:"template_id,omitempty"`
	Title            string   `json:"title"`
	Content          wireText `json:"content"`
	HandlerID        string   `json:"handler_id,omitempty"`
	StaffID          string   `json:"staff_id"`
	CCList           []string `json:"cc_list"`
	MsgList          []string `json:"msg_list"`
	ComponentRecords []any    `json:"component_records"`
}

// Create files a work order (POST /open-api/workorder/create, api-9470876) as the actor's
// Weiban staff id, or the bot's staff_id, and returns it as read back. Priority and Type have
// no Weiban field and are ignored. When the read-back fails the ticket is built from the
// request: the create succeeded, and reporting it as failed would invite a duplicate.
func (p *Provider) Create(ctx context.Context, r providers.CreateRequest) (providers.Ticket, error) {
	fail := func(err error) (providers.Ticket, error) {
		return providers.Ticket{}, fmt.Errorf("weiban: create work order: %w", err)
	}
	title := strings.TrimSpace(r.Title)
	if title == "" {
		return fail(errors.New("title is empty"))
	}
	staff, text := p.actor(r.Actor, cmp.Or(strings.TrimSpace(r.Content), title))
	template, handler, err := p.chosen(r)
	if err != nil {
		return fail(err)
	}
	body := createBody{
		TemplateID: template, Title: title, Content: wireText{Text: text, Pic: []string{}},
		HandlerID: handler, StaffID: staff, CCList: []string{}, MsgList: []string{}, ComponentRecords: []any{},
	}
	var out struct {
		OrderNo flexString `json:"order_no"`
		Data    struct {
			OrderNo flexString `json:"order_no"`
		} `json:"data"`
		WorkOrder struct {
			OrderNo flexString `json:"order_no"`
		} `json:"work_order"`
	}
	if err := p.c.call(ctx, request{op: "create", method: http.MethodPost, path: pathCreate, body: body}, &out); err != nil {
		return fail(err)
	}
	// The doc says "→ order_no" without the nesting; accept it at the top or one level down.
	no := strings.TrimSpace(string(cmp.Or(out.OrderNo, out.Data.OrderNo, out.WorkOrder.OrderNo)))
	if no == "" {
		return fail(errors.New("the vendor answered success without an order_no"))
	}
	if t, err := p.Get(ctx, no); err == nil {
		return t, nil
	}
	now := p.now()
	return providers.Ticket{
		Provider: "weiban", ID: no, Title: title, Content: text, Status: providers.StatusOpen,
		RawStatus: "10", CreatorID: staff, Creator: r.Actor.Name, CreatedAt: now, UpdatedAt: now,
	}, nil
}

// Get reads a work order (GET /open-api/workorder/detail, api-8267914).
func (p *Provider) Get(ctx context.Context, id string) (providers.Ticket, error) {
	return p.get(ctx, id, "")
}

// get reads a work order; hint is the event kind that caused the read, or "".
func (p *Provider) get(ctx context.Context, id, hint string) (providers.Ticket, error) {
	w, err := p.detail(ctx, id)
	if err != nil {
		return providers.Ticket{}, fmt.Errorf("weiban: get work order %s: %w", id, err)
	}
	t, res := p.m.ticket(w, hint)
	if !res.mapped {
		if _, seen := p.warned.LoadOrStore(t.RawStatus, true); !seen {
			p.log.LogAttrs(ctx, slog.LevelWarn, "weiban: unmapped work-order status; add it to providers.weiban.status_map",
				slog.String("provider", "weiban"), slog.String("ticket_id", t.ID), slog.String("raw_status", t.RawStatus))
		}
	}
	return t, nil
}

// textBody is the reply and close request (api-8932839, api-8932822).
type textBody struct {
	OrderNo      string   `json:"order_no"`
	StaffID      string   `json:"staff_id"`
	CCList       []string `json:"cc_list,omitempty"`
	Content      wireText `json:"content"`
	IsShow       int      `json:"is_show"`
	AttachedJSON []any    `json:"attached_json"`
}

// Reply comments on a work order (POST /open-api/workorder/reply, api-8932839), shown in the
// flow (is_show 1).
func (p *Provider) Reply(ctx context.Context, id string, r providers.Reply) error {
	wrap := func(err error) error { return fmt.Errorf("weiban: reply to work order %s: %w", id, err) }
	if strings.TrimSpace(r.Text) == "" {
		return wrap(errors.New("reply text is empty"))
	}
	no, err := orderNo(id)
	if err != nil {
		return wrap(err)
	}
	staff, text := p.actor(r.Actor, r.Text)
	body := textBody{OrderNo: no, StaffID: staff, Content: wireText{Text: text, Pic: []string{}}, IsShow: 1, AttachedJSON: []any{}}
	if err := p.c.call(ctx, request{op: "reply", method: http.MethodPost, path: pathReply, body: body}, nil); err != nil {
		return wrap(err)
	}
	return nil
}

// Close closes a work order (POST /open-api/workorder/close, api-8932822). 22307 (closed,
// operation not allowed) is providers.ErrAlreadyClosed.
func (p *Provider) Close(ctx context.Context, id string, r providers.CloseRequest) error {
	wrap := func(err error) error { return fmt.Errorf("weiban: close work order %s: %w", id, err) }
	no, err := orderNo(id)
	if err != nil {
		return wrap(err)
	}
	staff, text := p.actor(r.Actor, r.Remark)
	body := textBody{OrderNo: no, StaffID: staff, CCList: []string{}, Content: wireText{Text: text, Pic: []string{}}, IsShow: 1, AttachedJSON: []any{}}
	err = p.c.call(ctx, request{op: "close", method: http.MethodPost, path: pathClose, body: body}, nil)
	if codeOf(err) == codeClosed {
		return wrap(fmt.Errorf("%w (%w)", providers.ErrAlreadyClosed, err))
	}
	if err != nil {
		return wrap(err)
	}
	return nil
}

// Notes returns the processing flows of a work order (工单流程), oldest first.
func (p *Provider) Notes(ctx context.Context, id string) ([]providers.Note, error) {
	w, err := p.detail(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("weiban: notes of work order %s: %w", id, err)
	}
	ns := p.m.notes(w)
	out := make([]providers.Note, len(ns))
	for i, n := range ns {
		out[i] = n.Note
	}
	return out, nil
}

// detail calls the detail endpoint. A success without a work order is ErrNotFound too.
func (p *Provider) detail(ctx context.Context, id string) (*wireOrder, error) {
	no, err := orderNo(id)
	if err != nil {
		return nil, err
	}
	var out detailResponse
	r := request{op: "detail", method: http.MethodGet, path: pathDetail, query: url.Values{"order_no": {no}}, read: true}
	if err := p.c.call(ctx, r, &out); err != nil {
		return nil, err
	}
	if out.WorkOrder == nil || strings.TrimSpace(string(out.WorkOrder.OrderNo)) == "" {
		return nil, fmt.Errorf("%w: 工单不存在 (detail answered without a work order)", providers.ErrNotFound)
	}
	return out.WorkOrder, nil
}

// orderNo checks a work-order number. Weiban's are long digit strings (1471808049579560960);
// they are never parsed as numbers. Anything with characters outside digits, letters, '-'
// and '_' cannot name a work order, and is not sent.
func orderNo(id string) (string, error) {
	id = strings.TrimSpace(id)
	if id == "" || len(id) > 64 || strings.IndexFunc(id, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_')
	}) >= 0 {
		return "", fmt.Errorf("%w: 工单不存在 (%q is not a Weiban order_no)", providers.ErrNotFound, id)
	}
	return id, nil
}

// actor returns the staff id to act as and the text to send: the mapped person's Weiban id,
// or the bot's staff_id with the person's name prefixed, since Weiban would otherwise show
// the bot as the author.
func (p *Provider) actor(a providers.Actor, text string) (staff, out string) {
	text = strings.TrimSpace(text)
	if v := strings.TrimSpace(a.VendorID); v != "" {
		return v, text
	}
	if text != "" {
		text = providers.Attributed(a.Name, text)
	}
	return p.cfg.StaffID, text
}
