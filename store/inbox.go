package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// Spilled is a delivery kept in the inbox: acknowledged while the workers were full, and
// waiting for one.
type Spilled struct {
	// Key is its delivery id, recorded as processed in the same transaction.
	Key string
	// Seq orders the inbox: the order deliveries arrived in.
	Seq int64
	// Payload is the dispatcher's own encoding of the message.
	Payload []byte
	At      time.Time
}

const (
	sqlInboxAdd = `INSERT INTO inbox (key, seq, payload, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING`
	// Taking rows deletes them: of several replicas each row goes to one. SKIP LOCKED lets
	// PostgreSQL replicas take different rows at once; SQLite has one writer anyway.
	sqlInboxTakeSQLite = `DELETE FROM inbox WHERE key IN (SELECT key FROM inbox ORDER BY seq LIMIT $1)
		RETURNING key, seq, payload, created_at`
	sqlInboxTakePostgres = `DELETE FROM inbox WHERE key IN (SELECT key FROM inbox ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED)
		RETURNING key, seq, payload, created_at`
	sqlInboxSize = `SELECT COUNT(*) FROM inbox`
)

// Spill keeps the deliveries in the inbox: one transaction for the whole batch (a group
// commit). fresh[i] says whether ds[i] was new to the inbox; a redelivery of one still
// waiting there is not kept twice. Whether a delivery was handled before is the dedupe's
// question, asked when it is taken (MarkProcessed), as for every other delivery.
func (s *SQL) Spill(ctx context.Context, ds []Spilled) (fresh []bool, err error) {
	fresh = make([]bool, len(ds))
	err = inTx(ctx, s.ack, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, sqlInboxAdd)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i, d := range ds {
			if err := need("spill", "key", d.Key); err != nil {
				return err
			}
			res, err := stmt.ExecContext(ctx, d.Key, d.Seq, d.Payload, millis(d.At))
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			fresh[i] = n == 1
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: spill: %w", err)
	}
	return fresh, nil
}

// TakeInbox takes up to limit of the oldest kept deliveries out of the inbox, oldest first.
func (s *SQL) TakeInbox(ctx context.Context, limit int) ([]Spilled, error) {
	q := sqlInboxTakeSQLite
	if s.driver == "postgres" {
		q = sqlInboxTakePostgres
	}
	rows, err := s.db.QueryContext(ctx, q, limit)
	if err != nil {
		return nil, fmt.Errorf("store: take inbox: %w", err)
	}
	defer rows.Close()
	var out []Spilled
	for rows.Next() {
		var d Spilled
		var at int64
		if err := rows.Scan(&d.Key, &d.Seq, &d.Payload, &at); err != nil {
			return nil, fmt.Errorf("store: take inbox: %w", err)
		}
		d.At = fromMillis(at)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: take inbox: %w", err)
	}
	slices.SortFunc(out, func(a, b Spilled) int { return int(min(max(a.Seq-b.Seq, -1), 1)) })
	return out, nil
}

// InboxSize is how many deliveries wait in the inbox.
func (s *SQL) InboxSize(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, sqlInboxSize).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: inbox size: %w", err)
	}
	return n, nil
}
