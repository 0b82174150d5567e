package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ticketbot/ticketbot/internal/ttl"
)

// DefaultCacheTTL is what NewCached uses when given a ttl that is not positive. It covers
// the quick redeliveries (one platform retries within seconds; another after 15 s and 5 min);
// the late ones (its 1 h and 6 h retries) fall through to the database, which catches them.
const DefaultCacheTTL = 10 * time.Minute

// How much the memory holds at most, whatever the traffic: about 100 B an id, 300 B a card.
const (
	maxSeen   = 100_000
	maxCards  = 50_000
	maxMisses = 50_000
	maxLangs  = 100_000
	maxDrafts = 100_000
	// missTTL is how long "no card has this message id" is believed: a thread reply under
	// someone's own message costs one database read per minute, not one per reply. A card is
	// saved before anyone can answer it, so only a reply racing its card's SaveCard on another
	// replica could be misjudged, for at most this long.
	missTTL = 30 * time.Second
	// langTTL is how long a language choice (or its absence) is believed: a choice made on
	// another replica reaches this one's answers within it (this replica's own at once).
	langTTL = time.Minute
)

// Cached is a Store with an in-memory cache in front of MarkProcessed and CardByMessage, the
// two calls made for every inbound event and every button click. Everything else goes
// straight to the wrapped Store. Each cache is bounded in time and count.
//
// The wrapped Store stays the authority. The memory can only answer "duplicate" for a
// delivery id this process has already seen stored; a miss always asks the database. That
// keeps several replicas behind one PostgreSQL correct: a redelivery that lands on another
// replica is caught by the database's atomic insert, never declared new from memory. Card
// lookups are weaker: SaveCard invalidates only this process's memory, so after another
// replica gives a message to another ticket, this one may answer with the old ticket for up
// to ttl, and a message found to be no card is believed for missTTL.
type Cached struct {
	next Store
	seen *ttl.Cache[string, struct{}] // delivery id: known processed

	mu     sync.Mutex                   // orders card fills against SaveCard invalidations
	gen    uint64                       // bumped by every SaveCard; see CardByMessage
	cards  *ttl.Cache[string, Card]     // platform, message id → Card
	misses *ttl.Cache[string, struct{}] // platform, message id: no card

	langGen uint64                      // bumped by every SetLanguage, under mu
	langs   *ttl.Cache[langKey, string] // language ("": none chosen)
	// snap is every stored choice, where there are at most langLimit (cached_languages.go);
	// now is the snapshot's clock.
	snap       atomic.Pointer[langSnapshot]
	langLimit  int
	now        func() time.Time
	refreshing atomic.Bool
	bg         sync.WaitGroup // the snapshots' refreshes, waited for by Close

	// drafts is who has a create waiting for their message, where there are at most
	// draftLimit drafts (cached_drafts.go); draftGen is bumped by every write of one, under mu.
	drafts          atomic.Pointer[draftSnapshot]
	draftGen        uint64
	draftLimit      int
	draftRefreshing atomic.Bool
	sole            bool // this process is the store's only writer (Sole)
}

var _ Store = (*Cached)(nil)

// NewCached wraps s. Entries live for life (DefaultCacheTTL if life <= 0).
func NewCached(s Store, life time.Duration) *Cached {
	if life <= 0 {
		life = DefaultCacheTTL
	}
	return &Cached{
		next:       s,
		seen:       ttl.New[string, struct{}](maxSeen, life),
		cards:      ttl.New[string, Card](maxCards, life),
		misses:     ttl.New[string, struct{}](maxMisses, min(life, missTTL)),
		langs:      ttl.New[langKey, string](maxLangs, min(life, langTTL)),
		langLimit:  maxLangs,
		draftLimit: maxDrafts,
		now:        time.Now,
	}
}

// MarkProcessed answers a delivery id seen before from memory, without touching the
// database; otherwise it asks the wrapped Store and remembers the id whatever the answer,
// since after the call the id is stored either way.
func (c *Cached) MarkProcessed(ctx context.Context, key string, at time.Time) (bool, error) {
	if c.seen.Contains(key) {
		return false, nil
	}
	fresh, err := c.next.MarkProcessed(ctx, key, at)
	if err != nil {
		return false, err
	}
	c.seen.Add(key, struct{}{})
	return fresh, nil
}

// CardByMessage answers from memory when it can, a card and the absence of one alike.
func (c *Cached) CardByMessage(ctx context.Context, platform, messageID string) (Card, error) {
	k := messageKey(platform, messageID)
	if card, ok := c.cards.Get(k); ok {
		return card, nil
	}
	if c.misses.Contains(k) {
		return Card{}, ErrNotFound
	}
	c.mu.Lock()
	gen := c.gen
	c.mu.Unlock()

	card, err := c.next.CardByMessage(ctx, platform, messageID)

	c.mu.Lock()
	defer c.mu.Unlock()
	// A SaveCard that finished while we read may have made the answer stale; its
	// invalidation already ran, so caching now would undo it. A SaveCard still running will
	// invalidate after us.
	switch {
	case c.gen != gen:
	case err == nil:
		c.cards.Add(k, card)
	case errors.Is(err, ErrNotFound):
		c.misses.Add(k, struct{}{})
	}
	if err != nil {
		return Card{}, err
	}
	return card, nil
}

// IsCard reports whether messageID is one of the bot's cards, from memory when it can (the
// dispatcher asks it for every overheard thread reply).
func (c *Cached) IsCard(ctx context.Context, platform, messageID string) (bool, error) {
	_, err := c.CardByMessage(ctx, platform, messageID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// SaveCard saves through and then drops what it may have made stale: whatever c.MessageID
// showed before (a message may be given to another ticket), and a remembered absence. A
// ticket's other cards stay valid: a new card never takes an old one's place. The next
// lookup refills.
func (c *Cached) SaveCard(ctx context.Context, card Card) error {
	err := c.next.SaveCard(ctx, card)
	// Invalidate even on error: the write may have happened before the error was reported.
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	k := messageKey(card.Platform, card.MessageID)
	c.cards.Remove(k)
	c.misses.Remove(k)
	return err
}

// messageKey joins ids with NUL, which no platform or message id contains.
func messageKey(platform, messageID string) string { return platform + "\x00" + messageID }

// PruneProcessed passes through. Remembered ids expire from memory on their own.
func (c *Cached) PruneProcessed(ctx context.Context, before time.Time) error {
	return c.next.PruneProcessed(ctx, before)
}

// CardInChat passes through.
func (c *Cached) CardInChat(ctx context.Context, platform, chatID, provider, ticketID string) (Card, error) {
	return c.next.CardInChat(ctx, platform, chatID, provider, ticketID)
}

// CardsForTicket passes through.
func (c *Cached) CardsForTicket(ctx context.Context, provider, ticketID string) ([]Card, error) {
	return c.next.CardsForTicket(ctx, provider, ticketID)
}

// Follow passes through.
func (c *Cached) Follow(ctx context.Context, f Follow) error { return c.next.Follow(ctx, f) }

// Unfollow passes through.
func (c *Cached) Unfollow(ctx context.Context, platform, chatID, provider, ticketID string) (bool, error) {
	return c.next.Unfollow(ctx, platform, chatID, provider, ticketID)
}

// Following passes through.
func (c *Cached) Following(ctx context.Context, platform, chatID string) ([]Follow, error) {
	return c.next.Following(ctx, platform, chatID)
}

// Followers passes through.
func (c *Cached) Followers(ctx context.Context, provider, ticketID string) ([]Follow, error) {
	return c.next.Followers(ctx, provider, ticketID)
}

// SaveTicket passes through.
func (c *Cached) SaveTicket(ctx context.Context, t TicketState) error {
	return c.next.SaveTicket(ctx, t)
}

// Ticket passes through.
func (c *Cached) Ticket(ctx context.Context, provider, ticketID string) (TicketState, error) {
	return c.next.Ticket(ctx, provider, ticketID)
}

// Tickets passes through.
func (c *Cached) Tickets(ctx context.Context, provider string) ([]TicketState, error) {
	return c.next.Tickets(ctx, provider)
}

// TicketsIn passes through.
func (c *Cached) TicketsIn(ctx context.Context, platform, chatID string) ([]TicketState, error) {
	return c.next.TicketsIn(ctx, platform, chatID)
}

// TimelineIn passes through.
func (c *Cached) TimelineIn(ctx context.Context, platform, chatID string, until time.Time) ([]TicketEvent, error) {
	return c.next.TimelineIn(ctx, platform, chatID, until)
}

// TicketsWithStatus passes through.
func (c *Cached) TicketsWithStatus(ctx context.Context, statuses ...string) ([]TicketState, error) {
	return c.next.TicketsWithStatus(ctx, statuses...)
}

// TimelineOf passes through.
func (c *Cached) TimelineOf(ctx context.Context, provider, ticketID string) ([]TicketEvent, error) {
	return c.next.TimelineOf(ctx, provider, ticketID)
}

// RecordEvents passes through.
func (c *Cached) RecordEvents(ctx context.Context, provider, ticketID string, evs []TicketEvent) error {
	return c.next.RecordEvents(ctx, provider, ticketID, evs)
}

// Close closes the wrapped Store. The memory is released with the Cached value.
func (c *Cached) Close() error {
	c.bg.Wait()
	return c.next.Close()
}

// Bind passes through.
func (c *Cached) Bind(ctx context.Context, b Binding, takeOver bool) (Binding, error) {
	return c.next.Bind(ctx, b, takeOver)
}

// Unbind passes through.
func (c *Cached) Unbind(ctx context.Context, platform, userID, provider string) (bool, error) {
	return c.next.Unbind(ctx, platform, userID, provider)
}

// Bindings passes through.
func (c *Cached) Bindings(ctx context.Context, platform, userID string) ([]Binding, error) {
	return c.next.Bindings(ctx, platform, userID)
}

// BindingOf passes through.
func (c *Cached) BindingOf(ctx context.Context, platform, userID, provider string) (Binding, error) {
	return c.next.BindingOf(ctx, platform, userID, provider)
}

// TellDefault passes through.
func (c *Cached) TellDefault(ctx context.Context, platform, userID, provider string, at time.Time) (bool, error) {
	return c.next.TellDefault(ctx, platform, userID, provider, at)
}

// ForgetTold passes through.
func (c *Cached) ForgetTold(ctx context.Context, platform, userID, provider string) error {
	return c.next.ForgetTold(ctx, platform, userID, provider)
}

// ClaimOwner passes through: of two claims one wins, which only the database can say.
func (c *Cached) ClaimOwner(ctx context.Context, o Owner) (Owner, bool, error) {
	return c.next.ClaimOwner(ctx, o)
}

// SetOwner passes through.
func (c *Cached) SetOwner(ctx context.Context, o Owner) (Owner, error) {
	return c.next.SetOwner(ctx, o)
}

// OwnerOf passes through: an owner changes on any replica.
func (c *Cached) OwnerOf(ctx context.Context, platform, chatID, provider, ticketID string) (Owner, error) {
	return c.next.OwnerOf(ctx, platform, chatID, provider, ticketID)
}

// Owned passes through.
func (c *Cached) Owned(ctx context.Context, platform, chatID, userID string) ([]Owner, error) {
	return c.next.Owned(ctx, platform, chatID, userID)
}

// OwnersOf passes through.
func (c *Cached) OwnersOf(ctx context.Context, provider, ticketID string) ([]Owner, error) {
	return c.next.OwnersOf(ctx, provider, ticketID)
}

// MarkProcessedMany answers the keys seen before from memory and asks the wrapped Store about
// the rest in one batch when it can.
func (c *Cached) MarkProcessedMany(ctx context.Context, keys []string, at time.Time) ([]bool, error) {
	fresh := make([]bool, len(keys))
	var ask []string
	var idx []int
	for i, k := range keys {
		if !c.seen.Contains(k) {
			ask = append(ask, k)
			idx = append(idx, i)
		}
	}
	if len(ask) == 0 {
		return fresh, nil
	}
	var got []bool
	if b, ok := c.next.(interface {
		MarkProcessedMany(context.Context, []string, time.Time) ([]bool, error)
	}); ok {
		var err error
		if got, err = b.MarkProcessedMany(ctx, ask, at); err != nil {
			return nil, err
		}
	} else {
		got = make([]bool, len(ask))
		for i, k := range ask {
			f, err := c.next.MarkProcessed(ctx, k, at)
			if err != nil {
				return nil, err
			}
			got[i] = f
		}
	}
	for j, i := range idx {
		fresh[i] = got[j]
		c.seen.Add(keys[i], struct{}{})
	}
	return fresh, nil
}

// AdvanceTicket passes through: the watcher's state lives in the database only.
func (c *Cached) AdvanceTicket(ctx context.Context, prev, next TicketState, notices []Notice) (bool, error) {
	return c.next.AdvanceTicket(ctx, prev, next, notices)
}

// EnqueueNotice passes through.
func (c *Cached) EnqueueNotice(ctx context.Context, n Notice) (bool, error) {
	return c.next.EnqueueNotice(ctx, n)
}

// PendingNotices passes through.
func (c *Cached) PendingNotices(ctx context.Context, now time.Time, limit int) ([]Notice, error) {
	return c.next.PendingNotices(ctx, now, limit)
}

// MarkNoticesSent passes through.
func (c *Cached) MarkNoticesSent(ctx context.Context, ids []string, at time.Time) error {
	return c.next.MarkNoticesSent(ctx, ids, at)
}

// DeferNotices passes through.
func (c *Cached) DeferNotices(ctx context.Context, ids []string, next time.Time, reason string) error {
	return c.next.DeferNotices(ctx, ids, next, reason)
}

// AllFollows passes through.
func (c *Cached) AllFollows(ctx context.Context) ([]Follow, error) { return c.next.AllFollows(ctx) }

// Claims, jobs and audit are writes whose whole point is the database's atomicity: they
// always go straight through.

func (c *Cached) ClaimTicket(ctx context.Context, provider, ticketID string, version int64, cl Claim) (TicketState, bool, error) {
	return c.next.ClaimTicket(ctx, provider, ticketID, version, cl)
}

func (c *Cached) SettleClaim(ctx context.Context, provider, ticketID string, version int64, state string) error {
	return c.next.SettleClaim(ctx, provider, ticketID, version, state)
}

func (c *Cached) EnqueueJob(ctx context.Context, j Job) (bool, error) {
	return c.next.EnqueueJob(ctx, j)
}

func (c *Cached) Job(ctx context.Context, id string) (Job, error) { return c.next.Job(ctx, id) }

func (c *Cached) DueJobs(ctx context.Context, now time.Time, limit int) ([]Job, error) {
	return c.next.DueJobs(ctx, now, limit)
}

func (c *Cached) DueJobsByChat(ctx context.Context, now time.Time, limit, perChat int) ([]Job, error) {
	return c.next.DueJobsByChat(ctx, now, limit, perChat)
}

func (c *Cached) JobsSince(ctx context.Context, since time.Time) ([]Job, error) {
	return c.next.JobsSince(ctx, since)
}

func (c *Cached) StartJob(ctx context.Context, j Job, now, leaseEnd time.Time) (bool, error) {
	return c.next.StartJob(ctx, j, now, leaseEnd)
}

func (c *Cached) FinishJob(ctx context.Context, j Job, state string, at time.Time, lastErr string, next ...Job) error {
	return c.next.FinishJob(ctx, j, state, at, lastErr, next...)
}

func (c *Cached) DeferJob(ctx context.Context, j Job, next time.Time, lastErr string) error {
	return c.next.DeferJob(ctx, j, next, lastErr)
}

func (c *Cached) PruneJobs(ctx context.Context, before time.Time) error {
	return c.next.PruneJobs(ctx, before)
}

func (c *Cached) RecordAudit(ctx context.Context, a AuditEntry) error {
	return c.next.RecordAudit(ctx, a)
}

func (c *Cached) Audit(ctx context.Context, since, until time.Time) ([]AuditEntry, error) {
	return c.next.Audit(ctx, since, until)
}

func (c *Cached) PruneAudit(ctx context.Context, before time.Time) error {
	return c.next.PruneAudit(ctx, before)
}

// LeaseNotices passes through.
func (c *Cached) LeaseNotices(ctx context.Context, ids []string, now, leaseEnd time.Time) ([]string, error) {
	return c.next.LeaseNotices(ctx, ids, now, leaseEnd)
}

// ReleaseNotices passes through.
func (c *Cached) ReleaseNotices(ctx context.Context, ids []string) error {
	return c.next.ReleaseNotices(ctx, ids)
}

// GiveUpNotices passes through.
func (c *Cached) GiveUpNotices(ctx context.Context, before, now time.Time) (int, error) {
	return c.next.GiveUpNotices(ctx, before, now)
}

// PruneNotices passes through.
func (c *Cached) PruneNotices(ctx context.Context, before time.Time) error {
	return c.next.PruneNotices(ctx, before)
}

// Spill passes through. Its deliveries are not remembered as seen: the dedupe asks about
// them when they are taken from the inbox.
func (c *Cached) Spill(ctx context.Context, b Spilled) error {
	return c.next.Spill(ctx, b)
}

func (c *Cached) TakeInbox(ctx context.Context, limit int) ([]Spilled, error) {
	return c.next.TakeInbox(ctx, limit)
}

func (c *Cached) InboxSize(ctx context.Context) (int, error) { return c.next.InboxSize(ctx) }

// Subscribe is SQL.Subscribe; subscriptions are read once a sweep, not per event, so none are
// cached.
func (c *Cached) Subscribe(ctx context.Context, sub Subscription) (Subscription, bool, error) {
	return c.next.Subscribe(ctx, sub)
}

// Subscriptions is SQL.Subscriptions.
func (c *Cached) Subscriptions(ctx context.Context, platform, chatID string) ([]Subscription, error) {
	return c.next.Subscriptions(ctx, platform, chatID)
}

// AllSubscriptions is SQL.AllSubscriptions.
func (c *Cached) AllSubscriptions(ctx context.Context) ([]Subscription, error) {
	return c.next.AllSubscriptions(ctx)
}

// Unsubscribe is SQL.Unsubscribe.
func (c *Cached) Unsubscribe(ctx context.Context, platform, chatID string, n int64) (Subscription, error) {
	return c.next.Unsubscribe(ctx, platform, chatID, n)
}

// AdvanceSubscription is SQL.AdvanceSubscription.
func (c *Cached) AdvanceSubscription(ctx context.Context, platform, chatID string, n int64, cursor time.Time) error {
	return c.next.AdvanceSubscription(ctx, platform, chatID, n, cursor)
}
