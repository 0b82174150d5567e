package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The kinds of a ticket's timeline events.
const (
	// EventSeen is the first time the bot stored the ticket: it was in Status then, since
	// a time the bot does not know.
	EventSeen = "seen"
	// EventStatus is a change of the watched state to Status, at At.
	EventStatus = "status"
	// EventReply is the vendor's first reply. A zero At says it came before the bot knew
	// the ticket (or before the timeline was kept), so its time is not known. A ticket has
	// at most one: a second is not recorded.
	EventReply = "reply"
	// EventAnswered is our side writing to the vendor at At: a reply through the bot, or a
	// note of ours the vendor shows. A waiting ticket's reminders count from the later of it
	// and the change of state that made the ticket wait on us.
	EventAnswered = "answered"
)

// TicketEvent is one entry of a ticket's timeline: what the weekly figures are computed
// from (when a ticket closed, when the vendor first answered, since when it waits on us).
// Events are recorded with the state change they describe, in the same transaction
// (TicketState.Events), and never change.
type TicketEvent struct {
	Provider string
	TicketID string
	// Seq orders a ticket's events as they were recorded (1, 2, …); At may not, since some
	// come from the vendor's own clock.
	Seq    int64
	At     time.Time // zero: not known (EventReply only)
	Kind   string    // EventSeen, EventStatus, EventReply or EventAnswered
	Status string    // the state reached (EventSeen, EventStatus); "" for the others
}

const (
	eventCols = `provider, ticket_id, seq, at, kind, status`
	// The ticket's row is written first in the same transaction, which holds its lock: the
	// next seq is read and taken by one writer at a time.
	sqlEventsHead = `SELECT COALESCE(MAX(seq), 0), COALESCE(SUM(CASE WHEN kind = 'reply' THEN 1 ELSE 0 END), 0)
		FROM ticket_events WHERE provider = $1 AND ticket_id = $2`
	sqlInsertEvent = `INSERT INTO ticket_events (` + eventCols + `) VALUES ($1, $2, $3, $4, $5, $6)`

	// A chat's scope is the tickets it follows; two statements rather than "$1 = '' OR …",
	// as in tickets.go.
	sqlChatTickets = `SELECT ` + ticketCols + stateCols + ` FROM tickets
		WHERE EXISTS (SELECT 1 FROM follows f WHERE f.platform = $1 AND f.chat_id = $2
			AND f.provider = tickets.provider AND f.ticket_id = tickets.ticket_id)
		ORDER BY provider, ticket_id`
	sqlAllEvents    = `SELECT ` + eventCols + ` FROM ticket_events WHERE at < $1 ORDER BY provider, ticket_id, seq`
	sqlTicketEvents = `SELECT ` + eventCols + ` FROM ticket_events WHERE provider = $1 AND ticket_id = $2 ORDER BY seq`
	// The ticket's row is locked first (it changes nothing), as SaveTicket and AdvanceTicket
	// do by writing it, so the next seq is taken by one writer at a time.
	sqlLockTicket = `UPDATE tickets SET updated_at = updated_at WHERE provider = $1 AND ticket_id = $2`
	sqlChatEvents = `SELECT ` + eventCols + ` FROM ticket_events e
		WHERE EXISTS (SELECT 1 FROM follows f WHERE f.platform = $1 AND f.chat_id = $2
			AND f.provider = e.provider AND f.ticket_id = e.ticket_id) AND at < $3
		ORDER BY provider, ticket_id, seq`
)

// eventMillis stores a time, the zero time as 0 ("not known").
func eventMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return millis(t)
}

// recordEvents appends evs to the timeline of the ticket p/id inside tx, which has written
// the ticket's row already. A reply is dropped when the ticket has one.
func recordEvents(ctx context.Context, tx *sql.Tx, provider, ticketID string, evs []TicketEvent) error {
	var seq, replies int64
	if err := tx.QueryRowContext(ctx, sqlEventsHead, provider, ticketID).Scan(&seq, &replies); err != nil {
		return fmt.Errorf("store: timeline of %s %s: %w", provider, ticketID, err)
	}
	for _, e := range evs {
		if e.Kind == EventReply {
			if replies > 0 {
				continue
			}
			replies++
		}
		seq++
		if _, err := tx.ExecContext(ctx, sqlInsertEvent, provider, ticketID, seq, eventMillis(e.At), e.Kind, e.Status); err != nil {
			return fmt.Errorf("store: record %s event of %s %s: %w", e.Kind, provider, ticketID, err)
		}
	}
	return nil
}

// TicketsIn lists the stored state of the tickets the chat follows, or of every stored
// ticket when platform is "", ordered by provider and ticket id.
func (s *SQL) TicketsIn(ctx context.Context, platform, chatID string) ([]TicketState, error) {
	if platform == "" {
		return s.Tickets(ctx, "")
	}
	rows, err := s.db.QueryContext(ctx, sqlChatTickets, platform, chatID)
	if err != nil {
		return nil, fmt.Errorf("store: tickets in %s/%s: %w", platform, chatID, err)
	}
	defer rows.Close()
	var ts []TicketState
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, fmt.Errorf("store: tickets in %s/%s: %w", platform, chatID, err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: tickets in %s/%s: %w", platform, chatID, err)
	}
	return ts, nil
}

// TimelineIn lists the timeline events recorded before until (those of an unknown time
// included) of the tickets the chat follows, or of every ticket when platform is "";
// ordered by provider, ticket id and seq.
func (s *SQL) TimelineIn(ctx context.Context, platform, chatID string, until time.Time) ([]TicketEvent, error) {
	q, args := sqlAllEvents, []any{millis(until)}
	if platform != "" {
		q, args = sqlChatEvents, []any{platform, chatID, millis(until)}
	}
	out, err := s.events(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: timeline in %q/%q: %w", platform, chatID, err)
	}
	return out, nil
}

// TimelineOf lists one ticket's timeline in the order it was recorded.
func (s *SQL) TimelineOf(ctx context.Context, provider, ticketID string) ([]TicketEvent, error) {
	out, err := s.events(ctx, sqlTicketEvents, provider, ticketID)
	if err != nil {
		return nil, fmt.Errorf("store: timeline of %s %s: %w", provider, ticketID, err)
	}
	return out, nil
}

// events reads the timeline rows a query selects (provider, ticket_id, seq, at, kind,
// status); an at of 0 (a time not known) is the zero time.
func (s *SQL) events(ctx context.Context, q string, args ...any) ([]TicketEvent, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TicketEvent
	for rows.Next() {
		var e TicketEvent
		var at int64
		if err := rows.Scan(&e.Provider, &e.TicketID, &e.Seq, &at, &e.Kind, &e.Status); err != nil {
			return nil, err
		}
		if at != 0 {
			e.At = fromMillis(at)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// RecordEvents appends evs to the timeline of a stored ticket whose state they do not change
// (our side answering it: EventAnswered). ErrNotFound when the bot never stored the ticket.
func (s *SQL) RecordEvents(ctx context.Context, provider, ticketID string, evs []TicketEvent) error {
	if err := need("record events", "provider", provider, "ticket_id", ticketID); err != nil {
		return err
	}
	if len(evs) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, sqlLockTicket, provider, ticketID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		return recordEvents(ctx, tx, provider, ticketID, evs)
	})
	if err != nil {
		return fmt.Errorf("store: record events of %s %s: %w", provider, ticketID, err)
	}
	return nil
}
