package store

import (
	"context"
	"fmt"
	"time"
)

// Claim is a card action that won the compare-and-set on a ticket.
type Claim struct {
	By string // the person's display name, for "已由 @某人 处理"
	Op string // "reply", or a transition: "close", "reopen", "reject", "transfer"
	At time.Time
}

// Claim states: working while the vendor call runs, queued while the outbox retries it, done
// once the vendor took it. A failed action is reverted and leaves no state.
const (
	ClaimWorking = "working"
	ClaimQueued  = "queued"
	ClaimDone    = "done"
)

const (
	// A claim is won only from the version the caller drew its card (or read the ticket)
	// at, and not while another action on the ticket is still running or queued, unless
	// that one is older than the stale bound (its process died).
	sqlClaimTicket = `UPDATE tickets SET version = version + 1, acted_by = $1, acted_op = $2,
			acted_state = 'working', acted_at = $3
		WHERE provider = $4 AND ticket_id = $5 AND version = $6
			AND NOT (acted_state IN ('working', 'queued') AND acted_at > $7)`
	sqlSettleClaim = `UPDATE tickets SET acted_state = $1 WHERE provider = $2 AND ticket_id = $3 AND version = $4`
	// Reverting gives the version back, so the card the person clicked works again.
	sqlRevertClaim = `UPDATE tickets SET version = version - 1, acted_by = '', acted_op = '', acted_state = '', acted_at = 0
		WHERE provider = $1 AND ticket_id = $2 AND version = $3`
)

// ClaimStale bounds how long a working or queued claim blocks others when nobody settles it.
const ClaimStale = 10 * time.Minute

// ClaimTicket is the compare-and-set of card actions: it moves the ticket from version to
// version+1 in the name of c. It reports false, changing nothing, when the ticket is at
// another version or another action holds it; the state returned then says who acted.
// The state returned on success carries the new version.
func (s *SQL) ClaimTicket(ctx context.Context, provider, ticketID string, version int64, c Claim) (TicketState, bool, error) {
	res, err := s.db.ExecContext(ctx, sqlClaimTicket, c.By, c.Op, millis(c.At), provider, ticketID, version,
		millis(c.At.Add(-ClaimStale)))
	if err != nil {
		return TicketState{}, false, fmt.Errorf("store: claim ticket %s %s: %w", provider, ticketID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return TicketState{}, false, fmt.Errorf("store: claim ticket %s %s: %w", provider, ticketID, err)
	}
	t, err := s.Ticket(ctx, provider, ticketID)
	if err != nil {
		return TicketState{}, false, err
	}
	return t, n == 1, nil
}

// SettleClaim records how the claim at version ended: ClaimDone or ClaimQueued keep it,
// "" reverts it. A claim overtaken by a later version is left alone.
func (s *SQL) SettleClaim(ctx context.Context, provider, ticketID string, version int64, state string) error {
	var err error
	if state == "" {
		_, err = s.db.ExecContext(ctx, sqlRevertClaim, provider, ticketID, version)
	} else {
		_, err = s.db.ExecContext(ctx, sqlSettleClaim, state, provider, ticketID, version)
	}
	if err != nil {
		return fmt.Errorf("store: settle claim %s %s: %w", provider, ticketID, err)
	}
	return nil
}
