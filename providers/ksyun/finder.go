package ksyun

import (
	"context"
	"fmt"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// This file implements providers.CreatedFinder. It exists because a create is never retried
// blindly: when a create's outcome is unknown (the call timed out, the process died mid-call),
// the bot asks Kingsoft whether the ticket was filed before filing it again.

var _ providers.CreatedFinder = (*Provider)(nil)

// findPageSize is the page size FindCreated asks for. Kingsoft documents only the default
// (10), not a maximum (ASSUME: 50 is accepted; a vendor that answers smaller pages only costs
// more pages, since paging follows the answers, not this number).
const findPageSize = 50

// FindCreated runs providers.CreatedSearch over list_tickets with created_start (seconds).
// Kingsoft documents no title limit and stores the title as sent, so the whole title is
// compared.
func (p *Provider) FindCreated(ctx context.Context, title string, since time.Time) (providers.Ticket, bool, error) {
	t, found, err := providers.CreatedSearch{Title: title, Since: since, PageSize: findPageSize, Get: p.Get,
		List: func(ctx context.Context, from time.Time, page, _ int) ([]providers.Ticket, int64, error) {
			return p.list(ctx, ListRequest{Page: page, PageSize: findPageSize, CreatedStart: from})
		}}.Run(ctx)
	if err != nil {
		return t, false, fmt.Errorf("ksyun: find ticket created since %s: %w", since.Format(time.RFC3339), err)
	}
	return t, found, nil
}
