package providers_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

// pagedList is a Lister over n tickets per state, in pages of size, that records each query.
type pagedList struct {
	plain
	n       map[providers.Status]int
	size    int
	queries []providers.ListQuery
}

func (l *pagedList) ListFilters() []providers.ListFilter { return nil }
func (l *pagedList) ListPageSize() int                   { return l.size }
func (l *pagedList) ListTickets(_ context.Context, q providers.ListQuery) ([]providers.Ticket, int64, error) {
	l.queries = append(l.queries, q)
	var all []providers.Ticket
	for _, s := range []providers.Status{providers.StatusOpen, providers.StatusInProgress, providers.StatusClosed} {
		if len(q.Statuses) > 0 && !slices.Contains(q.Statuses, s) {
			continue
		}
		for i := range l.n[s] {
			all = append(all, providers.Ticket{ID: string(s) + string(rune('a'+i)), Status: s})
		}
	}
	lo := min((q.Page-1)*q.Size, len(all))
	return all[lo:min(lo+q.Size, len(all))], int64(len(all)), nil
}

// providers.ListEach reads every page of a query, lists several states one at a time (a vendor given
// several may narrow by none), stops at the pages it may read and says it did not finish,
// and stops at fn's error.
func TestListEach(t *testing.T) {
	l := &pagedList{n: map[providers.Status]int{providers.StatusOpen: 5, providers.StatusInProgress: 2, providers.StatusClosed: 9}, size: 2}
	var got []string
	complete, calls, err := providers.ListEach(context.Background(), l, providers.ListQuery{Statuses: []providers.Status{providers.StatusOpen, providers.StatusInProgress}, Size: 2}, 10,
		func(t providers.Ticket) error { got = append(got, t.ID); return nil })
	if err != nil || !complete || len(got) != 7 || calls != 4 {
		t.Fatalf("complete %v, calls %d, %d tickets %v, %v; want all 7 open ones in 3+1 calls", complete, calls, len(got), got, err)
	}
	for _, q := range l.queries {
		if len(q.Statuses) != 1 {
			t.Errorf("a query asked for %v; want one state a query", q.Statuses)
		}
	}
	complete, calls, err = providers.ListEach(context.Background(), l, providers.ListQuery{Size: 2}, 3, func(providers.Ticket) error { return nil })
	if err != nil || complete || calls != 3 {
		t.Errorf("16 tickets in pages of 2, 3 pages: complete %v after %d calls (%v); want false after 3", complete, calls, err)
	}
	stop := errors.New("enough")
	n := 0
	if _, _, err := providers.ListEach(context.Background(), l, providers.ListQuery{Size: 2}, 10, func(providers.Ticket) error {
		if n++; n == 3 {
			return stop
		}
		return nil
	}); !errors.Is(err, stop) || n != 3 {
		t.Errorf("fn's error: %v after %d tickets", err, n)
	}
}
