package ksyun

import (
	"context"
	"fmt"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// sweepPageSize is what a sweep asks list_tickets for per page. Kingsoft documents no maximum
// (the default is 10); pages are counted in the size the answer reports, so a smaller cap
// still pages through everything, in more calls.
const sweepPageSize = 100

// MayHaveChanged narrows a sweep with list_tickets (providers.ChangeFinder).
//
// What the list cannot cover: list entries have no history, assignments, updated_time or
// suspension, so a reply, a new handler or a pause shows only in detail, and every open
// ticket is returned to be read one by one (at N open tickets, N detail calls).
//
// What it covers: a closed or cancelled ticket is watched only for being opened again, a
// change of status the list does show. The open tickets (待处理, then 处理中) created since
// the oldest of the closed ones are listed, and only the closed tickets found among them are
// returned; a sweep over C closed tickets takes ⌈open tickets since then / 100⌉ list calls
// per status instead of C detail calls. When listing would take more calls than C, the
// closed tickets are returned to be read one by one instead.
func (p *Provider) MayHaveChanged(ctx context.Context, seen []providers.Seen) ([]string, error) {
	var ids []string
	var closed []string
	var since time.Time
	known := true
	for _, s := range seen {
		if !s.Status.Terminal() {
			ids = append(ids, s.ID)
			continue
		}
		closed = append(closed, s.ID)
		switch {
		case s.CreatedAt.IsZero():
			known = false
		case since.IsZero() || s.CreatedAt.Before(since):
			since = s.CreatedAt
		}
	}
	if len(closed) == 0 {
		return ids, nil
	}
	if !known {
		since = time.Time{} // every open ticket: one closed ticket's age is unknown
	}
	open, ok, err := p.openSince(ctx, since, len(closed))
	if err != nil {
		return nil, fmt.Errorf("ksyun: list open tickets: %w", err)
	}
	for _, id := range closed {
		if !ok || open[id] {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// openSince lists the ids of the open tickets created since (every one when since is zero)
// in at most budget calls; ok is false when that is not enough.
func (p *Provider) openSince(ctx context.Context, since time.Time, budget int) (open map[string]bool, ok bool, err error) {
	open = map[string]bool{}
	calls := 0
	for _, status := range []int{statusPending, statusProcessing} {
		got := 0
		for page := 1; ; page++ {
			if calls >= budget {
				return nil, false, nil
			}
			ts, total, err := p.list(ctx, ListRequest{Page: page, PageSize: sweepPageSize, Status: status, CreatedStart: since})
			calls++
			if err != nil {
				return nil, false, err
			}
			for _, t := range ts {
				open[t.ID] = true
			}
			got += len(ts)
			if len(ts) == 0 || int64(got) >= total {
				break
			}
			// The pages still to read, at the size the answer used, must fit the budget.
			if left := (int(total) - got + len(ts) - 1) / len(ts); calls+left > budget {
				return nil, false, nil
			}
		}
	}
	return open, true, nil
}
