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
