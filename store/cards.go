package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

const (
	cardCols = `platform, chat_id, message_id, provider, ticket_id, updated_at`

	// sqlReleaseMessage frees a message id held by another ticket's card: a message updated
	// in place to show a different ticket (a list turned into a detail card) now belongs to
	// the new ticket only.
	sqlReleaseMessage = `DELETE FROM cards
		WHERE platform = $1 AND message_id = $2
		AND NOT (chat_id = $3 AND provider = $4 AND ticket_id = $5)`
	// sqlUpsertCard moves the ticket's card in the chat to the new message.
	sqlUpsertCard = `INSERT INTO cards (` + cardCols + `) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (platform, chat_id, provider, ticket_id)
		DO UPDATE SET message_id = excluded.message_id, updated_at = excluded.updated_at`

	sqlCardByMessage = `SELECT ` + cardCols + ` FROM cards WHERE platform = $1 AND message_id = $2`
	sqlCardInChat    = `SELECT ` + cardCols + ` FROM cards
		WHERE platform = $1 AND chat_id = $2 AND provider = $3 AND ticket_id = $4`
	sqlCardsForTicket = `SELECT ` + cardCols + ` FROM cards
		WHERE provider = $1 AND ticket_id = $2 ORDER BY platform, chat_id`
)

// SaveCard records the ticket's card in a chat. A ticket that already has a card in the chat
// moves to c.MessageID (the bot reposted it); if c.MessageID showed another ticket, that
// ticket loses its card in the chat.
func (s *SQL) SaveCard(ctx context.Context, c Card) error {
	if err := need("save card", "platform", c.Platform, "chat_id", c.ChatID,
		"message_id", c.MessageID, "provider", c.Provider, "ticket_id", c.TicketID); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, sqlReleaseMessage,
			c.Platform, c.MessageID, c.ChatID, c.Provider, c.TicketID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, sqlUpsertCard,
			c.Platform, c.ChatID, c.MessageID, c.Provider, c.TicketID, millis(c.UpdatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: save card %s/%s for %s %s: %w",
			c.Platform, c.MessageID, c.Provider, c.TicketID, err)
	}
	return nil
}

// CardByMessage finds the card a message id belongs to.
func (s *SQL) CardByMessage(ctx context.Context, platform, messageID string) (Card, error) {
	c, err := scanCard(s.db.QueryRowContext(ctx, sqlCardByMessage, platform, messageID))
	if err != nil {
		return Card{}, fmt.Errorf("store: card for message %s/%s: %w", platform, messageID, err)
	}
	return c, nil
}

// CardInChat finds the ticket's card in one chat.
func (s *SQL) CardInChat(ctx context.Context, platform, chatID, provider, ticketID string) (Card, error) {
	c, err := scanCard(s.db.QueryRowContext(ctx, sqlCardInChat, platform, chatID, provider, ticketID))
	if err != nil {
		return Card{}, fmt.Errorf("store: card for %s %s in %s/%s: %w",
			provider, ticketID, platform, chatID, err)
	}
	return c, nil
}

// CardsForTicket lists every card that shows the ticket, ordered by platform and chat.
func (s *SQL) CardsForTicket(ctx context.Context, provider, ticketID string) ([]Card, error) {
	rows, err := s.db.QueryContext(ctx, sqlCardsForTicket, provider, ticketID)
	if err != nil {
		return nil, fmt.Errorf("store: cards for %s %s: %w", provider, ticketID, err)
	}
	defer rows.Close()
	var cards []Card
	for rows.Next() {
		c, err := scanCard(rows)
		if err != nil {
			return nil, fmt.Errorf("store: cards for %s %s: %w", provider, ticketID, err)
		}
		cards = append(cards, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: cards for %s %s: %w", provider, ticketID, err)
	}
	return cards, nil
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
