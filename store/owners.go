package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Owner is who in a chat owns a ticket: they claimed it (认领) or it was assigned to them
// (转派). Ownership is the group's: the vendor knows nothing of it.
type Owner struct {
	Platform, ChatID   string
	Provider, TicketID string
	UserID, UserName   string
	By                 string // who claimed or assigned it (platform user id)
	At                 time.Time
}

const (
	sqlSetOwner = `INSERT INTO owners (platform, chat_id, provider, ticket_id, user_id, user_name, by_user, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (platform, chat_id, provider, ticket_id) DO UPDATE SET
			user_id = excluded.user_id, user_name = excluded.user_name, by_user = excluded.by_user, at = excluded.at`
	sqlClaimOwner = `INSERT INTO owners (platform, chat_id, provider, ticket_id, user_id, user_name, by_user, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (platform, chat_id, provider, ticket_id) DO NOTHING`
	sqlOwner = `SELECT user_id, user_name, by_user, at FROM owners
		WHERE platform = $1 AND chat_id = $2 AND provider = $3 AND ticket_id = $4`
	sqlOwned = `SELECT provider, ticket_id, user_name, by_user, at FROM owners
		WHERE platform = $1 AND chat_id = $2 AND user_id = $3 ORDER BY at DESC`
	sqlOwnersOf = `SELECT platform, chat_id, user_id, user_name, by_user, at FROM owners
		WHERE provider = $1 AND ticket_id = $2`
)

// SetOwner makes o.UserID the ticket's owner in o's chat, in place of anyone before, and
// returns who owned it before (a zero Owner for nobody).
func (s *SQL) SetOwner(ctx context.Context, o Owner) (before Owner, err error) {
	if err := need("set owner", "platform", o.Platform, "chat", o.ChatID, "provider", o.Provider, "ticket", o.TicketID, "user", o.UserID); err != nil {
		return Owner{}, err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		prev, err := scanOwner(tx.QueryRowContext(ctx, sqlOwner, o.Platform, o.ChatID, o.Provider, o.TicketID), o)
		switch {
		case err == nil:
			before = prev
		case !errors.Is(err, ErrNotFound):
			return err
		}
		_, err = tx.ExecContext(ctx, sqlSetOwner, o.Platform, o.ChatID, o.Provider, o.TicketID, o.UserID, o.UserName, o.By, millis(o.At))
		return err
	})
	if err != nil {
		return Owner{}, fmt.Errorf("store: set owner of %s:%s in %s/%s: %w", o.Provider, o.TicketID, o.Platform, o.ChatID, err)
	}
	return before, nil
}

// ClaimOwner makes o.UserID the ticket's owner in o's chat unless someone owns it already:
// of two people claiming at once, one wins. It returns the owner now, and whether that is o.
func (s *SQL) ClaimOwner(ctx context.Context, o Owner) (owner Owner, won bool, err error) {
	if err := need("claim owner", "platform", o.Platform, "chat", o.ChatID, "provider", o.Provider, "ticket", o.TicketID, "user", o.UserID); err != nil {
		return Owner{}, false, err
	}
	if _, err := s.db.ExecContext(ctx, sqlClaimOwner, o.Platform, o.ChatID, o.Provider, o.TicketID, o.UserID, o.UserName, o.By, millis(o.At)); err != nil {
		return Owner{}, false, fmt.Errorf("store: claim %s:%s in %s/%s: %w", o.Provider, o.TicketID, o.Platform, o.ChatID, err)
	}
	owner, err = s.OwnerOf(ctx, o.Platform, o.ChatID, o.Provider, o.TicketID)
	if err != nil {
		return Owner{}, false, err
	}
	return owner, owner.UserID == o.UserID, nil
}

// OwnerOf is the ticket's owner in a chat, or ErrNotFound.
func (s *SQL) OwnerOf(ctx context.Context, platform, chatID, provider, ticketID string) (Owner, error) {
	key := Owner{Platform: platform, ChatID: chatID, Provider: provider, TicketID: ticketID}
	o, err := scanOwner(s.db.QueryRowContext(ctx, sqlOwner, platform, chatID, provider, ticketID), key)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Owner{}, fmt.Errorf("store: owner of %s:%s in %s/%s: %w", provider, ticketID, platform, chatID, err)
	}
	return o, err
}

func scanOwner(row *sql.Row, key Owner) (Owner, error) {
	o := key
	var at int64
	if err := row.Scan(&o.UserID, &o.UserName, &o.By, &at); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Owner{}, ErrNotFound
		}
		return Owner{}, err
	}
	o.At = fromMillis(at)
	return o, nil
}

// Owned lists the tickets a person owns in a chat, the latest claimed first.
func (s *SQL) Owned(ctx context.Context, platform, chatID, userID string) ([]Owner, error) {
	rows, err := s.db.QueryContext(ctx, sqlOwned, platform, chatID, userID)
	if err != nil {
		return nil, fmt.Errorf("store: owned by %s in %s/%s: %w", userID, platform, chatID, err)
	}
	defer rows.Close()
	var out []Owner
	for rows.Next() {
		o := Owner{Platform: platform, ChatID: chatID, UserID: userID}
		var at int64
		if err := rows.Scan(&o.Provider, &o.TicketID, &o.UserName, &o.By, &at); err != nil {
			return nil, fmt.Errorf("store: owned by %s: %w", userID, err)
		}
		o.At = fromMillis(at)
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: owned by %s: %w", userID, err)
	}
	return out, nil
}

// OwnersOf lists a ticket's owners, one per chat that has one (the watcher's notices mention
// each chat's own).
func (s *SQL) OwnersOf(ctx context.Context, provider, ticketID string) ([]Owner, error) {
	rows, err := s.db.QueryContext(ctx, sqlOwnersOf, provider, ticketID)
	if err != nil {
		return nil, fmt.Errorf("store: owners of %s:%s: %w", provider, ticketID, err)
	}
	defer rows.Close()
	var out []Owner
	for rows.Next() {
		o := Owner{Provider: provider, TicketID: ticketID}
		var at int64
		if err := rows.Scan(&o.Platform, &o.ChatID, &o.UserID, &o.UserName, &o.By, &at); err != nil {
			return nil, fmt.Errorf("store: owners of %s:%s: %w", provider, ticketID, err)
		}
		o.At = fromMillis(at)
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: owners of %s:%s: %w", provider, ticketID, err)
	}
	return out, nil
}
