package weiban

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// sweepSkew widens a sweep's list window past our clock, for orders stamped by a Weiban clock
// a little ahead of ours.
const sweepSkew = time.Minute

// MayHaveChanged narrows a sweep with list (providers.ChangeFinder). Reading each followed
// order costs one detail call out of the corp's 600 a minute, so 10,000 orders took 17
// minutes of the whole budget; the list reads 100 a call.
//
// Weiban's list filters only by creation window, and its entries carry status and updated_at
// but no processing flows. The orders created from the oldest followed one until now are
// listed, and a followed order is returned to be read when the list shows another status or
// a later updated_at than last read, when its entry has no updated_at, or when it is not in
// the list. ASSUME: updated_at moves with every processing flow (Weiban does not say); the
// work_order_change webhook reports the rest as it happens. When listing would take more
// calls than reading each followed order, or an order's creation time is unknown, every one
// is returned.
func (p *Provider) MayHaveChanged(ctx context.Context, seen []providers.Seen) ([]string, error) {
	all := func() []string {
		ids := make([]string, len(seen))
		for i, s := range seen {
			ids[i] = s.ID
		}
		return ids
	}
	if len(seen) == 0 {
		return nil, nil
	}
	var since time.Time
	for _, s := range seen {
		if s.CreatedAt.IsZero() {
			return all(), nil
		}
		if since.IsZero() || s.CreatedAt.Before(since) {
			since = s.CreatedAt
		}
	}
	end := p.now().Add(sweepSkew)
	listed := make(map[string]wireOrder, len(seen))
	calls := 0
	for offset := 0; ; {
		orders, total, err := p.listPage(ctx, ListRequest{Limit: maxListLimit, Offset: offset, Start: since, End: end})
		calls++
		if err != nil {
			return nil, fmt.Errorf("weiban: list work orders: %w", err)
		}
		for _, o := range orders {
			listed[strings.TrimSpace(string(o.OrderNo))] = o
		}
		offset += len(orders)
		if len(orders) == 0 || int64(offset) >= total {
			break
		}
		if left := (int(total) - offset + maxListLimit - 1) / maxListLimit; calls+left > len(seen) {
			return all(), nil
		}
	}
	var ids []string
	for _, s := range seen {
		o, ok := listed[s.ID]
		if !ok || o.UpdatedAt.IsZero() || strings.TrimSpace(string(o.Status)) != s.RawStatus || o.UpdatedAt.After(s.UpdatedAt) {
			ids = append(ids, s.ID)
		}
	}
	return ids, nil
}
