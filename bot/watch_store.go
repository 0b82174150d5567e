package bot

import (
	"context"
	"time"

	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/tickets"
)

// WatchStore is what the watcher needs of the store: the ticket book's part, what is
// followed and where its cards are, and the notices it owes.
type WatchStore interface {
	tickets.Store
	SubscriptionFollows
	Tickets(ctx context.Context, provider string) ([]store.TicketState, error)
	AllFollows(ctx context.Context) ([]store.Follow, error)
	Followers(ctx context.Context, provider, ticketID string) ([]store.Follow, error)
	CardInChat(ctx context.Context, platform, chatID, provider, ticketID string) (store.Card, error)
	CardsForTicket(ctx context.Context, provider, ticketID string) ([]store.Card, error)
	EnqueueNotice(ctx context.Context, n store.Notice) (bool, error)
	PendingNotices(ctx context.Context, now time.Time, limit int) ([]store.Notice, error)
	LeaseNotices(ctx context.Context, ids []string, now, leaseEnd time.Time) ([]string, error)
	ReleaseNotices(ctx context.Context, ids []string) error
	MarkNoticesSent(ctx context.Context, ids []string, at time.Time) error
	DeferNotices(ctx context.Context, ids []string, next time.Time, reason string) error
	GiveUpNotices(ctx context.Context, before, now time.Time) (int, error)
	// TicketsWithStatus and TimelineOf find the tickets that wait on us and since when
	// (remind.go).
	TicketsWithStatus(ctx context.Context, statuses ...string) ([]store.TicketState, error)
	TimelineOf(ctx context.Context, provider, ticketID string) ([]store.TicketEvent, error)
}
