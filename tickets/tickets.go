// Package tickets owns the stored state of every ticket the bot knows: the snapshot its cards
// are drawn from, the watched state (status and last vendor note) the watcher compares what
// the vendor shows against, the version a click claims, and the rule that the bot's own
// actions are recorded but never announced. Commands and the watcher both go through it, so
// each rule lives once.
package tickets

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// Store is what the book needs of the store.
type Store interface {
	Ticket(ctx context.Context, provider, id string) (store.TicketState, error)
	SaveTicket(ctx context.Context, st store.TicketState) error
	ClaimTicket(ctx context.Context, provider, id string, version int64, c store.Claim) (store.TicketState, bool, error)
	SettleClaim(ctx context.Context, provider, id string, version int64, state string) error
	AdvanceTicket(ctx context.Context, prev, next store.TicketState, notices []store.Notice) (bool, error)
	RecordEvents(ctx context.Context, provider, id string, evs []store.TicketEvent) error
}

// Book is the stored ticket state. It is safe for concurrent use.
type Book struct {
	st  Store
	now func() time.Time
}

// New makes a book over st; now is the clock (time.Now when nil).
func New(st Store, now func() time.Time) *Book {
	if now == nil {
		now = time.Now
	}
	return &Book{st: st, now: now}
}

// Encode is the stored snapshot of t.
func Encode(t providers.Ticket) []byte {
	b, _ := json.Marshal(t) // a Ticket always encodes
	return b
}

// Decode reads the snapshot of a stored state; ok is false when there is none (a ticket
// stored before snapshots, or an unreadable one).
func Decode(st store.TicketState) (providers.Ticket, bool) {
	var t providers.Ticket
	if len(st.Snapshot) == 0 || json.Unmarshal(st.Snapshot, &t) != nil {
		return providers.Ticket{}, false
	}
	return t, true
}

// State is the stored state of a ticket (store.ErrNotFound when the bot never saw it).
func (b *Book) State(ctx context.Context, provider, id string) (store.TicketState, error) {
	return b.st.Ticket(ctx, provider, id)
}

// Last is the ticket as last seen; ok is false when the bot never stored it.
func (b *Book) Last(ctx context.Context, provider, id string) (providers.Ticket, bool) {
	st, err := b.st.Ticket(ctx, provider, id)
	if err != nil {
		return providers.Ticket{}, false
	}
	return Decode(st)
}

// Remember stores what the bot saw of a ticket. own says the state is the result of the bot's
// own action (a create, a close): then it becomes the watched state, so the watcher stays
// quiet about it. Any other read (查看, 刷新, a reply) refreshes only the snapshot the cards
// are drawn from: the watcher still announces a change someone happened to see first. The
// last vendor note is always the watcher's to announce, and the creator is kept.
//
// The ticket's timeline (store.TicketEvent) records what the bot learns here: the first time
// it stores the ticket, and its own action's change of the state, at the time it is stored.
func (b *Book) Remember(ctx context.Context, t providers.Ticket, creator string, own bool) error {
	now := b.now()
	st := store.TicketState{Provider: t.Provider, TicketID: t.ID, Status: string(t.Status), RawStatus: t.RawStatus,
		CreatorUserID: creator, Snapshot: Encode(t), UpdatedAt: now}
	if t.LatestNote != nil {
		st.LastNoteID = t.LatestNote.ID
	}
	old, err := b.st.Ticket(ctx, t.Provider, t.ID)
	switch {
	case err == nil:
		if st.CreatorUserID == "" {
			st.CreatorUserID = old.CreatorUserID
		}
		st.LastNoteID = old.LastNoteID
		if !own {
			st.Status, st.RawStatus = old.Status, old.RawStatus
		}
		if st.Status != old.Status {
			st.Events = []store.TicketEvent{{At: now, Kind: store.EventStatus, Status: st.Status}}
		}
	case errors.Is(err, store.ErrNotFound):
		st.Events = firstSeen(t, now)
	}
	return b.st.SaveTicket(ctx, st)
}

// Baseline stores a ticket first met in a vendor's list (a subscription found it): its
// snapshot and first-seen timeline, but no watched state, so the watcher's first full read
// of it is the quiet baseline. A list entry carries no notes, and taking it as the watched
// state would announce the ticket's existing replies as new. A ticket already known is left
// as it is; fresh reports whether it was new to the bot.
func (b *Book) Baseline(ctx context.Context, t providers.Ticket) (fresh bool, err error) {
	if _, err := b.st.Ticket(ctx, t.Provider, t.ID); err == nil || !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	now := b.now()
	return true, b.st.SaveTicket(ctx, store.TicketState{Provider: t.Provider, TicketID: t.ID, RawStatus: t.RawStatus,
		Snapshot: Encode(t), UpdatedAt: now, Events: firstSeen(t, now)})
}

// firstSeen is the timeline of a ticket the bot stores for the first time: its state now,
// and, when it shows a conversation already, a vendor reply of a time not known (whoever
// wrote its latest note, the vendor may have answered before it). A ticket the bot creates
// has none, so its first reply is measured.
func firstSeen(t providers.Ticket, now time.Time) []store.TicketEvent {
	evs := []store.TicketEvent{{At: now, Kind: store.EventSeen, Status: string(t.Status)}}
	if t.LatestNote != nil {
		evs = append(evs, store.TicketEvent{Kind: store.EventReply})
	}
	return evs
}

// Claim takes the ticket at version for an action (store.ClaimTicket): false, with the
// current state, when someone else's click or a change came first.
func (b *Book) Claim(ctx context.Context, provider, id string, version int64, c store.Claim) (store.TicketState, bool, error) {
	return b.st.ClaimTicket(ctx, provider, id, version, c)
}

// Settle ends or moves on the claim an action holds: store.ClaimDone, store.ClaimQueued, or
// "" to give it back.
func (b *Book) Settle(ctx context.Context, provider, id string, version int64, state string) error {
	return b.st.SettleClaim(ctx, provider, id, version, state)
}

// ActionOpen reports a claim on the ticket still working or queued (and not left stale by a
// process that died: store.ClaimStale): what the vendor shows now may be the bot's own doing,
// recorded when the action settles, so the watcher judges after that.
func ActionOpen(st store.TicketState, now time.Time) bool {
	return (st.ActedState == store.ClaimWorking || st.ActedState == store.ClaimQueued) &&
		now.Sub(st.ActedAt) < store.ClaimStale
}

// Answered records in the ticket's timeline that our side answered it at at (a reply the
// bot sent): a waiting ticket's reminders count from then. A ticket the bot never stored
// has no timeline, and nothing is recorded.
func (b *Book) Answered(ctx context.Context, provider, id string, at time.Time) error {
	err := b.st.RecordEvents(ctx, provider, id, []store.TicketEvent{{At: at, Kind: store.EventAnswered}})
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// Observed is the watched state after the vendor showed t, with what it adds to the
// ticket's timeline: a change of state, a new note of the vendor's staff (recorded only if
// it is the first), and a new note of ours (our side answered, at the vendor or through the
// bot). A change is timed by the vendor's own clock where it can be: the note's time, and
// the ticket's update time when it falls after the bot last stored the ticket (a change
// happened since) and not after now; else by when the bot sees it, at most one sweep late.
func (b *Book) Observed(prev store.TicketState, t providers.Ticket) store.TicketState {
	now := b.now()
	next := prev
	next.Status, next.RawStatus, next.UpdatedAt = string(t.Status), t.RawStatus, now
	next.Events = nil
	if next.Status != prev.Status {
		next.Events = append(next.Events, store.TicketEvent{At: vendorTime(t.UpdatedAt, prev.UpdatedAt, now),
			Kind: store.EventStatus, Status: next.Status})
	}
	if n := t.LatestNote; n != nil {
		if n.ID != prev.LastNoteID {
			kind := store.EventAnswered
			if n.Official {
				kind = store.EventReply
			}
			next.Events = append(next.Events, store.TicketEvent{At: vendorTime(n.At, time.Time{}, now), Kind: kind})
		}
		next.LastNoteID = n.ID
	}
	next.Snapshot = Encode(t)
	return next
}

// vendorTime is the vendor's time of a change when it is set, after after and not after
// now; else now.
func vendorTime(vendor, after, now time.Time) time.Time {
	if vendor.IsZero() || !vendor.After(after) || vendor.After(now) {
		return now
	}
	return vendor
}

// Advance moves the watched state from prev to next with the notices the change owes, in one
// compare-and-set: false when the stored state is no longer prev (the bot's own action came
// between), and nothing is recorded.
func (b *Book) Advance(ctx context.Context, prev, next store.TicketState, notices []store.Notice) (bool, error) {
	return b.st.AdvanceTicket(ctx, prev, next, notices)
}
