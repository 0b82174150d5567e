package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Binding says who a chat user is at a vendor: bound by themselves (绑定) or by a chat
// admin for them.
type Binding struct {
	Platform string
	UserID   string // the platform's id of the person
	Provider string
	VendorID string // the person's identity at the vendor (a 长工号, a staff id)
	// VendorName is the name the vendor gave for VendorID where it could be looked up.
	VendorName string
	By         string // the platform user id of who bound it
	CreatedAt  time.Time
}

// TakenError is Bind's answer when the vendor identity is bound to someone else on the
// platform and the caller may not take it over.
type TakenError struct{ Holder Binding }

func (e *TakenError) Error() string {
	return fmt.Sprintf("store: %s identity %s is bound to %s", e.Holder.Provider, e.Holder.VendorID, e.Holder.UserID)
}

const (
	bindingCols = `platform, user_id, provider, vendor_id, vendor_name, by_user, created_at`

	sqlBindingsOf = `SELECT ` + bindingCols + ` FROM bindings
		WHERE platform = $1 AND user_id = $2 ORDER BY provider`
	sqlBindingOf = `SELECT ` + bindingCols + ` FROM bindings
		WHERE platform = $1 AND user_id = $2 AND provider = $3`
	sqlBindingHolder = `SELECT ` + bindingCols + ` FROM bindings
		WHERE platform = $1 AND provider = $2 AND vendor_id = $3`
	sqlDeleteBinding = `DELETE FROM bindings WHERE platform = $1 AND user_id = $2 AND provider = $3`
	sqlUpsertBinding = `INSERT INTO bindings (` + bindingCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (platform, user_id, provider) DO UPDATE SET vendor_id = excluded.vendor_id,
			vendor_name = excluded.vendor_name, by_user = excluded.by_user, created_at = excluded.created_at`
	sqlTellDefault = `INSERT INTO default_told (platform, user_id, provider, at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (platform, user_id, provider) DO NOTHING`
	sqlForgetTold = `DELETE FROM default_told WHERE platform = $1 AND user_id = $2 AND provider = $3`
)

// Bind records b, replacing the person's earlier binding at that vendor. An identity bound to
// someone else on the platform answers *TakenError, unless takeOver (a chat admin), which
// moves it: the displaced binding is returned (zero when there was none). Both happen in
// one transaction, so two people binding one id at once end with exactly one holder.
func (s *SQL) Bind(ctx context.Context, b Binding, takeOver bool) (displaced Binding, err error) {
	if err := need("bind", "platform", b.Platform, "user_id", b.UserID, "provider", b.Provider,
		"vendor_id", b.VendorID); err != nil {
		return Binding{}, err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		holder, err := scanBinding(tx.QueryRowContext(ctx, sqlBindingHolder, b.Platform, b.Provider, b.VendorID))
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return err
		case holder.UserID == b.UserID:
		case !takeOver:
			return &TakenError{Holder: holder}
		default:
			if _, err := tx.ExecContext(ctx, sqlDeleteBinding, holder.Platform, holder.UserID, holder.Provider); err != nil {
				return err
			}
			displaced = holder
		}
		_, err = tx.ExecContext(ctx, sqlUpsertBinding, b.Platform, b.UserID, b.Provider, b.VendorID, b.VendorName,
			b.By, millis(b.CreatedAt))
		return err
	})
	var taken *TakenError
	if errors.As(err, &taken) {
		return Binding{}, err
	}
	if err != nil {
		// A concurrent Bind of the same identity that committed first trips the unique key:
		// it holds the identity now, and this one is answered as if it had been there.
		if holder, herr := s.bindingHolder(ctx, b.Platform, b.Provider, b.VendorID); herr == nil && holder.UserID != b.UserID {
			return Binding{}, &TakenError{Holder: holder}
		}
		return Binding{}, fmt.Errorf("store: bind %s %s in %s: %w", b.Provider, b.UserID, b.Platform, err)
	}
	return displaced, nil
}

// Unbind removes the person's binding at a vendor and reports whether there was one.
func (s *SQL) Unbind(ctx context.Context, platform, userID, provider string) (bool, error) {
	res, err := s.db.ExecContext(ctx, sqlDeleteBinding, platform, userID, provider)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil {
			return n > 0, nil
		}
	}
	return false, fmt.Errorf("store: unbind %s %s in %s: %w", provider, userID, platform, err)
}

// Bindings lists the person's bindings, by vendor name.
func (s *SQL) Bindings(ctx context.Context, platform, userID string) ([]Binding, error) {
	rows, err := s.db.QueryContext(ctx, sqlBindingsOf, platform, userID)
	if err != nil {
		return nil, fmt.Errorf("store: bindings of %s in %s: %w", userID, platform, err)
	}
	defer rows.Close()
	var bs []Binding
	for rows.Next() {
		b, err := scanBinding(rows)
		if err != nil {
			return nil, fmt.Errorf("store: bindings of %s in %s: %w", userID, platform, err)
		}
		bs = append(bs, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: bindings of %s in %s: %w", userID, platform, err)
	}
	return bs, nil
}

// BindingOf is the person's binding at one vendor, or ErrNotFound.
func (s *SQL) BindingOf(ctx context.Context, platform, userID, provider string) (Binding, error) {
	b, err := scanBinding(s.db.QueryRowContext(ctx, sqlBindingOf, platform, userID, provider))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return b, fmt.Errorf("store: binding of %s at %s in %s: %w", userID, provider, platform, err)
	}
	return b, err
}

func (s *SQL) bindingHolder(ctx context.Context, platform, provider, vendorID string) (Binding, error) {
	return scanBinding(s.db.QueryRowContext(ctx, sqlBindingHolder, platform, provider, vendorID))
}

// TellDefault records that the person was told they act as a vendor's configured default
// identity, and reports whether this is the first time (tell them now) or not.
func (s *SQL) TellDefault(ctx context.Context, platform, userID, provider string, at time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, sqlTellDefault, platform, userID, provider, millis(at))
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil {
			return n > 0, nil
		}
	}
	return false, fmt.Errorf("store: tell default %s %s in %s: %w", provider, userID, platform, err)
}

// ForgetTold forgets that the person was told of the default identity: after an unbind they
// act as the default again, and are told again.
func (s *SQL) ForgetTold(ctx context.Context, platform, userID, provider string) error {
	if _, err := s.db.ExecContext(ctx, sqlForgetTold, platform, userID, provider); err != nil {
		return fmt.Errorf("store: forget told %s %s in %s: %w", provider, userID, platform, err)
	}
	return nil
}

// scanBinding reads one bindings row; sql.ErrNoRows becomes ErrNotFound.
func scanBinding(row interface{ Scan(...any) error }) (Binding, error) {
	var b Binding
	var at int64
	err := row.Scan(&b.Platform, &b.UserID, &b.Provider, &b.VendorID, &b.VendorName, &b.By, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Binding{}, ErrNotFound
	}
	b.CreatedAt = fromMillis(at)
	return b, err
}
