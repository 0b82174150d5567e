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
	sqlPending = `SELECT ` + noticeCols + ` FROM notices WHERE sent_at = 0 AND next_at <= $1
		ORDER BY created_at, id LIMIT $2`
	sqlMarkSent = `UPDATE notices SET sent_at = $1 WHERE id = $2 AND sent_at = 0`
	sqlDefer    = `UPDATE notices SET attempts = attempts + 1, next_at = $1, last_error = $2 WHERE id = $3`
)

// AdvanceTicket moves a ticket from the state prev (as read by the caller) to next and records
// the notices that change owes, in one transaction. It reports false, changing nothing, when
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
