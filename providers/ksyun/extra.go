package ksyun

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"path/filepath"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// This file holds the Kingsoft operations beyond providers.Provider: list, base, reject of a
// named product line and upload.

// ListRequest filters list_tickets. Zero values are left out, so the vendor's defaults apply
// (page 1, page size 10).
type ListRequest struct {
	Page     int
	PageSize int
	// Status is the raw ticket status: 1 待处理, 2 处理中, 3 已关闭, 4 已取消.
	Status int
	// Type is 1 问题排查, 2 需求反馈 or 3 咨询; SubType and SecondSubtype are category ids.
	Type          int
	SubType       int
	SecondSubtype int
	// CreatorID is the creator's 长工号.
	CreatorID                int64
	CustomerOrganizationName string
	ProductGroupIDs          []int64
	// CreatedStart and CreatedEnd bound the creation time; sent in seconds.
	CreatedStart time.Time
	CreatedEnd   time.Time
}

// listBody is ListRequest on the wire (TicketListThirdRequest).
type listBody struct {
	Page                     int     `json:"page,omitempty"`
	PageSize                 int     `json:"page_size,omitempty"`
	Status                   int     `json:"status,omitempty"`
	Type                     int     `json:"type,omitempty"`
	SubType                  int     `json:"sub_type,omitempty"`
	SecondSubtype            int     `json:"second_subtype,omitempty"`
	CreatorID                int64   `json:"creator_id,omitempty"`
	CustomerOrganizationName string  `json:"customer_organization_name,omitempty"`
	ProductGroupID           []int64 `json:"product_group_id,omitempty"`
	CreatedStart             int64   `json:"created_start,omitempty"`
	CreatedEnd               int64   `json:"created_end,omitempty"`
}

// List pages through tickets (POST /workorder/api/ticket/list_tickets) and returns one page and
// the total count. List entries have no assignments, history or updated_time, so they carry
// no handler, rejected flag or latest note, and UpdatedAt is their creation time.
func (p *Provider) List(ctx context.Context, r ListRequest) (tickets []providers.Ticket, total int64, err error) {
	tickets, total, err = p.list(ctx, r)
	if err != nil {
		return nil, 0, fmt.Errorf("ksyun: list tickets: %w", err)
	}
	return tickets, total, nil
}

// list is List without the error's context, for callers that add their own.
func (p *Provider) list(ctx context.Context, r ListRequest) ([]providers.Ticket, int64, error) {
	body := listBody{
		Page: r.Page, PageSize: r.PageSize, Status: r.Status, Type: r.Type,
		SubType: r.SubType, SecondSubtype: r.SecondSubtype, CreatorID: r.CreatorID,
		CustomerOrganizationName: r.CustomerOrganizationName, ProductGroupID: r.ProductGroupIDs,
	}
	if !r.CreatedStart.IsZero() {
		body.CreatedStart = r.CreatedStart.Unix()
	}
	if !r.CreatedEnd.IsZero() {
		body.CreatedEnd = r.CreatedEnd.Unix()
	}
	var page struct {
		Pagination struct {
			PageSize flexInt `json:"page_size"`
			Total    flexInt `json:"total"`
		} `json:"pagination"`
		Tickets []wireTicket `json:"tickets"`
	}
	if _, err := p.c.postJSON(ctx, "list_tickets", body, &page); err != nil {
		return nil, 0, err
	}
	tickets := make([]providers.Ticket, 0, len(page.Tickets))
	for _, w := range page.Tickets {
		tickets = append(tickets, w.toTicket())
	}
	return tickets, int64(page.Pagination.Total), nil
}

// Base reads a ticket's basic record (GET /workorder/api/ticket/base): cheaper than Get and
// enough to watch the status, but without assignments, so without handler, rejected flag or
// latest note.
func (p *Provider) Base(ctx context.Context, id string) (providers.Ticket, error) {
	w, err := p.ticket(ctx, "base", id)
	if err != nil {
		return providers.Ticket{}, fmt.Errorf("ksyun: get ticket %s: %w", id, err)
	}
	return w.toTicket(), nil
}

// RejectLine refuses one product line's assignment of a ticket
// (POST /workorder/api/ticket/reject_handle). A productGroupID of 0 means the ticket's own
// product line, read from base. Reject (transition.go) picks the line from the assignments.
func (p *Provider) RejectLine(ctx context.Context, id string, productGroupID int64, detail string) error {
	b, err := p.ticket(ctx, "base", id)
	if err != nil {
		return fmt.Errorf("ksyun: reject ticket %s: %w", id, err)
	}
	if productGroupID == 0 {
		productGroupID = int64(b.ProductGroupID)
	}
	body := commentBody{ID: int64(b.ID), Detail: detail, ProductGroupID: productGroupID}
	if _, err := p.c.postJSON(ctx, "reject_handle", body, nil); err != nil {
		return fmt.Errorf("ksyun: reject ticket %s: %w", id, err)
	}
	return nil
}

// Attachment is an uploaded file as Kingsoft describes it; pass it unchanged in a create's
// attachment[] or a close's handle_attachment[].
type Attachment struct {
	Author   int64  `json:"author"`
	FileName string `json:"file_name"`
	FilePath string `json:"file_path"`
	FileSize int64  `json:"file_size"`
	FileType string `json:"file_type"`
}

// Upload sends a file (POST /workorder/api/ticket/upload_file). The doc's swagger says
// "application/json" with a "file" parameter; a file cannot travel in JSON, so it is sent as
// multipart/form-data in the field "file" (ASSUME). The content is buffered: the Sign does not
// cover the body, but a Content-Length keeps simple servers happy.
func (p *Provider) Upload(ctx context.Context, name string, r io.Reader) (Attachment, error) {
	fail := func(err error) (Attachment, error) {
		return Attachment{}, fmt.Errorf("ksyun: upload %q: %w", name, err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return fail(err)
	}
	ctype := mime.TypeByExtension(strings.ToLower(filepath.Ext(name)))
	if ctype == "" {
		ctype = http.DetectContentType(data)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", multipart.FileContentDisposition("file", filepath.Base(name)))
	h.Set("Content-Type", ctype)
	part, err := mw.CreatePart(h)
	if err != nil {
		return fail(err)
	}
	if _, err := part.Write(data); err != nil {
		return fail(err)
	}
	if err := mw.Close(); err != nil {
		return fail(err)
	}
	var a Attachment
	if _, err := p.c.call(ctx, http.MethodPost, "upload_file", nil, buf.Bytes(), mw.FormDataContentType(), &a); err != nil {
		return fail(err)
	}
	return a, nil
}
