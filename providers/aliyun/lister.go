package aliyun

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// This file implements providers.Lister, for a group's subscription to the account's tickets,
// over the list the configured API has: 2016 QuestionList (questionStatus, productIds,
// addStartTime) or 2021 ListTickets (StatusList, StartDate with EndDate), both through List.

var _ providers.Lister = (*Provider)(nil)

// FilterProduct is the list filter by product (2016 QuestionList productIds; 2021 ListTickets
// has no product filter, so it is declared only with 2016).
const FilterProduct = "product"

// listAhead is how far past our clock a 2021 list window ends: ListTickets takes StartDate
// with EndDate ("配合 EndDate 使用"), and no ticket is created later than Aliyun's now; an hour
// covers any skew between the clocks.
const listAhead = time.Hour

// listStates are the normalized states the list narrows by, in the order people read them.
// Aliyun has no cancelled state.
var listStates = []providers.Status{
	providers.StatusWaitingOnUs, providers.StatusPendingConfirm, providers.StatusOpen,
	providers.StatusInProgress, providers.StatusClosed,
}

// ListFilters are the states (2016 questionStatus, 2021 StatusList) and, with 2016, the
// product (productIds, among the products FieldChoices offers).
func (p *Provider) ListFilters() []providers.ListFilter {
	fs := []providers.ListFilter{{Key: providers.FilterStatus, Names: []string{"状态", "status"}, Statuses: slices.Clone(listStates)}}
	if !p.v2021 {
		fs = append(fs, providers.ListFilter{Key: FilterProduct, Names: []string{"产品", "product"}, Field: providers.FieldProduct})
	}
	return fs
}

// ListPageSize is 100, the largest page of both versions (2016 pageSize 20–100, 2021
// PageSize 10–100).
func (p *Provider) ListPageSize() int { return maxPageSize }

// ListTickets lists one page of q: Size 0 is 100, and a size below the version's least (20 with
// 2016, 10 with 2021) is refused, as Aliyun would. CreatedFrom is sent in milliseconds, rounded
// down (2016 addStartTime, as the V1.3 table says: ASSUME, its example and help.aliyun 143231
// suggest seconds, and an account whose QuestionList reads seconds would list nothing;
// FindCreated tries both, a subscription cannot tell an empty answer from a wrong unit; 2021
// StartDate, with EndDate an hour past our clock). Statuses are sent as their raw codes
// (wait_feedback for waiting_on_us, assigned for open, dealing and feedback for in_progress,
// wait_confirm for resolved_pending_confirm, confirmed, and with 2016 score, for closed);
// when one of them is a state Aliyun has not (cancelled), none is sent and the caller narrows.
//
// 2021 ListTickets entries carry only TicketId, Title and Status (help.aliyun 2402443, and the
// SDK's ListTicketsResponseBodyData): they come back without a creation time, the window
// having been applied by Aliyun (StartDate), rather than read one by one for it (a page of N
// would cost 1 + N calls). 2016 entries carry AddTime.
func (p *Provider) ListTickets(ctx context.Context, q providers.ListQuery) ([]providers.Ticket, int64, error) {
	fail := func(err error) ([]providers.Ticket, int64, error) {
		return nil, 0, fmt.Errorf("aliyun: list tickets: %w", err)
	}
	r, err := p.listRequest(q)
	if err != nil {
		return fail(err)
	}
	return p.List(ctx, r)
}

// listRequest is q as a List request.
func (p *Provider) listRequest(q providers.ListQuery) (ListRequest, error) {
	least := minPageSize2016
	if p.v2021 {
		least = minPageSize2021
	}
	size := cmp.Or(q.Size, maxPageSize)
	switch {
	case size < least || size > maxPageSize:
		return ListRequest{}, fmt.Errorf("page size %d: the list takes %d–%d", q.Size, least, maxPageSize)
	case q.Page < 0:
		return ListRequest{}, fmt.Errorf("page %d: pages start at 1", q.Page)
	}
	r := ListRequest{Page: max(q.Page, 1), PageSize: size, Statuses: p.listCodes(q.Statuses)}
	if !q.CreatedFrom.IsZero() {
		r.From = q.CreatedFrom
		if p.v2021 {
			r.To = later(p.now(), q.CreatedFrom).Add(listAhead)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(q.Filters)) {
		v := strings.TrimSpace(q.Filters[k])
		switch {
		case k == FilterProduct && !p.v2021:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return ListRequest{}, fmt.Errorf("product %q is not a product id", q.Filters[k])
			}
			r.ProductIDs = []int64{n}
		case k == FilterProduct:
			return ListRequest{}, errors.New("ListTickets has no product filter")
		default:
			return ListRequest{}, fmt.Errorf("the list has no filter %q", k)
		}
	}
	return r, nil
}

// listCodes are the raw codes of the states asked for, or none when one of them is a state the
// list cannot narrow to: the list then returns every state, which the caller narrows.
func (p *Provider) listCodes(states []providers.Status) []string {
	var codes []string
	for _, s := range states {
		if !slices.Contains(listStates, s) {
			return nil
		}
		for _, d := range statusDefs {
			// 2021 has no value for score (已评价), so its StatusList does not take it.
			if d.status == s && (!p.v2021 || d.value != "") && !slices.Contains(codes, d.code) {
				codes = append(codes, d.code)
			}
		}
	}
	return codes
}

// later is the later of two times.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
