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

// findPageSize is the largest page both versions take (2016 20–100, 2021 10–100).
const findPageSize = maxPageSize

// listUnits2016 are the units 2016 QuestionList may read addStartTime and addEndTime in, in the
// order they are tried. Aliyun's own pages disagree: the V1.3 document's table says
// milliseconds, its example and help.aliyun 143231 show AddTime in seconds. Read in the other
// unit, a window is empty (seconds sent as milliseconds end in January 1970; milliseconds
// read as seconds start tens of thousands of years from now), so asking in both finds the
// ticket whichever the account's API uses, and never finds it twice.
var listUnits2016 = []time.Duration{time.Millisecond, time.Second}

// FindCreated runs providers.CreatedSearch over 2016 QuestionList (addStartTime/addEndTime, in
// milliseconds and then in seconds: listUnits2016) or 2021 ListTickets (StartDate/EndDate,
// milliseconds). Aliyun stores a given title as sent; only an empty one is replaced by the
// first 30 characters of the content, so a caller that sent none must pass that (see
// createText). 2021 list entries carry no creation time, so there the vendor's window alone
// decides.
//
// With 2016 a match in either unit is found. Nothing found is "not found" only when both
// searches could be asked; a failure of either is an error (the ticket might be where that
// search would have looked), except that a unit whose window Aliyun refuses as a bad parameter
// is not that API's unit and leaves the answer to the other.
func (p *Provider) FindCreated(ctx context.Context, title string, since time.Time) (providers.Ticket, bool, error) {
	fail := func(err error) (providers.Ticket, bool, error) {
		return providers.Ticket{}, false, fmt.Errorf("aliyun: find ticket created since %s: %w", since.Format(time.RFC3339), err)
	}
	if p.v2021 {
		t, found, err := p.findCreated(ctx, title, since, time.Millisecond)
		if err != nil {
			return fail(err)
		}
		return t, found, nil
	}
	var errs []error
	refused := 0
	for _, unit := range listUnits2016 {
		t, found, err := p.findCreated(ctx, title, since, unit)
		switch {
		case found:
			return t, true, nil
		case err != nil && paramRefused(err):
			refused++
			errs = append(errs, fmt.Errorf("in %s: %w", unitName(unit), err))
		case err != nil:
			errs = append(errs, fmt.Errorf("in %s: %w", unitName(unit), err))
		}
	}
	if len(errs) > refused || refused == len(listUnits2016) {
		return fail(errors.Join(errs...))
	}
	return providers.Ticket{}, false, nil
}

// findCreated runs one search with the window in unit.
func (p *Provider) findCreated(ctx context.Context, title string, since time.Time, unit time.Duration) (providers.Ticket, bool, error) {
	return providers.CreatedSearch{Title: title, Since: since, Unit: unit, PageSize: findPageSize, Get: p.Get,
		List: func(ctx context.Context, from time.Time, page, _ int) ([]providers.Ticket, int64, error) {
			r := ListRequest{From: from, To: p.now().Add(providers.FindSkew), Page: page, PageSize: findPageSize, unit: unit}
			if p.v2021 {
				return p.listTickets(ctx, r)
			}
			return p.questionList(ctx, r)
		}}.Run(ctx)
}

// paramRefused reports whether Aliyun refused a call for a bad parameter (2016 -101
// ILLEGAL_PARAM, the gateway's InvalidParameter): for a list, that its time window was not in
// the unit the API reads.
func paramRefused(err error) bool {
	var ve *providers.VendorError
	if !errors.As(err, &ve) || ve.Temporary {
		return false
	}
	return ve.Code == "-101" || ve.Code == "ILLEGAL_PARAM" || strings.HasPrefix(ve.Code, "InvalidParameter")
}

// unitName names a window's unit in an error.
func unitName(unit time.Duration) string {
	if unit == time.Second {
		return "seconds"
	}
	return "milliseconds"
}
