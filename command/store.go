package command

import (
	"context"
	"time"

	"github.com/ticketbot/ticketbot/report"
	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/tickets"
	"github.com/ticketbot/ticketbot/work"
)

// Store is what the handlers need of the store: the work engine's and the ticket book's
// parts (they are made here), and the handlers' own: cards, follows, audit, pruning ([retention]),
// the weekly figures' reads.
type Store interface {
	work.Store
	tickets.Store
	SaveCard(ctx context.Context, c store.Card) error
	CardByMessage(ctx context.Context, platform, messageID string) (store.Card, error)
	CardsForTicket(ctx context.Context, provider, ticketID string) ([]store.Card, error)
	Follow(ctx context.Context, f store.Follow) error
	Unfollow(ctx context.Context, platform, chatID, provider, ticketID string) (bool, error)
	Following(ctx context.Context, platform, chatID string) ([]store.Follow, error)
	Followers(ctx context.Context, provider, ticketID string) ([]store.Follow, error)
	Identities
	Owners
	Subscriptions
	RecordAudit(ctx context.Context, a store.AuditEntry) error
	Languages(ctx context.Context, platform, chatID, userID string) (store.Languages, error)
	report.Source
	SetLanguage(ctx context.Context, c store.LanguageChoice) error
	PruneProcessed(ctx context.Context, before time.Time) error
	PruneNotices(ctx context.Context, before time.Time) error
	PruneAudit(ctx context.Context, before time.Time) error
	SaveDraft(ctx context.Context, d store.Draft) error
	TakeDraft(ctx context.Context, platform, chatID, userID, formKey string, since time.Time) (store.Draft, error)
	PruneDrafts(ctx context.Context, before time.Time) error
}
