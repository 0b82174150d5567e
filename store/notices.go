package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Notice is a message the watcher owes a chat about a ticket, kept until it is delivered.
type Notice struct {
	ID       string
	Platform string
	ChatID   string
	Provider string
	TicketID string
	// Kind says what changed ("status", "note"); Payload is the watcher's own JSON.
	Kind      string
	Payload   []byte
	CreatedAt time.Time
	Attempts  int
}

const (
	noticeCols = `id, platform, chat_id, provider, ticket_id, kind, payload, created_at, attempts`

	// The conditional update is the compare-and-set of the watcher: the state advances only
	// from the state the watcher read, so a concurrent change by the bot itself (its own
	// close) is never overwritten nor announced as the vendor's.
	// A status change bumps the version, so a button drawn before it is stale; a new note
	// alone does not (closing after an answer is what people do).
	sqlAdvanceTicket = `UPDATE tickets SET version = version + CASE WHEN status = $1 THEN 0 ELSE 1 END,
			status = $1, raw_status = $2, last_note_id = $3, snapshot = $4, updated_at = $5
		WHERE provider = $6 AND ticket_id = $7 AND status = $8 AND last_note_id = $9 AND version = $10`
	sqlInsertNotice  = `INSERT INTO notices (` + noticeCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0)`
	sqlEnqueueNotice = `INSERT INTO notices (` + noticeCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0)
		ON CONFLICT (id) DO NOTHING`
	sqlPending = `SELECT ` + noticeCols + ` FROM notices
		WHERE sent_at = 0 AND given_up_at = 0 AND next_at <= $1 AND lease_until <= $1
		ORDER BY created_at, id LIMIT $2`
	sqlMarkSent = `UPDATE notices SET sent_at = $1, lease_until = 0 WHERE id = $2 AND sent_at = 0`
	sqlDefer    = `UPDATE notices SET attempts = attempts + 1, next_at = $1, last_error = $2, lease_until = 0 WHERE id = $3`
	// Leasing is a compare-and-set: of two processes that read the same pending notice, one
	// leases it and posts it.
	sqlLeaseNotice   = `UPDATE notices SET lease_until = $1 WHERE id = $2 AND sent_at = 0 AND given_up_at = 0 AND lease_until <= $3`
	sqlReleaseNotice = `UPDATE notices SET lease_until = 0 WHERE id = $1 AND sent_at = 0`
	sqlGiveUpNotices = `UPDATE notices SET given_up_at = $1, lease_until = 0,
			last_error = CASE WHEN last_error = '' THEN 'given up: never delivered' ELSE 'given up: ' || last_error END
		WHERE sent_at = 0 AND given_up_at = 0 AND created_at < $2 AND lease_until <= $1`
	sqlPruneNotices = `DELETE FROM notices WHERE (sent_at > 0 AND sent_at < $1) OR (given_up_at > 0 AND given_up_at < $1)`
)

// AdvanceTicket moves a ticket from the state prev (as read by the caller) to next and records
// next's timeline events and the notices that change owes, in one transaction. It reports false, changing nothing, when
// the stored state is no longer prev: another status, note or version (a card action claimed
// the ticket since: the change may be the bot's own).
func (s *SQL) AdvanceTicket(ctx context.Context, prev, next TicketState, notices []Notice) (bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("store: advance ticket: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, sqlAdvanceTicket, next.Status, next.RawStatus, next.LastNoteID, next.Snapshot,
		millis(next.UpdatedAt), prev.Provider, prev.TicketID, prev.Status, prev.LastNoteID, prev.Version)
	if err != nil {
		return false, fmt.Errorf("store: advance ticket %s %s: %w", prev.Provider, prev.TicketID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return false, err
	}
	if len(next.Events) > 0 {
		if err := recordEvents(ctx, tx, prev.Provider, prev.TicketID, next.Events); err != nil {
			return false, err
		}
	}
	for _, n := range notices {
		if err := need("record notice", "id", n.ID, "platform", n.Platform, "chat_id", n.ChatID); err != nil {
			return false, err
		}
		if _, err := tx.ExecContext(ctx, sqlInsertNotice, n.ID, n.Platform, n.ChatID, n.Provider, n.TicketID,
			n.Kind, n.Payload, millis(n.CreatedAt)); err != nil {
			return false, fmt.Errorf("store: record notice %s: %w", n.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("store: advance ticket %s %s: %w", prev.Provider, prev.TicketID, err)
	}
	return true, nil
}

// EnqueueNotice records n unless a notice with its id exists; the id is the key that makes
// "once" hold across restarts and replicas.
func (s *SQL) EnqueueNotice(ctx context.Context, n Notice) (bool, error) {
	if err := need("record notice", "id", n.ID, "platform", n.Platform, "chat_id", n.ChatID); err != nil {
		return false, err
	}
	res, err := s.db.ExecContext(ctx, sqlEnqueueNotice, n.ID, n.Platform, n.ChatID, n.Provider, n.TicketID,
		n.Kind, n.Payload, millis(n.CreatedAt))
	if err != nil {
		return false, fmt.Errorf("store: record notice %s: %w", n.ID, err)
	}
	k, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: record notice %s: %w", n.ID, err)
	}
	return k == 1, nil
}

// PendingNotices lists undelivered notices due at now, oldest first.
func (s *SQL) PendingNotices(ctx context.Context, now time.Time, limit int) ([]Notice, error) {
	rows, err := s.db.QueryContext(ctx, sqlPending, millis(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: pending notices: %w", err)
	}
	defer rows.Close()
	var out []Notice
	for rows.Next() {
		var n Notice
		var created int64
		var payload []byte
		if err := rows.Scan(&n.ID, &n.Platform, &n.ChatID, &n.Provider, &n.TicketID, &n.Kind, &payload, &created, &n.Attempts); err != nil {
			return nil, fmt.Errorf("store: pending notices: %w", err)
		}
		n.Payload, n.CreatedAt = payload, fromMillis(created)
		out = append(out, n)
	}
	return out, rows.Err()
}

// MarkNoticesSent records notices as delivered.
func (s *SQL) MarkNoticesSent(ctx context.Context, ids []string, at time.Time) error {
	return s.eachNotice(ctx, ids, func(tx *sql.Tx, id string) error {
		_, err := tx.ExecContext(ctx, sqlMarkSent, millis(at), id)
		return err
	})
}

// DeferNotices puts notices off until next, after a failed delivery.
func (s *SQL) DeferNotices(ctx context.Context, ids []string, next time.Time, reason string) error {
	if len(reason) > 500 {
		reason = reason[:500]
	}
	reason = strings.ToValidUTF8(reason, "")
	return s.eachNotice(ctx, ids, func(tx *sql.Tx, id string) error {
		_, err := tx.ExecContext(ctx, sqlDefer, millis(next), reason, id)
		return err
	})
}

func (s *SQL) eachNotice(ctx context.Context, ids []string, fn func(*sql.Tx, string) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: notices: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	for _, id := range ids {
		if err := fn(tx, id); err != nil {
			return fmt.Errorf("store: notice %s: %w", id, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: notices: %w", err)
	}
	return nil
}

// LeaseNotices leases the pending notices among ids to the caller until leaseEnd and returns
// the ids it won: a notice another process holds (or sent meanwhile) is left to it. Marking
// a notice sent or deferring it ends its lease; ReleaseNotices ends it otherwise.
func (s *SQL) LeaseNotices(ctx context.Context, ids []string, now, leaseEnd time.Time) ([]string, error) {
	var won []string
	err := s.eachNotice(ctx, ids, func(tx *sql.Tx, id string) error {
		res, err := tx.ExecContext(ctx, sqlLeaseNotice, millis(leaseEnd), id, millis(now))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 1 {
			won = append(won, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return won, nil
}

// ReleaseNotices ends the lease of notices left unsent (their chat had no room yet), so the
// next delivery, here or in another process, takes them at once.
func (s *SQL) ReleaseNotices(ctx context.Context, ids []string) error {
	return s.eachNotice(ctx, ids, func(tx *sql.Tx, id string) error {
		_, err := tx.ExecContext(ctx, sqlReleaseNotice, id)
		return err
	})
}

// GiveUpNotices gives up the notices still undelivered that were made before before (and
// that nobody holds), keeping them with their last error; it returns how many.
func (s *SQL) GiveUpNotices(ctx context.Context, before, now time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, sqlGiveUpNotices, millis(now), millis(before))
	if err != nil {
		return 0, fmt.Errorf("store: give up notices: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// PruneNotices forgets notices sent or given up before before.
func (s *SQL) PruneNotices(ctx context.Context, before time.Time) error {
	if _, err := s.db.ExecContext(ctx, sqlPruneNotices, millis(before)); err != nil {
		return fmt.Errorf("store: prune notices: %w", err)
	}
	return nil
}
