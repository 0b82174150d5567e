package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// LiveCards bounds the cards of one ticket in one chat that are kept up to date: the first
// card (the thread anchor) and the newest others. With the answer to the command that
// changed the ticket, one change then touches at most LiveCards+1 messages of a group, within
// one platform's 5 per second per group.
const LiveCards = 4

const (
	cardCols = `platform, chat_id, message_id, provider, ticket_id, updated_at`

	sqlCardOwner = `SELECT chat_id, provider, ticket_id FROM cards WHERE platform = $1 AND message_id = $2`
	sqlTouchCard = `UPDATE cards SET updated_at = $1 WHERE platform = $2 AND message_id = $3`
	sqlNextSeq   = `SELECT COALESCE(MAX(seq), 0) + 1 FROM cards
		WHERE platform = $1 AND chat_id = $2 AND provider = $3 AND ticket_id = $4`
	// sqlPutCard adds a card, or gives a message that showed another ticket (a list turned
	// into a detail card) to this one, as its newest card.
	sqlPutCard = `INSERT INTO cards (platform, chat_id, message_id, provider, ticket_id, seq, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (platform, message_id) DO UPDATE SET chat_id = excluded.chat_id,
			provider = excluded.provider, ticket_id = excluded.ticket_id, seq = excluded.seq,
			updated_at = excluded.updated_at`

	sqlCardByMessage = `SELECT ` + cardCols + ` FROM cards WHERE platform = $1 AND message_id = $2`
	sqlCardInChat    = `SELECT ` + cardCols + ` FROM cards
		WHERE platform = $1 AND chat_id = $2 AND provider = $3 AND ticket_id = $4
		ORDER BY seq LIMIT 1`
	sqlCardsForTicket = `SELECT ` + cardCols + ` FROM cards
		WHERE provider = $1 AND ticket_id = $2 ORDER BY platform, chat_id, seq DESC`
)

// SaveCard records a card of the ticket in a chat. A chat may hold several cards of one
// ticket (posted by 建单, then by each 查看); saving a message again only updates its time.
// If c.MessageID showed another ticket, it now shows this one, as its newest card.
func (s *SQL) SaveCard(ctx context.Context, c Card) error {
	if err := need("save card", "platform", c.Platform, "chat_id", c.ChatID,
		"message_id", c.MessageID, "provider", c.Provider, "ticket_id", c.TicketID); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var chat, provider, ticket string
		err := tx.QueryRowContext(ctx, sqlCardOwner, c.Platform, c.MessageID).Scan(&chat, &provider, &ticket)
		switch {
		case err == nil && chat == c.ChatID && provider == c.Provider && ticket == c.TicketID:
			_, err = tx.ExecContext(ctx, sqlTouchCard, millis(c.UpdatedAt), c.Platform, c.MessageID)
			return err
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return err
		}
		var seq int64
		if err := tx.QueryRowContext(ctx, sqlNextSeq, c.Platform, c.ChatID, c.Provider, c.TicketID).Scan(&seq); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, sqlPutCard,
			c.Platform, c.ChatID, c.MessageID, c.Provider, c.TicketID, seq, millis(c.UpdatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: save card %s/%s for %s %s: %w",
			c.Platform, c.MessageID, c.Provider, c.TicketID, err)
	}
	return nil
}

// CardByMessage finds the card a message id belongs to. Every card the bot posted resolves,
// however many cards of the ticket the chat holds.
func (s *SQL) CardByMessage(ctx context.Context, platform, messageID string) (Card, error) {
	c, err := scanCard(s.db.QueryRowContext(ctx, sqlCardByMessage, platform, messageID))
	if err != nil {
		return Card{}, fmt.Errorf("store: card for message %s/%s: %w", platform, messageID, err)
	}
	return c, nil
}

// CardInChat finds the ticket's first card in one chat: the anchor whose thread holds the
// conversation, so notices never split it across later cards.
func (s *SQL) CardInChat(ctx context.Context, platform, chatID, provider, ticketID string) (Card, error) {
	c, err := scanCard(s.db.QueryRowContext(ctx, sqlCardInChat, platform, chatID, provider, ticketID))
	if err != nil {
		return Card{}, fmt.Errorf("store: card for %s %s in %s/%s: %w",
			provider, ticketID, platform, chatID, err)
	}
	return c, nil
}

// CardsForTicket lists the live cards of the ticket in every chat, ordered by platform and
// chat, and within a chat newest first: the LiveCards-1 newest and, last, the first card (the
// anchor). Older cards beyond those are not redrawn; they still resolve by CardByMessage.
func (s *SQL) CardsForTicket(ctx context.Context, provider, ticketID string) ([]Card, error) {
	rows, err := s.db.QueryContext(ctx, sqlCardsForTicket, provider, ticketID)
	if err != nil {
		return nil, fmt.Errorf("store: cards for %s %s: %w", provider, ticketID, err)
	}
	defer rows.Close()
	var all []Card
	for rows.Next() {
		c, err := scanCard(rows)
		if err != nil {
			return nil, fmt.Errorf("store: cards for %s %s: %w", provider, ticketID, err)
		}
		all = append(all, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: cards for %s %s: %w", provider, ticketID, err)
	}
	return liveCards(all), nil
}

// liveCards keeps, of each chat's cards (newest first), the LiveCards-1 newest and the
// oldest.
func liveCards(all []Card) []Card {
	var out []Card
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].Platform == all[i].Platform && all[j].ChatID == all[i].ChatID {
			j++
		}
		chat := all[i:j]
		if len(chat) > LiveCards {
			chat = append(chat[:LiveCards-1:LiveCards-1], chat[len(chat)-1])
		}
		out = append(out, chat...)
		i = j
	}
	return out
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface {
	Scan(dest ...any) error
}

// scanCard reads the columns of cardCols; no row becomes ErrNotFound.
func scanCard(r scanner) (Card, error) {
	var c Card
	var at int64
	err := r.Scan(&c.Platform, &c.ChatID, &c.MessageID, &c.Provider, &c.TicketID, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Card{}, ErrNotFound
	}
	if err != nil {
		return Card{}, err
	}
	c.UpdatedAt = fromMillis(at)
	return c, nil
}
