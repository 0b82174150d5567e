package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Subscription is a chat following every ticket of a vendor's account that matches a filter
// (订阅): the watcher lists the vendor's new tickets from Cursor on and follows those that
// match.
type Subscription struct {
	Platform, ChatID string
	// N numbers the chat's subscriptions from 1 (取消订阅 N); Subscribe assigns it.
	N        int64
	Provider string
	// Statuses are the normalized states it keeps (none: any); Filters the vendor's other
	// filters, key to value (providers.ListFilter).
	Statuses []string          `json:"statuses,omitempty"`
	Filters  map[string]string `json:"filters,omitempty"`
	// Labels are how Filters' values read to people where they are ids (a product's name).
	Labels map[string]string `json:"labels,omitempty"`
	// By is who subscribed (platform:user id), or "config" for a preset.
	By        string
	CreatedAt time.Time
	// Cursor is the vendor creation time the next sweep lists from.
	Cursor time.Time
}

// spec is the subscription's filter as canonical text: equal filters, equal specs.
func (s Subscription) spec() string {
	st := slices.Clone(s.Statuses)
	slices.Sort(st)
	b, _ := json.Marshal(struct {
		Statuses []string          `json:"statuses,omitempty"`
		Filters  map[string]string `json:"filters,omitempty"` // json sorts a map's keys
	}{st, s.Filters})
	return string(b)
}

// filter is what the filter column keeps: the spec's parts and the labels.
func (s Subscription) filter() string {
	b, _ := json.Marshal(struct {
		Statuses []string          `json:"statuses,omitempty"`
		Filters  map[string]string `json:"filters,omitempty"`
		Labels   map[string]string `json:"labels,omitempty"`
	}{s.Statuses, s.Filters, s.Labels})
	return string(b)
}

const (
	subCols           = `platform, chat_id, n, provider, filter, by_user, created_at, cursor_at`
	sqlSubscriptionOf = `SELECT ` + subCols + ` FROM subscriptions
		WHERE platform = $1 AND chat_id = $2 AND provider = $3 AND spec = $4`
	sqlNextSubscription = `SELECT COALESCE(MAX(n), 0) + 1 FROM subscriptions WHERE platform = $1 AND chat_id = $2`
	sqlSubscribe        = `INSERT INTO subscriptions (platform, chat_id, n, provider, spec, filter, by_user, created_at, cursor_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	sqlSubscriptions    = `SELECT ` + subCols + ` FROM subscriptions WHERE platform = $1 AND chat_id = $2 ORDER BY n`
	sqlAllSubscriptions = `SELECT ` + subCols + ` FROM subscriptions ORDER BY provider, platform, chat_id, n`
	sqlSubscriptionN    = `SELECT ` + subCols + ` FROM subscriptions WHERE platform = $1 AND chat_id = $2 AND n = $3`
	sqlUnsubscribe      = `DELETE FROM subscriptions WHERE platform = $1 AND chat_id = $2 AND n = $3`
	// The cursor only moves forward: two replicas' sweeps (one after a takeover) never move it
	// back over tickets already found.
	sqlAdvanceSubscription = `UPDATE subscriptions SET cursor_at = $1
		WHERE platform = $2 AND chat_id = $3 AND n = $4 AND cursor_at < $1`
)

// Subscribe stores sub in its chat with the next number, unless the chat has a subscription
// with the same vendor and filter: then that one is returned, and fresh is false.
func (s *SQL) Subscribe(ctx context.Context, sub Subscription) (out Subscription, fresh bool, err error) {
	if err := need("subscribe", "platform", sub.Platform, "chat_id", sub.ChatID, "provider", sub.Provider); err != nil {
		return Subscription{}, false, err
	}
	spec := sub.spec()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		had, err := scanSubscription(tx.QueryRowContext(ctx, sqlSubscriptionOf, sub.Platform, sub.ChatID, sub.Provider, spec))
		if err == nil {
			out = had
			return nil
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := tx.QueryRowContext(ctx, sqlNextSubscription, sub.Platform, sub.ChatID).Scan(&sub.N); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, sqlSubscribe, sub.Platform, sub.ChatID, sub.N, sub.Provider, spec, sub.filter(),
			sub.By, millis(sub.CreatedAt), millis(sub.Cursor)); err != nil {
			return err
		}
		out, fresh = sub, true
		return nil
	})
	if err != nil {
		return Subscription{}, false, fmt.Errorf("store: subscribe %s/%s to %s: %w", sub.Platform, sub.ChatID, sub.Provider, err)
	}
	return out, fresh, nil
}

// Subscriptions lists a chat's subscriptions by number.
func (s *SQL) Subscriptions(ctx context.Context, platform, chatID string) ([]Subscription, error) {
	subs, err := s.subscriptions(ctx, sqlSubscriptions, platform, chatID)
	if err != nil {
		return nil, fmt.Errorf("store: subscriptions of %s/%s: %w", platform, chatID, err)
	}
	return subs, nil
}

// AllSubscriptions lists every chat's subscriptions, by vendor, for the watcher's sweep.
func (s *SQL) AllSubscriptions(ctx context.Context) ([]Subscription, error) {
	subs, err := s.subscriptions(ctx, sqlAllSubscriptions)
	if err != nil {
		return nil, fmt.Errorf("store: all subscriptions: %w", err)
	}
	return subs, nil
}

// Unsubscribe removes a chat's subscription number n and returns it, or ErrNotFound. The
// tickets it made the chat follow stay followed.
func (s *SQL) Unsubscribe(ctx context.Context, platform, chatID string, n int64) (Subscription, error) {
	var out Subscription
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if out, err = scanSubscription(tx.QueryRowContext(ctx, sqlSubscriptionN, platform, chatID, n)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, sqlUnsubscribe, platform, chatID, n)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Subscription{}, err
		}
		return Subscription{}, fmt.Errorf("store: unsubscribe %s/%s #%d: %w", platform, chatID, n, err)
	}
	return out, nil
}

// AdvanceSubscription moves a subscription's cursor forward to cursor (never back).
func (s *SQL) AdvanceSubscription(ctx context.Context, platform, chatID string, n int64, cursor time.Time) error {
	if _, err := s.db.ExecContext(ctx, sqlAdvanceSubscription, millis(cursor), platform, chatID, n); err != nil {
		return fmt.Errorf("store: advance subscription %s/%s #%d: %w", platform, chatID, n, err)
	}
	return nil
}

func (s *SQL) subscriptions(ctx context.Context, q string, args ...any) ([]Subscription, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Subscription
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, rows.Err()
}

func scanSubscription(row interface{ Scan(...any) error }) (Subscription, error) {
	var sub Subscription
	var filter string
	var created, cursor int64
	if err := row.Scan(&sub.Platform, &sub.ChatID, &sub.N, &sub.Provider, &filter, &sub.By, &created, &cursor); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Subscription{}, ErrNotFound
		}
		return Subscription{}, err
	}
	if err := json.Unmarshal([]byte(filter), &sub); err != nil {
		return Subscription{}, fmt.Errorf("subscription #%d's filter %q: %w", sub.N, filter, err)
	}
	sub.CreatedAt, sub.Cursor = fromMillis(created), fromMillis(cursor)
	return sub, nil
}
