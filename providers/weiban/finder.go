package weiban

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// This file implements providers.CreatedFinder. It exists because a create is never retried
// blindly (Weiban has no idempotency key): when a create's outcome is unknown (the call timed
// out, the process died mid-call), the bot asks Weiban whether the work order was filed before
// filing it again.

var _ providers.CreatedFinder = (*Provider)(nil)

// Bounds of FindCreated's search.
const (
	// findSkew is how far before since a work order may have been created by Weiban's clock
	// and still be ours: its created_at comes from the vendor's clock, since from ours. The
	// window's end is as far after our now.
	findSkew = time.Minute
	// findPages is how many list pages FindCreated reads before it gives up.
	findPages = 5
	// findPageSize is the largest page list takes (api-8267893).
	findPageSize = maxListLimit
)

// FindCreated finds a work order titled exactly title (both trimmed of spaces) created at or
// after since, allowing findSkew of clock skew: list with start_time/end_time (seconds, sent
// together: since less findSkew to now plus findSkew) and the title filter, paging by offset
// through up to findPages pages of findPageSize. The title filter only narrows the search
// (Weiban does not say whether it matches exactly or in part), so every entry's title is still
// compared exactly; Create stores the title trimmed, as it is compared. Weiban documents a list
// entry as {order_no, status, handler_id, updated_at, …}, so an entry without a title is read
// with Get and that title compared. The match is read back with Get; if that fails, the list
// entry is returned. Finding nothing among more than findPages pages is an error, not "not
// found": the bot then says it cannot tell rather than filing a duplicate.
func (p *Provider) FindCreated(ctx context.Context, title string, since time.Time) (providers.Ticket, bool, error) {
	fail := func(err error) (providers.Ticket, bool, error) {
		return providers.Ticket{}, false, fmt.Errorf("weiban: find work order created since %s: %w", since.Format(time.RFC3339), err)
	}
	want := strings.TrimSpace(title)
	switch {
	case want == "":
		return fail(errors.New("title is empty"))
	case since.IsZero():
		return fail(errors.New("no creation time to search from"))
	}
	// Weiban counts in whole seconds; from is the start_time sent, so the vendor's window and
	// the check below agree.
	from := since.Add(-findSkew).Truncate(time.Second)
	to := p.now()
	if to.Before(since) {
		to = since
	}
	r := ListRequest{Limit: findPageSize, Start: from, End: to.Add(findSkew), Title: want}
	seen := 0
	for range findPages {
		ts, total, err := p.List(ctx, r)
		if err != nil {
			return fail(err)
		}
		for _, t := range ts {
			if !t.CreatedAt.IsZero() && t.CreatedAt.Before(from) {
				continue
			}
			if strings.TrimSpace(t.Title) == "" && t.ID != "" {
				// The entry names no title: only the work order itself can tell.
				full, err := p.Get(ctx, t.ID)
				if err != nil {
					return fail(err)
				}
				if strings.TrimSpace(full.Title) == want && (full.CreatedAt.IsZero() || !full.CreatedAt.Before(from)) {
					return full, true, nil
				}
				continue
			}
			if strings.TrimSpace(t.Title) != want {
				continue
			}
			if full, err := p.Get(ctx, t.ID); err == nil {
				return full, true, nil
			}
			return t, true, nil
		}
		seen += len(ts)
		r.Offset += len(ts)
		// More pages follow while the total says so, or, should the total be missing, while
		// pages come back full.
		if len(ts) == 0 || (int64(seen) >= total && len(ts) < findPageSize) {
			return providers.Ticket{}, false, nil
		}
	}
	return fail(fmt.Errorf("more than %d work orders were created since then; gave up after %d pages", seen, findPages))
}
