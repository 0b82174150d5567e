package ksyun

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
)

// This file implements providers.Lister, for a group's subscription to the account's tickets,
// over list_tickets (through list, the one path FindCreated, MayHaveChanged and CheckIdentity
// take too).

var _ providers.Lister = (*Provider)(nil)

// The list filters beyond the states, as ListQuery.Filters names them.
const (
	// FilterCustomer is list_tickets' customer_organization_name (客户名称). Whether Kingsoft
	// matches it exactly or in part is not documented (ASSUME: exactly, as the fake does).
	FilterCustomer = "customer"
	// FilterProductLine is list_tickets' product_group_id (产品线ID), one id, among the
	// product lines FieldChoices offers. ASSUME: the configured product_lines are ids the list
	// knows; create sends them as repository_product_id, which with whether_product_group_id
	// false (the default) the doc calls 产品库对应的产品线ID, a space that may differ from the
	// list's product_group_id.
	FilterProductLine = "product_line"
	// FilterCreator is list_tickets' creator_id (工单发起人, a 长工号).
	FilterCreator = "creator"
)

// listPageSize is the largest page ListTickets asks for. Kingsoft documents only the default
// (10), not a maximum (ASSUME: 50 is accepted, as FindCreated assumes). A vendor that answers
// fewer than asked is caught, not skipped over (ListTickets).
const listPageSize = findPageSize

// listStates are the normalized states list_tickets' status narrows by: 1 open, 2 in_progress
// and resolved_pending_confirm (a 2 whose finished_time is set, which only base and detail
// carry: the list returns every 2, and its entries read in_progress), 3 closed, 4 cancelled.
// waiting_on_us is no Kingsoft state.
var listStates = []providers.Status{
	providers.StatusOpen, providers.StatusInProgress, providers.StatusPendingConfirm,
	providers.StatusClosed, providers.StatusCancelled,
}

// listStatus is the raw status (1–4) of a normalized state, or 0 for a state Kingsoft has not.
func listStatus(s providers.Status) int {
	switch s {
	case providers.StatusOpen:
		return statusPending
	case providers.StatusInProgress, providers.StatusPendingConfirm:
		return statusProcessing
	case providers.StatusClosed:
		return statusClosed
	case providers.StatusCancelled:
		return statusCancelled
	}
	return 0
}

// ListFilters are the states (status), the customer (customer_organization_name), the product
// line (product_group_id) and the creator (creator_id, a 长工号). resolved_pending_confirm is
// not offered: the list's entries cannot show it (every 2 reads in_progress there), so a
// subscription to it would find nothing, and reading each 2 to tell would cost a call per
// ticket in progress every sweep.
func (p *Provider) ListFilters() []providers.ListFilter {
	states := slices.DeleteFunc(slices.Clone(listStates), func(s providers.Status) bool { return s == providers.StatusPendingConfirm })
	return []providers.ListFilter{
		{Key: providers.FilterStatus, Names: []string{"状态", "status"}, Statuses: states},
		{Key: FilterCustomer, Names: []string{"客户", "customer"}},
		{Key: FilterProductLine, Names: []string{"产品线", "product_line"}, Field: providers.FieldProductLine},
		{Key: FilterCreator, Names: []string{"创建人", "creator"}},
	}
}

// ListPageSize is 50 (listPageSize: an ASSUME, Kingsoft documents no maximum).
func (p *Provider) ListPageSize() int { return listPageSize }

// ListTickets lists one page of q through list_tickets, newest first as Kingsoft orders them:
// page is Page, page_size Size (0 is 50), created_start CreatedFrom in seconds, rounded down.
//
// list_tickets takes one status per call. When the states asked for are one raw status (open;
// closed; in_progress and resolved_pending_confirm, both 2) it is sent; when they are several,
// or one Kingsoft has not (waiting_on_us), none is sent and the caller narrows: paging each
// status in turn would make Page and the total mean nothing to the caller, and the states a
// subscription follows are most of the tickets anyway.
//
// A page that comes back short while the total says more follow it means Kingsoft pages by
// fewer than page_size (its maximum is undocumented): that is an error, rather than a page
// whose rows the next page would not follow on from.
func (p *Provider) ListTickets(ctx context.Context, q providers.ListQuery) ([]providers.Ticket, int64, error) {
	fail := func(err error) ([]providers.Ticket, int64, error) {
		return nil, 0, fmt.Errorf("ksyun: list tickets: %w", err)
	}
	r, err := listRequest(q)
	if err != nil {
		return fail(err)
	}
	ts, total, err := p.list(ctx, r)
	if err != nil {
		return fail(err)
	}
	if len(ts) > r.PageSize || (len(ts) < r.PageSize && int64((r.Page-1)*r.PageSize+len(ts)) < total) {
		return fail(fmt.Errorf("page %d holds %d tickets of the %d asked, and %d match: Kingsoft pages by another size than page_size", r.Page, len(ts), r.PageSize, total))
	}
	return ts, total, nil
}

// listRequest is q as a list_tickets request.
func listRequest(q providers.ListQuery) (ListRequest, error) {
	size := cmp.Or(q.Size, listPageSize)
	switch {
	case size < 1 || size > listPageSize:
		return ListRequest{}, fmt.Errorf("page size %d: the list takes 1–%d", q.Size, listPageSize)
	case q.Page < 0:
		return ListRequest{}, fmt.Errorf("page %d: pages start at 1", q.Page)
	}
	r := ListRequest{Page: max(q.Page, 1), PageSize: size, CreatedStart: q.CreatedFrom}
	for _, s := range q.Statuses {
		n := listStatus(s)
		if n == 0 || (r.Status != 0 && r.Status != n) {
			r.Status = 0
			break
		}
		r.Status = n
	}
	for _, k := range slices.Sorted(maps.Keys(q.Filters)) {
		v := strings.TrimSpace(q.Filters[k])
		switch k {
		case FilterCustomer:
			if v == "" {
				return ListRequest{}, errors.New("the customer is empty")
			}
			r.CustomerOrganizationName = v
		case FilterProductLine:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return ListRequest{}, fmt.Errorf("product line %q is not a product line id", q.Filters[k])
			}
			r.ProductGroupIDs = []int64{n}
		case FilterCreator:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return ListRequest{}, fmt.Errorf("creator %q is not a Kingsoft 长工号 (a positive number such as 38361)", q.Filters[k])
			}
			r.CreatorID = n
		default:
			return ListRequest{}, fmt.Errorf("the list has no filter %q", k)
		}
	}
	return r, nil
}
