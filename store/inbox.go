package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// Spilled is a batch of deliveries kept in the inbox together (one group commit):
// acknowledged while the workers were full, and waiting for one.
type Spilled struct {
	// ID names the batch; it is random, unique across replicas.
	ID string
	// Seq orders the inbox: the order the batches were kept in.
	Seq int64
	// Count is how many deliveries the batch holds.
	Count int
	// Payload is the dispatcher's own encoding of the deliveries.
	Payload []byte
	At      time.Time
}

const (
	sqlInboxAdd = `INSERT INTO inbox_batches (id, seq, deliveries, payload, created_at) VALUES ($1, $2, $3, $4, $5)`
	// Taking rows deletes them: of several replicas each batch goes to one. SKIP LOCKED
	// lets PostgreSQL replicas take different batches at once; SQLite has one writer anyway.
	sqlInboxTakeSQLite = `DELETE FROM inbox_batches WHERE id IN (SELECT id FROM inbox_batches ORDER BY seq LIMIT $1)
		RETURNING id, seq, deliveries, payload, created_at`
	sqlInboxTakePostgres = `DELETE FROM inbox_batches WHERE id IN (SELECT id FROM inbox_batches ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED)
		RETURNING id, seq, deliveries, payload, created_at`
	sqlInboxSize = `SELECT COALESCE(SUM(deliveries), 0) FROM inbox_batches`
)

// Spill keeps a batch of deliveries in the inbox, in one row. Whether a delivery was handled
// before is the dedupe's question, asked when it is taken (MarkProcessed), as for every other
// delivery.
func (s *SQL) Spill(ctx context.Context, b Spilled) error {
	if err := need("spill", "id", b.ID); err != nil {
		return err
	}
	if _, err := s.ack.ExecContext(ctx, sqlInboxAdd, b.ID, b.Seq, b.Count, b.Payload, millis(b.At)); err != nil {
		return fmt.Errorf("store: spill: %w", err)
	}
	return nil
}

// TakeInbox takes up to limit of the oldest kept batches out of the inbox, oldest first.
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
		if err := rows.Scan(&d.ID, &d.Seq, &d.Count, &d.Payload, &at); err != nil {
			return nil, fmt.Errorf("store: take inbox: %w", err)
		}
		d.At = fromMillis(at)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: take inbox: %w", err)
	}
	slices.SortFunc(out, func(a, b Spilled) int { return cmp.Compare(a.Seq, b.Seq) })
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
