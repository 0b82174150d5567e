package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Leadership is a lease row per role: the holder renews it before it runs out; anyone may
// take it once it has. The token grows with each new holder, so whatever an old holder
// does after losing the role can be told apart (fenced) from the new holder's.
const (
	// sqlLead takes or renews the role: a new row, the holder's own row, or a row whose lease
	// ran out. RETURNING gives the token; no row means someone else holds the role.
	sqlLead = `INSERT INTO leaders (name, holder, token, lease_until) VALUES ($1, $2, 1, $3)
		ON CONFLICT (name) DO UPDATE SET
			token = CASE WHEN leaders.holder = excluded.holder THEN leaders.token ELSE leaders.token + 1 END,
			holder = excluded.holder,
			lease_until = excluded.lease_until
		WHERE leaders.holder = excluded.holder OR leaders.lease_until <= $4
		RETURNING token`
	sqlResign = `UPDATE leaders SET lease_until = 0 WHERE name = $1 AND holder = $2`
	sqlLeader = `SELECT holder, token, lease_until FROM leaders WHERE name = $1`
)

// Lead takes the role name for holder until until, or renews it: it reports the fencing
// token and true when holder holds the role now, false when another holder's lease runs at
// now.
func (s *SQL) Lead(ctx context.Context, name, holder string, now, until time.Time) (int64, bool, error) {
	if err := need("lead", "name", name, "holder", holder); err != nil {
		return 0, false, err
	}
	var token int64
	err := s.db.QueryRowContext(ctx, sqlLead, name, holder, millis(until), millis(now)).Scan(&token)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("store: lead %s: %w", name, err)
	}
	return token, true, nil
}

// Resign gives the role up at once, so another replica takes it without waiting for the
// lease to run out (a graceful shutdown). It is a no-op for a holder that lost the role.
func (s *SQL) Resign(ctx context.Context, name, holder string) error {
	if _, err := s.db.ExecContext(ctx, sqlResign, name, holder); err != nil {
		return fmt.Errorf("store: resign %s: %w", name, err)
	}
	return nil
}

// Leader is who holds the role name, with its token and lease end; empty when nobody has.
func (s *SQL) Leader(ctx context.Context, name string) (holder string, token int64, until time.Time, err error) {
	var ms int64
	err = s.db.QueryRowContext(ctx, sqlLeader, name).Scan(&holder, &token, &ms)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, time.Time{}, nil
	}
	if err != nil {
		return "", 0, time.Time{}, fmt.Errorf("store: leader %s: %w", name, err)
	}
	return holder, token, fromMillis(ms), nil
}
