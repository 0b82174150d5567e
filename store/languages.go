package store

import (
	"context"
	"fmt"
	"time"
)

// The scopes of a language choice: a chat's, set by its admins for everyone in it, and a
// person's own, which follows them into every chat of the platform.
const (
	ScopeChat   = "chat"
	ScopePerson = "person"
)

// LanguageChoice is a language chosen for a chat or by a person.
type LanguageChoice struct {
	Platform string
	Scope    string // ScopeChat or ScopePerson
	ID       string // the chat id, or the person's user id
	// Language is "zh" or "en"; "" forgets the choice (the configuration decides again).
	Language string
	By       string // who chose it (platform user id)
	At       time.Time
}

// Languages are the stored choices that bear on one person in one chat; "" where there is
// none.
type Languages struct{ Chat, Person string }

const (
	sqlSetLanguage = `INSERT INTO languages (platform, scope, id, language, set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (platform, scope, id) DO UPDATE SET
			language = excluded.language, set_by = excluded.set_by, set_at = excluded.set_at`
	sqlForgetLanguage = `DELETE FROM languages WHERE platform = $1 AND scope = $2 AND id = $3`
	// One read for both: it sits on every command's path.
	sqlLanguages = `SELECT scope, language FROM languages
		WHERE platform = $1 AND ((scope = 'chat' AND id = $2) OR (scope = 'person' AND id = $3))`
	sqlAllLanguages = `SELECT platform, scope, id, language FROM languages ORDER BY platform, scope, id LIMIT $1`
)

// AllLanguages lists every stored choice, at most limit: the memory that answers the ack
// path holds them all (store.Cached).
func (s *SQL) AllLanguages(ctx context.Context, limit int) ([]LanguageChoice, error) {
	rows, err := s.db.QueryContext(ctx, sqlAllLanguages, limit)
	if err != nil {
		return nil, fmt.Errorf("store: all languages: %w", err)
	}
	defer rows.Close()
	var out []LanguageChoice
	for rows.Next() {
		var c LanguageChoice
		if err := rows.Scan(&c.Platform, &c.Scope, &c.ID, &c.Language); err != nil {
			return nil, fmt.Errorf("store: all languages: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: all languages: %w", err)
	}
	return out, nil
}

// SetLanguage stores a chat's or a person's language, replacing the one before; an empty
// Language forgets it.
func (s *SQL) SetLanguage(ctx context.Context, c LanguageChoice) error {
	if err := need("set language", "platform", c.Platform, "scope", c.Scope, "id", c.ID); err != nil {
		return err
	}
	if c.Scope != ScopeChat && c.Scope != ScopePerson {
		return fmt.Errorf("store: set language: unknown scope %q", c.Scope)
	}
	var err error
	if c.Language == "" {
		_, err = s.db.ExecContext(ctx, sqlForgetLanguage, c.Platform, c.Scope, c.ID)
	} else {
		_, err = s.db.ExecContext(ctx, sqlSetLanguage, c.Platform, c.Scope, c.ID, c.Language, c.By, millis(c.At))
	}
	if err != nil {
		return fmt.Errorf("store: set language of %s %s/%s: %w", c.Scope, c.Platform, c.ID, err)
	}
	return nil
}

// Languages reads the chat's and the person's stored languages.
func (s *SQL) Languages(ctx context.Context, platform, chatID, userID string) (Languages, error) {
	var l Languages
	rows, err := s.db.QueryContext(ctx, sqlLanguages, platform, chatID, userID)
	if err != nil {
		return l, fmt.Errorf("store: languages in %s/%s: %w", platform, chatID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var scope, lang string
		if err := rows.Scan(&scope, &lang); err != nil {
			return Languages{}, fmt.Errorf("store: languages in %s/%s: %w", platform, chatID, err)
		}
		if scope == ScopeChat {
			l.Chat = lang
		} else {
			l.Person = lang
		}
	}
	if err := rows.Err(); err != nil {
		return Languages{}, fmt.Errorf("store: languages in %s/%s: %w", platform, chatID, err)
	}
	return l, nil
}
