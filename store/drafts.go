package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Draft is a create a person began on a card that holds no inputs (the guided 建单): what
// they chose on it, waiting for their next message in the chat to bring the title and the
// details.
type Draft struct {
	Platform string
	ChatID   string
	UserID   string // the platform's id of the person
	// FormKey is the key of the card the draft came from: the create's job is named by it,
	// so one card creates one ticket however often it is answered.
	FormKey string
	// Provider, Priority and Type are what was chosen: a vendor's name, a normalized
	// priority ("high") and type ("question").
	Provider string
	Priority string
	Type     string
	// CreatedAt is when it was chosen; a draft lives a while from then (command/draft.go).
	CreatedAt time.Time
}

const (
	draftCols = `form_key, provider, priority, type, created_at`

	sqlSaveDraft = `INSERT INTO drafts (platform, chat_id, user_id, ` + draftCols + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (platform, chat_id, user_id) DO UPDATE SET form_key = excluded.form_key,
			provider = excluded.provider, priority = excluded.priority, type = excluded.type,
			created_at = excluded.created_at`
	// Taking is one statement: of two messages taking one draft at once (on two replicas),
	// exactly one deletes the row and gets it back; the other finds none. An empty $4 takes
	// the person's draft whatever its card; else only the draft of that card.
	sqlTakeDraft = `DELETE FROM drafts WHERE platform = $1 AND chat_id = $2 AND user_id = $3
		AND ($4 = '' OR form_key = $4)
		RETURNING ` + draftCols
	sqlPruneDrafts = `DELETE FROM drafts WHERE created_at < $1`
	sqlAllDrafts   = `SELECT platform, chat_id, user_id, ` + draftCols + ` FROM drafts
		ORDER BY platform, chat_id, user_id LIMIT $1`
)

// SaveDraft stores d, replacing the person's earlier draft in that chat: a person has one
// create under way per chat, the one of the card they submitted last.
func (s *SQL) SaveDraft(ctx context.Context, d Draft) error {
	if err := need("save draft", "platform", d.Platform, "chat_id", d.ChatID, "user_id", d.UserID,
		"form_key", d.FormKey, "provider", d.Provider); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, sqlSaveDraft, d.Platform, d.ChatID, d.UserID, d.FormKey, d.Provider,
		d.Priority, d.Type, millis(d.CreatedAt)); err != nil {
		return fmt.Errorf("store: save draft of %s in %s %s: %w", d.UserID, d.Platform, d.ChatID, err)
	}
	return nil
}

// TakeDraft takes the person's draft in the chat out of the store and returns it: the one of
// the card formKey, or whichever there is when formKey is empty. It answers ErrNotFound when
// there is none, or when the draft was made before since: an expired draft is taken all the
// same, and is gone. Of several callers taking one draft at once, even on several replicas,
// exactly one gets it.
func (s *SQL) TakeDraft(ctx context.Context, platform, chatID, userID, formKey string, since time.Time) (Draft, error) {
	d := Draft{Platform: platform, ChatID: chatID, UserID: userID}
	var at int64
	err := s.db.QueryRowContext(ctx, sqlTakeDraft, platform, chatID, userID, formKey).
		Scan(&d.FormKey, &d.Provider, &d.Priority, &d.Type, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Draft{}, ErrNotFound
	}
	if err != nil {
		return Draft{}, fmt.Errorf("store: take draft of %s in %s %s: %w", userID, platform, chatID, err)
	}
	d.CreatedAt = fromMillis(at)
	if d.CreatedAt.Before(since) {
		return Draft{}, ErrNotFound
	}
	return d, nil
}

// PruneDrafts forgets the drafts made before before: the ones nobody answered.
func (s *SQL) PruneDrafts(ctx context.Context, before time.Time) error {
	if _, err := s.db.ExecContext(ctx, sqlPruneDrafts, millis(before)); err != nil {
		return fmt.Errorf("store: prune drafts: %w", err)
	}
	return nil
}

// AllDrafts lists every stored draft, at most limit: the memory that tells the ack path who
// has a create waiting for their message (Cached.DraftWaitingNow).
func (s *SQL) AllDrafts(ctx context.Context, limit int) ([]Draft, error) {
	rows, err := s.db.QueryContext(ctx, sqlAllDrafts, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list drafts: %w", err)
	}
	defer rows.Close()
	var out []Draft
	for rows.Next() {
		var d Draft
		var at int64
		if err := rows.Scan(&d.Platform, &d.ChatID, &d.UserID, &d.FormKey, &d.Provider, &d.Priority, &d.Type, &at); err != nil {
			return nil, fmt.Errorf("store: list drafts: %w", err)
		}
		d.CreatedAt = fromMillis(at)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list drafts: %w", err)
	}
	return out, nil
}
