package weiban

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ticketbot/ticketbot/providers"
)

// This file holds the Weiban operations beyond providers.Provider: list and switch.

// maxListLimit is the largest page list accepts (api-8267893).
const maxListLimit = 100

// ListRequest filters list. Zero values are left out, so the vendor's defaults apply (30 per
// page from offset 0). Weiban filters only by creation window and title: there is no status
// or order_no filter.
type ListRequest struct {
	Limit  int // ≤ 100
	Offset int
	// Start and End bound the time window; Weiban takes them only together.
	Start, End time.Time
	Title      string
}

// List pages through work orders (GET /open-api/workorder/list, api-8267893) and returns one
// page and the total. List entries carry no processing flows or form values, so their status
// comes from the status map or button_operate alone, and they have no latest note.
func (p *Provider) List(ctx context.Context, r ListRequest) (tickets []providers.Ticket, total int64, err error) {
	orders, n, err := p.listPage(ctx, r)
	if err != nil {
		return nil, 0, fmt.Errorf("weiban: list work orders: %w", err)
	}
	tickets = make([]providers.Ticket, 0, len(orders))
	for i := range orders {
		t, _ := p.m.ticket(&orders[i], "")
		tickets = append(tickets, t)
	}
	return tickets, n, nil
}

// listPage is one list call: its entries as sent, and the total.
func (p *Provider) listPage(ctx context.Context, r ListRequest) ([]wireOrder, int64, error) {
	if r.Limit < 0 || r.Limit > maxListLimit {
		return nil, 0, fmt.Errorf("limit %d is not between 1 and %d", r.Limit, maxListLimit)
	}
	if r.Offset < 0 {
		return nil, 0, fmt.Errorf("offset %d is negative", r.Offset)
	}
	if r.Start.IsZero() != r.End.IsZero() {
		return nil, 0, errors.New("start and end must be given together")
	}
	q := url.Values{}
	if r.Limit > 0 {
		q.Set("limit", strconv.Itoa(r.Limit))
	}
	if r.Offset > 0 {
		q.Set("offset", strconv.Itoa(r.Offset))
	}
	if !r.Start.IsZero() {
		q.Set("start_time", strconv.FormatInt(r.Start.Unix(), 10))
		q.Set("end_time", strconv.FormatInt(r.End.Unix(), 10))
	}
	if t := strings.TrimSpace(r.Title); t != "" {
		q.Set("title", t)
	}
	var out struct {
		Total flexInt     `json:"total"`
		List  []wireOrder `json:"workorder_list"`
	}
	if err := p.c.call(ctx, request{op: "list", method: http.MethodGet, path: pathList, query: q, read: true}, &out); err != nil {
		return nil, 0, err
	}
	return out.List, int64(out.Total), nil
}

// maxSwitchText is the longest remark switch accepts, in characters (api-8269990).
const maxSwitchText = 600

// switchBody is the switch request (api-8269990).
type switchBody struct {
	OrderNo      string   `json:"order_no"`
	StaffID      string   `json:"staff_id"`
	HandlerID    string   `json:"handler_id"`
	Content      wireText `json:"content"`
	IsShow       int      `json:"is_show"`
	AttachedJSON []any    `json:"attached_json"`
}

// Switch hands a work order to the next handler, staffID (流转, POST /open-api/workorder/switch,
// api-8269990), acting as the bot's staff_id. The remark is cut to Weiban's 600 characters.
func (p *Provider) Switch(ctx context.Context, id, staffID string) error {
	return p.SwitchWithRemark(ctx, id, staffID, "")
}

// SwitchWithRemark is Switch with a remark shown in the flow.
func (p *Provider) SwitchWithRemark(ctx context.Context, id, staffID, remark string) error {
	wrap := func(err error) error { return fmt.Errorf("weiban: switch work order %s: %w", id, err) }
	no, err := orderNo(id)
	if err != nil {
		return wrap(err)
	}
	staffID = strings.TrimSpace(staffID)
	if staffID == "" {
		return wrap(errors.New("the next handler's staff id is empty"))
	}
	remark = strings.TrimSpace(remark)
	if utf8.RuneCountInString(remark) > maxSwitchText {
		remark = string([]rune(remark)[:maxSwitchText])
	}
	if err := p.switchTo(ctx, no, p.cfg.StaffID, staffID, remark); err != nil {
		return wrap(err)
	}
	return nil
}

// switchTo makes the switch call, acting as staff, shown in the flow (is_show 1).
func (p *Provider) switchTo(ctx context.Context, no, staff, handler, text string) error {
	body := switchBody{
		OrderNo: no, StaffID: staff, HandlerID: handler,
		Content: wireText{Text: text, Pic: []string{}}, IsShow: 1, AttachedJSON: []any{},
	}
	return p.c.call(ctx, request{op: "switch", method: http.MethodPost, path: pathSwitch, body: body}, nil)
}
