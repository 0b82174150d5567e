// Package store persists what the bot must remember across restarts: which card shows which
// ticket in which chat, which chats follow which tickets, each ticket's last seen state, and
// processed delivery ids. SQLite is the embedded default; PostgreSQL serves several replicas.
package store

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned when a lookup finds nothing.
var ErrNotFound = errors.New("store: not found")

// Store is the whole persistence contract a driver implements (and Cached passes through).
// Consumers do not take it: each declares the narrow part it uses (work.Store, tickets.Store,
// bot.WatchStore, command.Store, …). Implementations are safe for concurrent use.
type Store interface {
	// MarkProcessed records a delivery id (a platform's event_id / message_id or msgid) and
	// reports whether it was new. A false result means the delivery is a duplicate.
	MarkProcessed(ctx context.Context, key string, at time.Time) (fresh bool, err error)
	// PruneProcessed forgets delivery ids older than before.
	PruneProcessed(ctx context.Context, before time.Time) error

	// SaveCard records a card of a ticket in a chat; a chat may hold several of one ticket.
	SaveCard(ctx context.Context, c Card) error
	// CardByMessage finds the card a message id belongs to.
	CardByMessage(ctx context.Context, platform, messageID string) (Card, error)
	// CardInChat finds the ticket's first card in one chat: the thread anchor of notices.
	CardInChat(ctx context.Context, platform, chatID, provider, ticketID string) (Card, error)
	// CardsForTicket lists the live cards of the ticket in every chat (at most LiveCards per
	// chat, newest first, the anchor last).
	CardsForTicket(ctx context.Context, provider, ticketID string) ([]Card, error)

	// Follow makes a chat follow a ticket; following twice is not an error.
	Follow(ctx context.Context, f Follow) error
	// Unfollow stops a chat following a ticket; it reports whether it was following.
	Unfollow(ctx context.Context, platform, chatID, provider, ticketID string) (bool, error)
	// Following lists the tickets a chat follows, oldest first.
	Following(ctx context.Context, platform, chatID string) ([]Follow, error)
	// AllFollows lists every follow, ordered by provider and ticket.
	AllFollows(ctx context.Context) ([]Follow, error)
	// Followers lists the chats that follow a ticket.
	Followers(ctx context.Context, provider, ticketID string) ([]Follow, error)

	// SaveTicket stores the ticket's last seen state.
	SaveTicket(ctx context.Context, t TicketState) error
	// Ticket loads the ticket's last seen state.
	Ticket(ctx context.Context, provider, ticketID string) (TicketState, error)
	// Tickets lists the tracked tickets of a provider (of every provider if it is empty),
	// ordered by provider and ticket id: the watcher's list of what to refresh.
	Tickets(ctx context.Context, provider string) ([]TicketState, error)
	// TicketsIn lists the tickets a chat follows (every ticket when platform is ""), and
	// TimelineIn their timeline before until: what the weekly figures are computed from.
	TicketsIn(ctx context.Context, platform, chatID string) ([]TicketState, error)
	TimelineIn(ctx context.Context, platform, chatID string, until time.Time) ([]TicketEvent, error)
	// TicketsWithStatus lists the tickets in one of statuses (those waiting on us); TimelineOf
	// one ticket's timeline; RecordEvents adds events that change no state (our answer).
	TicketsWithStatus(ctx context.Context, statuses ...string) ([]TicketState, error)
	TimelineOf(ctx context.Context, provider, ticketID string) ([]TicketEvent, error)
	RecordEvents(ctx context.Context, provider, ticketID string, evs []TicketEvent) error

	// AdvanceTicket moves a ticket from prev (as the caller read it) to next and records the
	// notices the change owes, atomically; false means the stored state was no longer prev.
	AdvanceTicket(ctx context.Context, prev, next TicketState, notices []Notice) (bool, error)
	// EnqueueNotice records one notice not tied to a ticket change (the daily summary); its
	// id is its key, so false means it was recorded before.
	EnqueueNotice(ctx context.Context, n Notice) (bool, error)
	// PendingNotices lists undelivered notices due at now, oldest first.
	PendingNotices(ctx context.Context, now time.Time, limit int) ([]Notice, error)
	// MarkNoticesSent records notices as delivered.
	MarkNoticesSent(ctx context.Context, ids []string, at time.Time) error
	// DeferNotices puts notices off until next after a failed delivery.
	DeferNotices(ctx context.Context, ids []string, next time.Time, reason string) error
	// LeaseNotices leases the pending notices among ids until leaseEnd; it returns those won.
	LeaseNotices(ctx context.Context, ids []string, now, leaseEnd time.Time) ([]string, error)
	// ReleaseNotices ends the lease of notices left unsent.
	ReleaseNotices(ctx context.Context, ids []string) error
	// GiveUpNotices gives up undelivered notices made before before; it returns how many.
	GiveUpNotices(ctx context.Context, before, now time.Time) (int, error)
	// PruneNotices forgets notices sent or given up before before.
	PruneNotices(ctx context.Context, before time.Time) error

	// ClaimTicket is the compare-and-set of card actions (see SQL.ClaimTicket).
	ClaimTicket(ctx context.Context, provider, ticketID string, version int64, c Claim) (TicketState, bool, error)
	// SettleClaim records how a claim ended: ClaimDone, ClaimQueued, or "" to revert it.
	SettleClaim(ctx context.Context, provider, ticketID string, version int64, state string) error

	// EnqueueJob stores a job; false means its id (the idempotency key) exists already. A job
	// given as JobRunning with a LeaseEnd is stored started: not due until that lease ends.
	EnqueueJob(ctx context.Context, j Job) (bool, error)
	// Job loads one job.
	Job(ctx context.Context, id string) (Job, error)
	// DueJobs lists the jobs to try at now, including running ones whose lease ran out.
	DueJobs(ctx context.Context, now time.Time, limit int) ([]Job, error)
	// DueJobsByChat is DueJobs with at most perChat jobs of any one chat.
	DueJobsByChat(ctx context.Context, now time.Time, limit, perChat int) ([]Job, error)
	// JobsSince lists the jobs created at or after since.
	JobsSince(ctx context.Context, since time.Time) ([]Job, error)
	// StartJob marks a due job running until leaseEnd; false means another runner has it.
	StartJob(ctx context.Context, j Job, now, leaseEnd time.Time) (bool, error)
	// FinishJob ends a running job and enqueues the jobs it leads to, atomically.
	// It is fenced by j.Attempts: a lost lease answers ErrLeaseLost and changes nothing.
	FinishJob(ctx context.Context, j Job, state string, at time.Time, lastErr string, next ...Job) error
	// DeferJob puts a running job back until next (fenced like FinishJob).
	DeferJob(ctx context.Context, j Job, next time.Time, lastErr string) error
	// PruneJobs forgets finished jobs older than before.
	PruneJobs(ctx context.Context, before time.Time) error

	// RecordAudit appends an audit entry; Audit lists them from since to until.
	RecordAudit(ctx context.Context, a AuditEntry) error
	Audit(ctx context.Context, since, until time.Time) ([]AuditEntry, error)
	// PruneAudit forgets entries recorded before before.
	PruneAudit(ctx context.Context, before time.Time) error

	// SetLanguage stores the language a chat or a person chose ("" forgets it).
	SetLanguage(ctx context.Context, c LanguageChoice) error
	// Languages reads the chat's and the person's stored languages; AllLanguages lists every
	// stored choice, at most limit.
	Languages(ctx context.Context, platform, chatID, userID string) (Languages, error)
	AllLanguages(ctx context.Context, limit int) ([]LanguageChoice, error)
	// Bind records who a chat user is at a vendor (see SQL.Bind); Unbind removes it;
	// Bindings lists a person's, BindingOf one (ErrNotFound when unbound).
	Bind(ctx context.Context, b Binding, takeOver bool) (displaced Binding, err error)
	Unbind(ctx context.Context, platform, userID, provider string) (bool, error)
	Bindings(ctx context.Context, platform, userID string) ([]Binding, error)
	BindingOf(ctx context.Context, platform, userID, provider string) (Binding, error)
	// TellDefault reports whether the person is told now, the first time, that they act as
	// a vendor's configured default identity; ForgetTold makes the next time a first again.
	TellDefault(ctx context.Context, platform, userID, provider string, at time.Time) (bool, error)
	ForgetTold(ctx context.Context, platform, userID, provider string) error
	// SaveDraft stores a person's create under way in a chat (a card's choices waiting for the
	// title); TakeDraft takes it out, once (see SQL.TakeDraft); PruneDrafts forgets the
	// drafts made before before; AllDrafts lists every stored draft, at most limit.
	SaveDraft(ctx context.Context, d Draft) error
	TakeDraft(ctx context.Context, platform, chatID, userID, formKey string, since time.Time) (Draft, error)
	PruneDrafts(ctx context.Context, before time.Time) error
	AllDrafts(ctx context.Context, limit int) ([]Draft, error)
	// ClaimOwner, SetOwner, OwnerOf, Owned and OwnersOf are who in a chat owns a ticket
	// (owners.go).
	ClaimOwner(ctx context.Context, o Owner) (Owner, bool, error)
	SetOwner(ctx context.Context, o Owner) (Owner, error)
	OwnerOf(ctx context.Context, platform, chatID, provider, ticketID string) (Owner, error)
	Owned(ctx context.Context, platform, chatID, userID string) ([]Owner, error)
	OwnersOf(ctx context.Context, provider, ticketID string) ([]Owner, error)
	// Subscribe, Subscriptions, AllSubscriptions, Unsubscribe and AdvanceSubscription are a
	// chat's subscriptions to a vendor's tickets (subscriptions.go).
	Subscribe(ctx context.Context, sub Subscription) (Subscription, bool, error)
	Subscriptions(ctx context.Context, platform, chatID string) ([]Subscription, error)
	AllSubscriptions(ctx context.Context) ([]Subscription, error)
	Unsubscribe(ctx context.Context, platform, chatID string, n int64) (Subscription, error)
	AdvanceSubscription(ctx context.Context, platform, chatID string, n int64, cursor time.Time) error

	// Close releases the database.
	Close() error

	// Spill keeps a batch of deliveries in the inbox, in one row.
	Spill(ctx context.Context, b Spilled) error
	// TakeInbox takes the oldest kept batches out of the inbox.
	TakeInbox(ctx context.Context, limit int) ([]Spilled, error)
	// InboxSize is how many deliveries wait in the inbox.
	InboxSize(ctx context.Context) (int, error)
}

// Card is a message the bot posted that shows one ticket in one chat.
type Card struct {
	Platform  string
	ChatID    string
	MessageID string
	Provider  string
	TicketID  string
	UpdatedAt time.Time
}

// Follow says a chat follows a ticket.
type Follow struct {
	Platform string
	ChatID   string
	Provider string
	TicketID string
	// By is the platform user id of the person who created or followed it.
	By        string
	CreatedAt time.Time
}

// TicketState is what the bot last saw of a ticket.
type TicketState struct {
	Provider  string
	TicketID  string
	Status    string // normalized status
	RawStatus string
	// LastNoteID is the id of the newest vendor note seen.
	LastNoteID string
	// CreatorUserID is the chat user (platform:user id) who created it through the bot, if any.
	CreatorUserID string
	// Snapshot is the last seen providers.Ticket as JSON, so cards can be redrawn without a
	// vendor call (the reply form, the list).
	Snapshot  []byte
	UpdatedAt time.Time

	// Version grows with every status change and every won claim (ClaimTicket); SaveTicket
	// neither reads nor writes it. ActedBy, ActedOp, ActedState and ActedAt describe the last
	// won claim.
	Version    int64
	ActedBy    string
	ActedOp    string
	ActedState string
	ActedAt    time.Time

	// Events are what this state adds to the ticket's timeline (timeline.go): SaveTicket and
	// AdvanceTicket record them with the state, in one transaction, so a change is in the
	// timeline exactly when it is stored. Reads leave it empty.
	Events []TicketEvent
}
