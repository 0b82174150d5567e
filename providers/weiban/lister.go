package weiban

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// This file implements providers.Lister, for a group's subscription to the corp's work orders,
// over list (api-8267893, through List: the one path Search and FindCreated take too).

var _ providers.Lister = (*Provider)(nil)

// FilterTitle is list's title filter (工单标题搜索; whether it matches a part of the title or
// all of it is not documented).
const FilterTitle = "title"

// listAhead is how far past our clock the list window ends: start_time is taken only with
// end_time, and no work order is created later than Weiban's now; an hour covers any skew
// between the clocks.
const listAhead = time.Hour

// ListFilters is the title alone. Weiban's list has no status filter (nor an order_no one), so
// none is declared and a subscription cannot narrow by state here.
func (p *Provider) ListFilters() []providers.ListFilter {
	return []providers.ListFilter{{Key: FilterTitle, Names: []string{"标题", "title"}}}
}

// ListPageSize is 100, list's largest limit.
func (p *Provider) ListPageSize() int { return maxListLimit }

// ListTickets lists one page of q: limit Size (0 is 100), offset (Page-1)×Size, title the
// title filter, and CreatedFrom as start_time in seconds (rounded down) with end_time an hour
// past our clock, since Weiban takes them only together. q.Statuses are not sent (the list has
// no status filter): every state is returned and the caller narrows.
//
// api-8267893 calls start_time/end_time 时间筛选 without saying which time (ASSUME: creation,
// as FindCreated assumes). Should it be the update time, entries created before CreatedFrom
// come back too; they are dropped here, so a page may then hold fewer entries than Size while
// more pages follow: the total (Weiban's count of its matches) says how many pages there are.
// An entry without created_at (the list documents {order_no, status, handler_id, updated_at,
// …}; its example has created_at) is read with detail for it.
func (p *Provider) ListTickets(ctx context.Context, q providers.ListQuery) ([]providers.Ticket, int64, error) {
	fail := func(err error) ([]providers.Ticket, int64, error) {
		return nil, 0, fmt.Errorf("weiban: list work orders: %w", err)
	}
	r, err := p.listRequest(q)
	if err != nil {
		return fail(err)
	}
	ts, total, err := p.List(ctx, r)
	if err != nil {
		return nil, 0, err
	}
	from := time.Time{}
	if !q.CreatedFrom.IsZero() {
		from = time.Unix(q.CreatedFrom.Unix(), 0)
	}
	out := ts[:0]
	for _, t := range ts {
		if t.CreatedAt.IsZero() {
			full, err := p.Get(ctx, t.ID)
			if err != nil {
				return fail(fmt.Errorf("read listed work order %s for its creation time: %w", t.ID, err))
			}
			t = full
		}
		if t.CreatedAt.Before(from) {
			continue // listed by an update since, created before the window
		}
		out = append(out, t)
	}
	return out, total, nil
}

// listRequest is q as a list request.
func (p *Provider) listRequest(q providers.ListQuery) (ListRequest, error) {
	size := cmp.Or(q.Size, maxListLimit)
	switch {
	case size < 1 || size > maxListLimit:
		return ListRequest{}, fmt.Errorf("page size %d: list takes 1–%d", q.Size, maxListLimit)
	case q.Page < 0:
		return ListRequest{}, fmt.Errorf("page %d: pages start at 1", q.Page)
	}
	r := ListRequest{Limit: size, Offset: (max(q.Page, 1) - 1) * size}
	if !q.CreatedFrom.IsZero() {
		r.Start = q.CreatedFrom
		r.End = p.now()
		if r.End.Before(r.Start) {
			r.End = r.Start
		}
		r.End = r.End.Add(listAhead)
	}
	for _, k := range slices.Sorted(maps.Keys(q.Filters)) {
		switch v := strings.TrimSpace(q.Filters[k]); k {
		case FilterTitle:
			if v == "" {
				return ListRequest{}, errors.New("the title is empty")
			}
			r.Title = v
		default:
			return ListRequest{}, fmt.Errorf("the list has no filter %q", k)
		}
	}
	return r, nil
}
