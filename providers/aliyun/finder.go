package aliyun

import (
	"context"
	"fmt"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// This file implements providers.CreatedFinder. It exists because a create is never retried
// blindly (Aliyun has no idempotency key): when a create's outcome is unknown (the call timed
// out, the process died mid-call), the bot asks Aliyun whether the ticket was filed before
// filing it again.

var _ providers.CreatedFinder = (*Provider)(nil)

// findPageSize is the largest page both versions take (2016 20–100, 2021 10–100).
const findPageSize = maxPageSize

// FindCreated runs providers.CreatedSearch over 2016 QuestionList (addStartTime/addEndTime)
// or 2021 ListTickets (StartDate/EndDate), milliseconds in both. Aliyun stores a given title
// as sent; only an empty one is replaced by the first 30 characters of the content, so a
// caller that sent none must pass that (see createText). 2021 list entries carry no creation
// time, so there the vendor's window alone decides.
func (p *Provider) FindCreated(ctx context.Context, title string, since time.Time) (providers.Ticket, bool, error) {
	t, found, err := providers.CreatedSearch{Title: title, Since: since, PageSize: findPageSize, Get: p.Get,
		List: func(ctx context.Context, from time.Time, page, _ int) ([]providers.Ticket, int64, error) {
			r := ListRequest{From: from, To: p.now().Add(providers.FindSkew), Page: page, PageSize: findPageSize}
			if p.v2021 {
				return p.listTickets(ctx, r)
			}
			return p.questionList(ctx, r)
		}}.Run(ctx)
	if err != nil {
		return t, false, fmt.Errorf("aliyun: find ticket created since %s: %w", since.Format(time.RFC3339), err)
	}
	return t, found, nil
}
