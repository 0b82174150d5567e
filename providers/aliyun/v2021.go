package aliyun

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
)

// This file holds the 2021-06-10 operations of the current Workorder API (help.aliyun 2402434;
// reference §2.4): CreateTicket, ReplyTicket, CloseTicket, GetTicket, ListTickets,
// ListTicketNotes. Every call is a POST with its parameters in the form body.

// ListTickets limits (help.aliyun 2402443).
const (
	minPageSize2021 = 10
	maxStatusList   = 11
)

// createTicket files a 2021 ticket and returns its id. The options' secret is not sent here
// (CreateWith sends it as an encrypted reply), but it is scrubbed from errors all the same.
func (p *Provider) createTicket(ctx context.Context, title, content string, severity int, o CreateOptions) (string, error) {
	action, err := p.action(OpCreate)
	if err != nil {
		return "", err
	}
	params := map[string]string{
		"Title":       title,
		"Description": content,
		"Severity":    strconv.Itoa(severity),
		"CategoryId":  strconv.FormatInt(cmp.Or(o.CategoryID, p.cfg.CategoryID), 10),
	}
	setIf(params, "Email", p.cfg.Email)
	setIf(params, "FileNameList", attachmentKeys(o.Attachments))
	var sensitive []string
	if s := o.SecretContent.Reveal(); s != "" {
		sensitive = append(sensitive, s)
	}
	var res envelope
	if err := p.c.call(ctx, rpc{action: action, params: params, sensitive: sensitive}, &res); err != nil {
		return "", err
	}
	id := flexID(res.Data)
	if id == "" {
		return "", fmt.Errorf("%s answered success without a ticket id (request_id %s)", action, res.RequestID)
	}
	return id, nil
}

// replyTicket writes a 2021 reply. encrypt marks confidential content (Encrypt, required by the
// API); the content is then treated as secret in errors and logs.
func (p *Provider) replyTicket(ctx context.Context, id, content string, encrypt bool, atts []Attachment) error {
	action, err := p.action(OpReply)
	if err != nil {
		return err
	}
	params := map[string]string{
		"TicketId": id,
		"Content":  content,
		"Encrypt":  strconv.FormatBool(encrypt),
	}
	setIf(params, "FileNameList", attachmentKeys(atts))
	var sensitive []string
	if encrypt {
		sensitive = append(sensitive, content)
	}
	return notFound(p.c.call(ctx, rpc{action: action, params: params, sensitive: sensitive}, nil))
}

// closeTicket closes a 2021 ticket (CloseTicket).
func (p *Provider) closeTicket(ctx context.Context, id string) error {
	action, err := p.action(OpClose)
	if err != nil {
		return err
	}
	return notFound(p.c.call(ctx, rpc{action: action, params: map[string]string{"TicketId": id}}, nil))
}

// getTicket reads one 2021 ticket (GetTicket, help.aliyun 2402438).
func (p *Provider) getTicket(ctx context.Context, id string) (providers.Ticket, error) {
	action, err := p.action(OpGet)
	if err != nil {
		return providers.Ticket{}, err
	}
	var res struct {
		Data json.RawMessage `json:"Data"`
	}
	if err := p.c.call(ctx, rpc{action: action, params: map[string]string{"TicketId": id}, read: true}, &res); err != nil {
		return providers.Ticket{}, notFound(err)
	}
	var w wireTicket21
	if !emptyJSON(res.Data) {
		if err := json.Unmarshal(res.Data, &w); err != nil {
			return providers.Ticket{}, fmt.Errorf("%s: decode Data: %w", action, err)
		}
	}
	t := w.toTicket()
	if t.ID == "" {
		return providers.Ticket{}, fmt.Errorf("%w (%s returned no ticket %s)", providers.ErrNotFound, action, id)
	}
	return t, nil
}

// listTickets runs ListTickets (help.aliyun 2402443): PageNumber ≥ 1 and PageSize 10–100 are
// required, TicketIdList is comma-joined, StatusList a repeat list (StatusList.1=dealing, …).
func (p *Provider) listTickets(ctx context.Context, r ListRequest) ([]providers.Ticket, int64, error) {
	action, err := p.action(OpList)
	if err != nil {
		return nil, 0, err
	}
	size := cmp.Or(r.PageSize, minPageSize2021)
	switch {
	case size < minPageSize2021 || size > maxPageSize:
		return nil, 0, fmt.Errorf("page size %d: ListTickets takes %d–%d", r.PageSize, minPageSize2021, maxPageSize)
	case len(r.IDs) > maxListIDs:
		return nil, 0, fmt.Errorf("%d ids: at most %d per call", len(r.IDs), maxListIDs)
	case len(r.Statuses) > maxStatusList:
		return nil, 0, fmt.Errorf("%d statuses: ListTickets takes at most %d", len(r.Statuses), maxStatusList)
	case len(r.ProductIDs) > 0:
		return nil, 0, fmt.Errorf("ListTickets has no product filter")
	case r.Page < 0:
		return nil, 0, fmt.Errorf("page %d: pages start at 1", r.Page)
	}
	params := map[string]string{
		"PageNumber": strconv.Itoa(max(r.Page, 1)),
		"PageSize":   strconv.Itoa(size),
	}
	setIf(params, "TicketIdList", strings.Join(r.IDs, ","))
	if !r.From.IsZero() {
		params["StartDate"] = strconv.FormatInt(r.From.UnixMilli(), 10)
	}
	if !r.To.IsZero() {
		params["EndDate"] = strconv.FormatInt(r.To.UnixMilli(), 10)
	}
	codes, err := statusCodes(r.Statuses)
	if err != nil {
		return nil, 0, err
	}
	for i, c := range codes {
		params["StatusList."+strconv.Itoa(i+1)] = c
	}
	setIf(params, "Keyword", r.Keyword)
	var res struct {
		Data       []wireTicket21 `json:"Data"`
		TotalCount flexInt        `json:"TotalCount"`
	}
	if err := p.c.call(ctx, rpc{action: action, params: params, read: true}, &res); err != nil {
		return nil, 0, err
	}
	out := make([]providers.Ticket, 0, len(res.Data))
	for _, w := range res.Data {
		out = append(out, w.toTicket())
	}
	return out, max(int64(res.TotalCount), int64(len(out))), nil
}

// ticketNotes reads a 2021 ticket's dialog (ListTicketNotes).
func (p *Provider) ticketNotes(ctx context.Context, id string) ([]NoteDetail, error) {
	action, err := p.action(OpNotes)
	if err != nil {
		return nil, err
	}
	var res struct {
		Data []wireDialog `json:"Data"`
	}
	if err := p.c.call(ctx, rpc{action: action, params: map[string]string{"TicketId": id}, read: true}, &res); err != nil {
		return nil, notFound(err)
	}
	return dialogDetails(res.Data), nil
}

// createSeverity maps the normalized priority to CreateTicket's Severity (1 一般, 2 紧急), or
// the configured default for "". 2021-06-10 has two levels for our four: high is filed as 紧急,
// since a person who asks for 高 wants Aliyun's attention more than 一般 gives, and low as 一般.
// The ticket read back says urgent or normal, so the chat can tell the person what was filed.
func createSeverity(priority string, def int) int {
	switch strings.ToLower(strings.TrimSpace(priority)) {
	case "urgent", "high":
		return 2
	case "normal", "low":
		return 1
	}
	return def
}
