package aliyun

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// This file implements providers.CreatedFinder. It exists because a create is never retried
// blindly (Aliyun has no idempotency key): when a create's outcome is unknown (the call timed
// out, the process died mid-call), the bot asks Aliyun whether the ticket was filed before
// filing it again.

var _ providers.CreatedFinder = (*Provider)(nil)

// Bounds of FindCreated's search.
const (
	// findSkew is how far before since a ticket may have been created by Aliyun's clock and
	// still be ours: its creation time comes from the vendor's clock, since from ours. The
	// window's end is as far after our now.
	findSkew = time.Minute
	// findPages is how many list pages FindCreated reads before it gives up.
	findPages = 5
	// findPageSize is the largest page both versions take (2016 20–100, 2021 10–100).
	findPageSize = maxPageSize
)

// FindCreated finds a ticket titled exactly title (both trimmed of spaces) created at or after
// since, allowing findSkew of clock skew: 2016 QuestionList with addStartTime/addEndTime, 2021
// ListTickets with StartDate/EndDate (milliseconds in both), paging through up to findPages
// pages of findPageSize. Aliyun stores a given title as sent; only an empty one is replaced by
// the first 30 characters of the content, so a caller that sent none must pass that (see
// createText). 2021 list entries carry no creation time, so there the vendor's window alone
// decides. The match is read back with Get; if that fails, the list entry is returned.
// Finding nothing among more than findPages pages is an error, not "not found": the bot then
// says it cannot tell rather than filing a duplicate.
func (p *Provider) FindCreated(ctx context.Context, title string, since time.Time) (providers.Ticket, bool, error) {
	fail := func(err error) (providers.Ticket, bool, error) {
		return providers.Ticket{}, false, fmt.Errorf("aliyun: find ticket created since %s: %w", since.Format(time.RFC3339), err)
	}
	want := strings.TrimSpace(title)
	switch {
	case want == "":
		return fail(errors.New("title is empty"))
	case since.IsZero():
		return fail(errors.New("no creation time to search from"))
	}
	from := since.Add(-findSkew)
	r := ListRequest{From: from, To: p.now().Add(findSkew), PageSize: findPageSize}
	seen := 0
	for r.Page = 1; r.Page <= findPages; r.Page++ {
		var (
			ts    []providers.Ticket
			total int64
			err   error
		)
		if p.v2021 {
			ts, total, err = p.listTickets(ctx, r)
		} else {
			ts, total, err = p.questionList(ctx, r)
		}
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
		// More pages follow while the total says so, or, should the total be missing (the list
		// then reports the page's length), while pages come back full.
		if len(ts) == 0 || (int64(seen) >= total && len(ts) < findPageSize) {
			return providers.Ticket{}, false, nil
		}
	}
	return fail(fmt.Errorf("more than %d tickets were created since then; gave up after %d pages", seen, findPages))
}
