package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

const (
	ticketCols = `provider, ticket_id, status, raw_status, last_note_id, creator_user_id, snapshot, updated_at`
	// stateCols are read, never written by SaveTicket: claims and status changes own them.
	stateCols = `, version, acted_by, acted_op, acted_state, acted_at`

	// The creator is set once, when the bot creates the ticket; the watcher saves what it
	// sees at the vendor, which does not know our chat users. So an empty creator keeps the
	// stored one instead of erasing it. Every other field is replaced.
	sqlSaveTicket = `INSERT INTO tickets (` + ticketCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (provider, ticket_id) DO UPDATE SET
			status = excluded.status,
			raw_status = excluded.raw_status,
			last_note_id = excluded.last_note_id,
			creator_user_id = CASE WHEN excluded.creator_user_id = ''
				THEN tickets.creator_user_id ELSE excluded.creator_user_id END,
			snapshot = excluded.snapshot,
			updated_at = excluded.updated_at`
	sqlTicket = `SELECT ` + ticketCols + stateCols + ` FROM tickets WHERE provider = $1 AND ticket_id = $2`
	// Two statements rather than "$1 = '' OR provider = $1": PostgreSQL must infer one type
	// per parameter, and the planner can use the primary key only in the second form.
	sqlAllTickets      = `SELECT ` + ticketCols + stateCols + ` FROM tickets ORDER BY provider, ticket_id`
	sqlProviderTickets = `SELECT ` + ticketCols + stateCols + ` FROM tickets WHERE provider = $1 ORDER BY ticket_id`
)

// SaveTicket stores the ticket's last seen state, and its Events in its timeline with it. An
// empty CreatorUserID keeps the stored one.
func (s *SQL) SaveTicket(ctx context.Context, t TicketState) error {
	if err := need("save ticket", "provider", t.Provider, "ticket_id", t.TicketID); err != nil {
		return err
	}
	args := []any{t.Provider, t.TicketID, t.Status, t.RawStatus, t.LastNoteID, t.CreatorUserID, t.Snapshot, millis(t.UpdatedAt)}
	if len(t.Events) == 0 {
		if _, err := s.db.ExecContext(ctx, sqlSaveTicket, args...); err != nil {
			return fmt.Errorf("store: save ticket %s %s: %w", t.Provider, t.TicketID, err)
		}
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: save ticket %s %s: %w", t.Provider, t.TicketID, err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, sqlSaveTicket, args...); err != nil {
		return fmt.Errorf("store: save ticket %s %s: %w", t.Provider, t.TicketID, err)
	}
	if err := recordEvents(ctx, tx, t.Provider, t.TicketID, t.Events); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: save ticket %s %s: %w", t.Provider, t.TicketID, err)
	}
	return nil
}

// Ticket loads the ticket's last seen state.
func (s *SQL) Ticket(ctx context.Context, provider, ticketID string) (TicketState, error) {
	t, err := scanTicket(s.db.QueryRowContext(ctx, sqlTicket, provider, ticketID))
	if err != nil {
		return TicketState{}, fmt.Errorf("store: ticket %s %s: %w", provider, ticketID, err)
	}
	return t, nil
}

// Tickets lists the tracked tickets of provider (of every provider if it is empty), ordered
// by provider and ticket id.
func (s *SQL) Tickets(ctx context.Context, provider string) ([]TicketState, error) {
	var rows *sql.Rows
	var err error
	if provider == "" {
		rows, err = s.db.QueryContext(ctx, sqlAllTickets)
	} else {
		rows, err = s.db.QueryContext(ctx, sqlProviderTickets, provider)
	}
	if err != nil {
		return nil, fmt.Errorf("store: tickets of %q: %w", provider, err)
	}
	defer rows.Close()
	var ts []TicketState
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, fmt.Errorf("store: tickets of %q: %w", provider, err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: tickets of %q: %w", provider, err)
	}
	return ts, nil
}

// TicketsWithStatus lists the tracked tickets whose watched state is one of statuses,
// ordered by provider and ticket id: the few that wait on us, without reading every ticket.
func (s *SQL) TicketsWithStatus(ctx context.Context, statuses ...string) ([]TicketState, error) {
	if len(statuses) == 0 {
		return nil, nil
	}
	marks := make([]string, len(statuses))
	args := make([]any, len(statuses))
	for i, st := range statuses {
		marks[i], args[i] = fmt.Sprintf("$%d", i+1), st
	}
	q := `SELECT ` + ticketCols + stateCols + ` FROM tickets WHERE status IN (` + strings.Join(marks, ", ") + `) ORDER BY provider, ticket_id`
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: tickets in %v: %w", statuses, err)
	}
	defer rows.Close()
	var ts []TicketState
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, fmt.Errorf("store: tickets in %v: %w", statuses, err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: tickets in %v: %w", statuses, err)
	}
	return ts, nil
}

// scanTicket reads the columns of ticketCols; no row becomes ErrNotFound.
func scanTicket(r scanner) (TicketState, error) {
	var t TicketState
	var at, actedAt int64
	err := r.Scan(&t.Provider, &t.TicketID, &t.Status, &t.RawStatus, &t.LastNoteID,
		&t.CreatorUserID, &t.Snapshot, &at, &t.Version, &t.ActedBy, &t.ActedOp, &t.ActedState, &actedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return TicketState{}, ErrNotFound
	}
	if err != nil {
		return TicketState{}, err
	}
	t.UpdatedAt = fromMillis(at)
	if actedAt != 0 {
		t.ActedAt = fromMillis(actedAt)
	}
	return t, nil
}
