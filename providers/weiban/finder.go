package weiban

import (
	"context"
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

// findPageSize is the largest page list takes (api-8267893).
const findPageSize = maxListLimit

// FindCreated runs providers.CreatedSearch over list with start_time/end_time (seconds, sent
// together: since less the skew to now plus the skew) and the title filter, paging by offset.
// The title filter only narrows the search (Weiban does not say whether it matches exactly
// or in part), so every entry's title is still compared exactly; Create stores the title
// trimmed, as it is compared. Weiban documents a list entry as {order_no, status, handler_id,
// updated_at, …}, so an entry without a title is read to learn it.
func (p *Provider) FindCreated(ctx context.Context, title string, since time.Time) (providers.Ticket, bool, error) {
	t, found, err := providers.CreatedSearch{Title: title, Since: since, Unit: time.Second, PageSize: findPageSize, Get: p.Get,
		List: func(ctx context.Context, from time.Time, _, offset int) ([]providers.Ticket, int64, error) {
			to := p.now()
			if to.Before(since) {
				to = since
			}
			return p.List(ctx, ListRequest{Limit: findPageSize, Offset: offset, Start: from,
				End: to.Add(providers.FindSkew), Title: strings.TrimSpace(title)})
		}}.Run(ctx)
	if err != nil {
		return t, false, fmt.Errorf("weiban: find work order created since %s: %w", since.Format(time.RFC3339), err)
	}
	return t, found, nil
}
