package providers

import (
	"context"
	"time"
)

// A group that subscribes to a vendor (订阅 <vendor> …) follows every ticket of the vendor's
// account that matches its filter, including tickets opened in the vendor's console. The
// watcher finds them with the vendor's own list call, narrowed by what the list can filter
// on, incrementally by creation time: a Lister says which filters its list applies and
// lists one page of a query.

// FilterStatus is the filter every Lister may declare: the normalized states its list can
// narrow by (ListFilter.Statuses).
const FilterStatus = "status"

// ListFilter is one key a subscription may narrow a vendor's tickets by.
type ListFilter struct {
	// Key is the filter's name in ListQuery.Filters (FilterStatus for the states).
	Key string
	// Names are the words people type for it, Chinese first ("客户", "customer").
	Names []string
	// Field is the vendor's own field (Fielder) whose choices are the values it takes, so
	// "产品=ECS" is checked against the real products; "" takes any text.
	Field string
	// Statuses are the normalized states the list narrows by, for FilterStatus. A state the
	// vendor only tells apart after reading (a refinement of a raw state) may be listed too:
	// the list then returns a superset, which the caller narrows.
	Statuses []Status
}

// ListQuery is one page of a vendor's tickets to list.
type ListQuery struct {
	// CreatedFrom keeps tickets created at or after it by the vendor's clock (to the unit the
	// vendor counts in, rounded down); zero keeps all.
	CreatedFrom time.Time
	// Statuses narrow to these states where the list can (ListFilter.Statuses); a vendor may
	// return others too, which the caller drops.
	Statuses []Status
	// Filters are the other keys the vendor declared: key to value (a Choice's Value for a
	// Field filter, else the text as typed).
	Filters map[string]string
	// Page counts from 1; Size is at most ListPageSize (0 takes it).
	Page, Size int
}

// Lister is a vendor whose list call a subscription can use. Entries are what the list
// returns (often without notes or details) but always carry ID and Status, and CreatedAt
// where the list shows it (zero where it does not: the vendor applied CreatedFrom itself).
type Lister interface {
	// ListFilters are the filters the vendor's list applies.
	ListFilters() []ListFilter
	// ListPageSize is the largest page the list returns.
	ListPageSize() int
	// ListTickets lists one page of q, newest or oldest first as the vendor orders it, and the
	// vendor's count of all matches.
	ListTickets(ctx context.Context, q ListQuery) ([]Ticket, int64, error)
}

// ListEach calls fn for every ticket of p matching q, page by page from the first, reading at
// most pages pages of each query, and reports whether it read to the end. Asked for several
// states, it lists them one at a time: a vendor's list often takes one state a call, and
// given several it would narrow by none and return the whole account. fn's error stops the
// walk and is returned. calls counts the list calls made.
func ListEach(ctx context.Context, p Provider, q ListQuery, pages int, fn func(Ticket) error) (complete bool, calls int, err error) {
	each := [][]Status{q.Statuses}
	if len(q.Statuses) > 1 {
		each = each[:0]
		for _, s := range q.Statuses {
			each = append(each, []Status{s})
		}
	}
	complete = true
	for _, states := range each {
		q := q
		q.Statuses = states
		read, done := 0, false
		for q.Page = 1; q.Page <= pages && !done; q.Page++ {
			calls++
			ts, total, err := ListTickets(ctx, p, q)
			if err != nil {
				return false, calls, err
			}
			read += len(ts)
			for _, t := range ts {
				if err := fn(t); err != nil {
					return false, calls, err
				}
			}
			// The end: the vendor's count says so, or, should it give none, a page comes back
			// short.
			done = len(ts) == 0 || (total > 0 && int64(read) >= total) || (total <= 0 && len(ts) < q.Size)
		}
		complete = complete && done
	}
	return complete, calls, nil
}
