package ksyun

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// This file implements providers.CreatedFinder. It exists because a create is never retried
// blindly: when a create's outcome is unknown (the call timed out, the process died mid-call),
// the bot asks Kingsoft whether the ticket was filed before filing it again.

var _ providers.CreatedFinder = (*Provider)(nil)

// Bounds of FindCreated's search.
const (
	// findSkew is how far before since a ticket may have been created by Kingsoft's clock and
	// still be ours: its created_time comes from the vendor's clock, since from ours.
	findSkew = time.Minute
	// findPages is how many list pages FindCreated reads before it gives up.
	findPages = 5
	// findPageSize is the page size it asks for. Kingsoft documents only the default (10), not
	// a maximum (ASSUME: 50 is accepted; a vendor that answers smaller pages only costs more
	// pages, since paging follows the answers, not this number).
	findPageSize = 50
)

// FindCreated finds a ticket titled exactly title (both trimmed of spaces) created at or after
// since, allowing findSkew of clock skew, through list_tickets with created_start (in seconds)
// and paging. Kingsoft documents no title limit and stores the title as sent, so the whole
// title is compared. The match is read back with detail; if that fails, the list entry is
// returned. Finding nothing among more than findPages pages is an error, not "not found":
// the bot then says it cannot tell rather than filing a duplicate.
func (p *Provider) FindCreated(ctx context.Context, title string, since time.Time) (providers.Ticket, bool, error) {
	fail := func(err error) (providers.Ticket, bool, error) {
		return providers.Ticket{}, false, fmt.Errorf("ksyun: find ticket created since %s: %w", since.Format(time.RFC3339), err)
	}
	want := strings.TrimSpace(title)
	switch {
	case want == "":
		return fail(errors.New("title is empty"))
	case since.IsZero():
		return fail(errors.New("no creation time to search from"))
	}
	from := since.Add(-findSkew)
	seen := 0
	for page := 1; page <= findPages; page++ {
		ts, total, err := p.list(ctx, ListRequest{Page: page, PageSize: findPageSize, CreatedStart: from})
		if err != nil {
			return fail(err)
		}
		for _, t := range ts {
			if strings.TrimSpace(t.Title) != want || (!t.CreatedAt.IsZero() && t.CreatedAt.Before(from)) {
				continue
			}
			if full, err := p.Get(ctx, t.ID); err == nil {
				return full, true, nil
			}
			return t, true, nil
		}
		seen += len(ts)
		// More pages follow while the total says so, or, should the total be missing, while
		// pages come back full.
		if len(ts) == 0 || (int64(seen) >= total && len(ts) < findPageSize) {
			return providers.Ticket{}, false, nil
		}
	}
	return fail(fmt.Errorf("more than %d tickets were created since then; gave up after %d pages", seen, findPages))
}
