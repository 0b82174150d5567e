// Package ksyun is the Kingsoft Cloud (金山云) ticket provider: it creates, reads, comments on,
// rejects (驳回) and closes tickets through the Kingsoft workorder API (/workorder/api/ticket/…) and maps them to
// the normalized providers.Ticket. Its fake, for tests and the demo, is package ksyuntest.
//
// The wire facts come from Kingsoft's own API document (seeds/001) and
// reference/ticket-providers.md §3; the status mapping from reference/status-model.md §4.2.
package ksyun

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

var _ providers.Provider = (*Provider)(nil)

// Provider is the Kingsoft Cloud ticket provider. It is safe for concurrent use.
type Provider struct {
	cfg Config
	hc  *http.Client
	now func() time.Time
	c   *client
	// observe is told of every API call (WithObserver).
	observe providers.Observer
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

// WithClock sets the clock used for the Timestamp header, reported_time and solved_time.
func WithClock(now func() time.Time) Option {
	return func(p *Provider) {
		if now != nil {
			p.now = now
		}
	}
}

// WithObserver tells o of every call to ksyun's API, for the metrics.
func WithObserver(o providers.Observer) Option {
	return func(p *Provider) { p.observe = o }
}

// New builds a Provider from its configuration section, after applying Defaults. An invalid
// configuration is an error listing every problem.
func New(cfg Config, opts ...Option) (*Provider, error) {
	cfg.Defaults()
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("ksyun: invalid configuration: %w", errors.Join(errs...))
	}
	p := &Provider{cfg: cfg, hc: &http.Client{}, now: time.Now}
	for _, o := range opts {
		o(p)
	}
	p.c = newClient(cfg, p.hc, p.now)
	p.c.observe = p.observe
	return p, nil
}

// Name returns "ksyun".
func (p *Provider) Name() string { return "ksyun" }

// Capabilities reports that Kingsoft supports every basic operation and reject (驳回), not
// reopen or transfer, and that only a ticket's creator may close it ("仅工单的创建人可关闭工单").
func (p *Provider) Capabilities() providers.Capabilities {
	return providers.Capabilities{Create: true, Reply: true, Close: true, Notes: true, CloseCreatorOnly: true, Reject: true}
}

// createBody is the create request (TicketCreateRequest) with its required fields.
type createBody struct {
	Title                    string `json:"title"`
	Detail                   string `json:"detail"`
	ReportedTime             int64  `json:"reported_time"`
	Type                     int    `json:"type"`
	Priority                 int    `json:"priority"`
	CustomerOrganizationID   int64  `json:"customer_organization_id"`
	CustomerOrganizationName string `json:"customer_organization_name"`
	RepositoryProductID      int64  `json:"repository_product_id"`
	CreatorID                int64  `json:"creator_id"`
	CreatorName              string `json:"creator_name"`
	// Attachment are files uploaded first (upload_file), passed as Kingsoft answered them.
	Attachment []Attachment `json:"attachment,omitempty"`
}

// Create files a ticket (POST /workorder/api/ticket/create) and returns it as read back. The
// creator is the actor's Kingsoft id, or the configured creator for unmapped users. When the
// read-back fails the ticket is built from the request instead: the create succeeded, and
// reporting it as failed would invite a duplicate.
func (p *Provider) Create(ctx context.Context, r providers.CreateRequest) (providers.Ticket, error) {
	return p.create(ctx, r, nil)
}

// create is Create with the attachments already uploaded.
func (p *Provider) create(ctx context.Context, r providers.CreateRequest, attachments []Attachment) (providers.Ticket, error) {
	fail := func(err error) (providers.Ticket, error) {
		return providers.Ticket{}, fmt.Errorf("ksyun: create ticket: %w", err)
	}
	title := strings.TrimSpace(r.Title)
	if title == "" {
		return fail(errors.New("title is empty"))
	}
	typ, err := createType(r.Type, p.cfg.Type)
	if err != nil {
		return fail(err)
	}
	prio, err := createPriority(r.Priority, p.cfg.Priority)
	if err != nil {
		return fail(err)
	}
	creatorID, creatorName, err := p.actor(r.Actor)
	if err != nil {
		return fail(err)
	}
	line, err := p.productLine(r)
	if err != nil {
		return fail(err)
	}
	now := p.now()
	body := createBody{
		Title: title,
		// detail is required; a ticket typed as a single line has only a title.
		Detail:                   cmp.Or(strings.TrimSpace(r.Content), title),
		ReportedTime:             now.Unix(),
		Type:                     typ,
		Priority:                 prio,
		CustomerOrganizationID:   p.cfg.CustomerOrganizationID,
		CustomerOrganizationName: p.cfg.CustomerOrganizationName,
		RepositoryProductID:      line,
		CreatorID:                creatorID,
		CreatorName:              creatorName,
		Attachment:               attachments,
	}
	var created struct {
		ID flexInt `json:"id"`
	}
	env, err := p.c.postJSON(ctx, "create", body, &created)
	if err != nil {
		return fail(err)
	}
	if created.ID <= 0 {
		return fail(fmt.Errorf("the vendor answered success without a ticket id (request_id %s)", env.RequestID))
	}
	id := strconv.FormatInt(int64(created.ID), 10)
	if t, err := p.Get(ctx, id); err == nil {
		return t, nil
	}
	t := providers.Ticket{
		Provider:  "ksyun",
		ID:        id,
		Title:     body.Title,
		Content:   body.Detail,
		Status:    providers.StatusOpen,
		RawStatus: strconv.Itoa(statusPending),
		RawLabel:  statusLabels[statusPending],
		Type:      typeLabels[typ],
		Customer:  body.CustomerOrganizationName,
		Creator:   creatorName,
		CreatorID: strconv.FormatInt(creatorID, 10),
		CreatedAt: now,
		UpdatedAt: now,
	}
	t.Priority, t.PriorityLevel = priority(strconv.Itoa(prio))
	return t, nil
}

// Get reads a ticket with its assignments and history (GET /workorder/api/ticket/detail).
func (p *Provider) Get(ctx context.Context, id string) (providers.Ticket, error) {
	w, err := p.ticket(ctx, "detail", id)
	if err != nil {
		return providers.Ticket{}, fmt.Errorf("ksyun: get ticket %s: %w", id, err)
	}
	return w.toTicket(), nil
}

// commentBody is the comment and reject request (TicketAutoOperateRequest). Its product line
// key is camelCase, unlike every other field of the API.
type commentBody struct {
	ID             int64  `json:"id"`
	Detail         string `json:"detail"`
	ProductGroupID int64  `json:"productGroupId"`
}

// Reply comments on a ticket (POST /workorder/api/ticket/comment_ticket). The comment names a
// product line, so the ticket's product_group_id is read from base first; comments carry no
// author, and appear at Kingsoft as written by the API's account.
func (p *Provider) Reply(ctx context.Context, id string, r providers.Reply) error {
	wrap := func(err error) error { return fmt.Errorf("ksyun: reply to ticket %s: %w", id, err) }
	if strings.TrimSpace(r.Text) == "" {
		return wrap(errors.New("reply text is empty"))
	}
	b, err := p.ticket(ctx, "base", id)
	if err != nil {
		return wrap(err)
	}
	body := commentBody{ID: int64(b.ID), Detail: attributed(r), ProductGroupID: int64(b.ProductGroupID)}
	if _, err := p.c.postJSON(ctx, "comment_ticket", body, nil); err != nil {
		return wrap(err)
	}
	return nil
}

// attributed prefixes the reply with its author's name: comment_ticket has no author field, so
// without it Kingsoft staff would see every comment as written by the API account.
func attributed(r providers.Reply) string { return providers.Attributed(r.Actor.Name, r.Text) }

// closeBody is the close_ticket request.
type closeBody struct {
	ID         int64  `json:"id"`
	CloserID   int64  `json:"closer_id"`
	CloserName string `json:"closer_name"`
	SolvedTime int64  `json:"solved_time"`
	Detail     string `json:"detail,omitempty"`
	IsSolved   bool   `json:"is_solved"`
}

// Close closes a ticket (POST /workorder/api/ticket/close_ticket) on behalf of the actor, or of
// the configured creator when the actor has no Kingsoft id.
//
// Kingsoft lets only the creator close a ticket and publishes no error code for anyone else,
// so Close reads base first: a closed or cancelled ticket gives ErrAlreadyClosed, and when base
// names a creator other than the closer, ErrNotCreator naming the creator; no doomed close is
// sent. Anything the
// vendor still refuses (23000 工单状态不允许关闭) stays a *providers.VendorError.
func (p *Provider) Close(ctx context.Context, id string, r providers.CloseRequest) error {
	wrap := func(err error) error { return fmt.Errorf("ksyun: close ticket %s: %w", id, err) }
	closerID, closerName, err := p.actor(r.Actor)
	if err != nil {
		return wrap(err)
	}
	b, err := p.ticket(ctx, "base", id)
	if err != nil {
		return wrap(err)
	}
	if code, _ := statusCode(string(b.Status)); code == statusClosed || code == statusCancelled {
		return wrap(fmt.Errorf("%w (%s)", providers.ErrAlreadyClosed, statusLabels[code]))
	}
	if b.CreatorID != 0 && int64(b.CreatorID) != closerID {
		return wrap(&notCreatorError{name: b.CreatorName, id: int64(b.CreatorID)})
	}
	body := closeBody{
		ID:         int64(b.ID),
		CloserID:   closerID,
		CloserName: closerName,
		SolvedTime: p.now().Unix(),
		Detail:     r.Remark,
		IsSolved:   false, // "已定位原因": the chat does not say, so claim nothing
	}
	if _, err := p.c.postJSON(ctx, "close_ticket", body, nil); err != nil {
		return wrap(err)
	}
	return nil
}

// Notes returns the history of every product line of a ticket, oldest first
// (GET /workorder/api/ticket/detail, assigns[].history[]).
func (p *Provider) Notes(ctx context.Context, id string) ([]providers.Note, error) {
	w, err := p.ticket(ctx, "detail", id)
	if err != nil {
		return nil, fmt.Errorf("ksyun: notes of ticket %s: %w", id, err)
	}
	return w.notes(), nil
}

// ticket reads one ticket from base or detail. Kingsoft documents no answer for an unknown id,
// so three shapes count as not found: a success without a ticket (no data, or id 0), and a
// failure without a ticket whose message says so ("工单不存在", "not found"). Any other failure,
// a bad signature included, stays a VendorError, so a broken setup is not reported as a missing
// ticket.
func (p *Provider) ticket(ctx context.Context, op, id string) (wireTicket, error) {
	n, err := parseID(id)
	if err != nil {
		return wireTicket{}, err
	}
	var w wireTicket
	env, err := p.c.getJSON(ctx, op, url.Values{"id": {strconv.FormatInt(n, 10)}}, &w)
	var ve *providers.VendorError
	switch {
	case errors.As(err, &ve):
		if !strings.HasPrefix(ve.Code, "HTTP") && ve.Code != "timeout" && ve.Code != "network" &&
			noTicket(env.Data) && notFoundMessage(ve.Message) {
			return wireTicket{}, fmt.Errorf("%w: %w", providers.ErrNotFound, err)
		}
		return wireTicket{}, err
	case err != nil:
		return wireTicket{}, err
	case w.ID == 0:
		return wireTicket{}, fmt.Errorf("%w (%s returned no ticket, request_id %s)", providers.ErrNotFound, op, env.RequestID)
	}
	return w, nil
}

// parseID checks a ticket id. Kingsoft ids are positive integers, so anything else cannot name
// a ticket there.
func parseID(id string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%w: %q is not a Kingsoft ticket id", providers.ErrNotFound, id)
	}
	return n, nil
}

// noTicket reports whether data holds no ticket: absent, empty, or with id 0.
func noTicket(data []byte) bool {
	if emptyData(data) {
		return true
	}
	var v struct {
		ID flexInt `json:"id"`
	}
	return json.Unmarshal(data, &v) != nil || v.ID == 0
}

// notFoundMessage reports whether a vendor message says the ticket does not exist.
func notFoundMessage(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "不存在") || strings.Contains(m, "not found") ||
		strings.Contains(m, "not exist") || strings.Contains(m, "no such")
}

// actor returns the Kingsoft identity (长工号 and name) to act as: the mapped person, or the
// configured creator when the chat user has no mapping.
func (p *Provider) actor(a providers.Actor) (int64, string, error) {
	id := p.cfg.CreatorID
	if v := strings.TrimSpace(a.VendorID); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return 0, "", fmt.Errorf("%q is not a Kingsoft employee number (长工号)", a.VendorID)
		}
		id = n
	}
	return id, cmp.Or(strings.TrimSpace(a.Name), p.cfg.CreatorName), nil
}

// createType maps the normalized type to the create scale, or the default for "".
func createType(t string, def int) (int, error) {
	switch strings.ToLower(strings.TrimSpace(t)) {
	case "":
		return def, nil
	case "incident":
		return 1, nil // 问题排查
	case "request":
		return 2, nil // 需求反馈
	case "question":
		return 3, nil // 咨询
	}
	return 0, fmt.Errorf("unknown ticket type %q (want incident, request or question)", t)
}

// createPriority maps the normalized priority to Kingsoft's scale (受影响程度 1 高, 2 中, 3 低;
// priorityLevels), or the default for "". Kingsoft has no level above 高, so urgent is filed as
// 高, the nearest, and the ticket's PriorityLevel says high.
func createPriority(pr string, def int) (int, error) {
	switch strings.ToLower(strings.TrimSpace(pr)) {
	case "":
		return def, nil
	case "urgent", "high":
		return 1, nil
	case "normal":
		return 2, nil
	case "low":
		return 3, nil
	}
	return 0, fmt.Errorf("unknown priority %q (want urgent, high, normal or low)", pr)
}

// notCreatorError is ErrNotCreator with the creator's name, so the chat can say who may close.
type notCreatorError struct {
	name string
	id   int64
}

func (e *notCreatorError) Error() string {
	who := e.name
	if who == "" {
		who = strconv.FormatInt(e.id, 10)
	}
	return "only the ticket's creator (" + who + ") may close it"
}

func (e *notCreatorError) Unwrap() error { return providers.ErrNotCreator }
