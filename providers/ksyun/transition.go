package ksyun

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
)

// This file holds Kingsoft's transitions beyond close: reject (驳回) is the one its API has;
// Unsupported says why the others are missing.

var (
	_ providers.Rejecter  = (*Provider)(nil)
	_ providers.Explainer = (*Provider)(nil)
)

// The per-product-line assignment statuses a reject may act on (1 待处理, 2 处理中); 3 处理完毕,
// 4 已拒绝 and 5 已撤销 are past it.
const (
	assignPending    = 1
	assignProcessing = 2
)

// Reject refuses Kingsoft's assignment of the ticket (驳回, POST /workorder/api/ticket/reject_handle,
// with id, detail and productGroupId). reject_handle acts on one product line, so the line is
// read from detail's assigns: the one whose handler has it, pending or in progress, else the
// ticket's own line among those, else the first such. A closed or cancelled ticket gives
// ErrAlreadyClosed, and a ticket with no line left to reject ErrWrongState; neither is sent.
// The API has no author field, so the reason is sent under the person's name (as comments are).
func (p *Provider) Reject(ctx context.Context, id string, r providers.RejectRequest) error {
	wrap := func(err error) error { return fmt.Errorf("ksyun: reject ticket %s: %w", id, err) }
	if strings.TrimSpace(r.Reason) == "" {
		return wrap(errors.New("the reason is empty"))
	}
	w, err := p.ticket(ctx, "detail", id)
	if err != nil {
		return wrap(err)
	}
	if code, _ := statusCode(string(w.Status)); code == statusClosed || code == statusCancelled {
		return wrap(fmt.Errorf("%w (%s)", providers.ErrAlreadyClosed, statusLabels[code]))
	}
	line, ok := rejectLine(w)
	if !ok {
		return wrap(fmt.Errorf("%w: no product line's assignment is pending or in progress", providers.ErrWrongState))
	}
	body := commentBody{ID: int64(w.ID), Detail: providers.Attributed(r.Actor.Name, strings.TrimSpace(r.Reason)), ProductGroupID: line}
	if _, err := p.c.postJSON(ctx, "reject_handle", body, nil); err != nil {
		return wrap(err)
	}
	return nil
}

// rejectLine picks the product line a reject acts on (Reject).
func rejectLine(w wireTicket) (int64, bool) {
	var own, first int64
	for _, a := range w.Assigns {
		if a.Status != assignPending && a.Status != assignProcessing {
			continue
		}
		switch {
		case bool(a.IsHandler):
			return int64(a.ProductGroupID), true
		case own == 0 && a.ProductGroupID == w.ProductGroupID:
			own = int64(a.ProductGroupID)
		case first == 0:
			first = int64(a.ProductGroupID)
		}
	}
	if own != 0 {
		return own, true
	}
	return first, first != 0
}

// Unsupported says why Kingsoft's API cannot reopen or transfer a ticket, and what to do
// instead (providers.Explainer).
func (p *Provider) Unsupported(op string) *providers.UnsupportedError {
	switch op {
	case providers.OpReopen:
		return &providers.UnsupportedError{Op: op,
			Reason:   "金山云工单 API 没有重新打开工单的接口（只能建单、评论、驳回和关闭）。请在金山云工单系统中重新打开，或新建一张工单。",
			ReasonEN: "Kingsoft's ticket API has no way to reopen a ticket (it can create, comment, reject and close). Reopen it in Kingsoft's ticket system, or file a new ticket."}
	case providers.OpSearch:
		return &providers.UnsupportedError{Op: op,
			Reason:   "金山云的工单列表不能按关键字筛选（只能按状态、类型、创建人、时间）。",
			ReasonEN: "Kingsoft's ticket list cannot be searched by a keyword (only by state, type, creator and time)."}
	case providers.OpTransfer:
		return &providers.UnsupportedError{Op: op,
			Reason:   "金山云工单 API 没有转交处理人的接口：工单由金山云按产品线分派。如分派有误，可以用「驳回」退回当前产品线。",
			ReasonEN: "Kingsoft's ticket API has no way to hand a ticket to another handler: Kingsoft assigns it by product line. If the assignment is wrong, reject it."}
	}
	return nil
}
