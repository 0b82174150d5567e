package weiban

import (
	"context"
	"fmt"

	"github.com/ticketbot/ticketbot/providers"
)

// Search lists a page of the work orders whose title holds keyword (list's title filter,
// api-8267893; Weiban's list matches nothing else).
func (p *Provider) Search(ctx context.Context, keyword string, page, size int) ([]providers.Ticket, int64, error) {
	if size < 1 || size > maxListLimit {
		return nil, 0, fmt.Errorf("weiban: search: page size %d is not between 1 and %d", size, maxListLimit)
	}
	return p.List(ctx, ListRequest{Title: keyword, Limit: size, Offset: (max(page, 1) - 1) * size})
}
