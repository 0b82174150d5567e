package store

import (
	"context"
	"fmt"
)

const (
	followCols = `platform, chat_id, provider, ticket_id, by_user, created_at`

	// Following twice keeps the first row, so who followed and when stay those of the
	// first time, and "oldest first" does not reshuffle.
	sqlFollow = `INSERT INTO follows (` + followCols + `) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (platform, chat_id, provider, ticket_id) DO NOTHING`
	sqlUnfollow = `DELETE FROM follows
		WHERE platform = $1 AND chat_id = $2 AND provider = $3 AND ticket_id = $4`
	sqlFollowing = `SELECT ` + followCols + ` FROM follows
		WHERE platform = $1 AND chat_id = $2 ORDER BY created_at, provider, ticket_id`
	sqlFollowers = `SELECT ` + followCols + ` FROM follows
		WHERE provider = $1 AND ticket_id = $2 ORDER BY created_at, platform, chat_id`
	sqlAllFollows = `SELECT ` + followCols + ` FROM follows ORDER BY provider, ticket_id, created_at, platform, chat_id`
)

// AllFollows lists every follow in one query, for the watcher's sweep: one query for 10,000
// tickets rather than one per ticket.
func (s *SQL) AllFollows(ctx context.Context) ([]Follow, error) {
	fs, err := s.follows(ctx, sqlAllFollows)
	if err != nil {
		return nil, fmt.Errorf("store: all follows: %w", err)
	}
	return fs, nil
}

// Follow makes a chat follow a ticket; following again changes nothing.
func (s *SQL) Follow(ctx context.Context, f Follow) error {
	if err := need("follow", "platform", f.Platform, "chat_id", f.ChatID,
		"provider", f.Provider, "ticket_id", f.TicketID); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, sqlFollow,
		f.Platform, f.ChatID, f.Provider, f.TicketID, f.By, millis(f.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: follow %s %s in %s/%s: %w",
			f.Provider, f.TicketID, f.Platform, f.ChatID, err)
	}
	return nil
}

// Unfollow stops a chat following a ticket and reports whether it was following.
func (s *SQL) Unfollow(ctx context.Context, platform, chatID, provider, ticketID string) (bool, error) {
	res, err := s.db.ExecContext(ctx, sqlUnfollow, platform, chatID, provider, ticketID)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil {
			return n > 0, nil
		}
	}
	return false, fmt.Errorf("store: unfollow %s %s in %s/%s: %w",
		provider, ticketID, platform, chatID, err)
}

// Following lists the tickets a chat follows, oldest first (ties by provider and ticket id).
func (s *SQL) Following(ctx context.Context, platform, chatID string) ([]Follow, error) {
	fs, err := s.follows(ctx, sqlFollowing, platform, chatID)
	if err != nil {
		return nil, fmt.Errorf("store: following in %s/%s: %w", platform, chatID, err)
	}
	return fs, nil
}

// Followers lists the chats that follow a ticket, oldest first (ties by platform and chat).
func (s *SQL) Followers(ctx context.Context, provider, ticketID string) ([]Follow, error) {
	fs, err := s.follows(ctx, sqlFollowers, provider, ticketID)
	if err != nil {
		return nil, fmt.Errorf("store: followers of %s %s: %w", provider, ticketID, err)
	}
	return fs, nil
}

func (s *SQL) follows(ctx context.Context, query string, args ...any) ([]Follow, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var fs []Follow
	for rows.Next() {
		var f Follow
		var at int64
		if err := rows.Scan(&f.Platform, &f.ChatID, &f.Provider, &f.TicketID, &f.By, &at); err != nil {
			return nil, err
		}
		f.CreatedAt = fromMillis(at)
		fs = append(fs, f)
	}
	return fs, rows.Err()
}
