package store

import (
	"context"
	"fmt"
	"time"
)

const (
	// The conflict clause makes the check and the insert one atomic statement: of two
	// replicas racing on the same key, exactly one inserts a row.
	sqlMarkProcessed  = `INSERT INTO processed (key, at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`
	sqlPruneProcessed = `DELETE FROM processed WHERE at < $1`
)

// MarkProcessed records a delivery id and reports whether it was new.
func (s *SQL) MarkProcessed(ctx context.Context, key string, at time.Time) (bool, error) {
	if err := need("mark processed", "key", key); err != nil {
		return false, err
	}
	res, err := s.db.ExecContext(ctx, sqlMarkProcessed, key, millis(at))
	if err != nil {
		return false, fmt.Errorf("store: mark processed %q: %w", key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: mark processed %q: %w", key, err)
	}
	return n == 1, nil
}

// PruneProcessed forgets delivery ids marked before before.
func (s *SQL) PruneProcessed(ctx context.Context, before time.Time) error {
	if _, err := s.db.ExecContext(ctx, sqlPruneProcessed, millis(before)); err != nil {
		return fmt.Errorf("store: prune processed: %w", err)
	}
	return nil
}

// MarkProcessedMany is MarkProcessed for a batch, in one transaction: a burst of deliveries
// costs one commit instead of one per delivery. fresh[i] answers keys[i]; a key repeated
// within the batch is fresh only the first time.
func (s *SQL) MarkProcessedMany(ctx context.Context, keys []string, at time.Time) (fresh []bool, err error) {
	for _, k := range keys {
		if err := need("mark processed", "key", k); err != nil {
			return nil, err
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: mark processed: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	stmt, err := tx.PrepareContext(ctx, sqlMarkProcessed)
	if err != nil {
		return nil, fmt.Errorf("store: mark processed: %w", err)
	}
	defer stmt.Close()
	fresh = make([]bool, len(keys))
	ms := millis(at)
	for i, k := range keys {
		res, err := stmt.ExecContext(ctx, k, ms)
		if err != nil {
			return nil, fmt.Errorf("store: mark processed %q: %w", k, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return nil, fmt.Errorf("store: mark processed %q: %w", k, err)
		}
		fresh[i] = n == 1
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: mark processed: %w", err)
	}
	return fresh, nil
}
