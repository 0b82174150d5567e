package store

import (
	"context"
	"errors"
	"maps"
	"time"
)

// The drafts in memory. Where a guided create may be waiting (command/draft.go), any text
// that is no command may be the title a person's draft waits for, and only the drafts say
// whether it is. The ack path answers such text itself (a usage hint) only when the memory
// says no draft of that person waits in that chat; otherwise, or when it does not know, the
// queue takes the message and the database decides. Drafts are few (a person's create
// lives minutes), so the memory holds all of them: a snapshot of the table, kept current by
// this replica's own writes at once and read again in the background once older than
// draftFresh. A snapshot older than that is not believed at all: a draft saved on another
// replica must reach this one before the person, having read the waiting card, writes the
// title. Several replicas thus know another's draft within draftFresh and one read; one
// process knows its own exactly.

// draftFresh is how long a snapshot of the drafts is believed, counted from its reading.
const draftFresh = time.Second

// Sole tells c that its process is the store's only writer (SQLite: one replica). What it
// remembers of the drafts is then exact by its own writes, and is believed however old: with
// several replicas, a replica idle for a second would otherwise send the next text that is no
// command to the queue to learn what it already knows. Call it before c is used.
func (c *Cached) Sole() { c.sole = true }

// Warm starts reading what the ack path answers from (the languages, the drafts) in the
// background, so that a replica just started answers its first messages in the ack too.
func (c *Cached) Warm() {
	c.refreshLanguages()
	c.refreshDrafts()
}

// draftSnapshot is every stored draft at one moment: when each was made, by who and where.
type draftSnapshot struct {
	made     map[draftKey]time.Time
	complete bool // every row fitted (at most draftLimit)
	at       time.Time
}

// draftKey names a person's draft in a chat: a struct, so the ack path's look-up allocates
// nothing.
type draftKey struct{ platform, chatID, userID string }

// DraftWaitingNow reports, from memory alone, whether the person has a draft in the chat made
// at or after since (waiting), and whether the memory knows (known): false before the first
// reading, when the snapshot is older than draftFresh, and for a table too large to hold. The
// next reading starts once the snapshot is half that old. The memory of the store's only
// writer (Sole) never ages: its own writes are all there are. It never waits for the
// database: it is asked on the ack path.
func (c *Cached) DraftWaitingNow(platform, chatID, userID string, since time.Time) (waiting, known bool) {
	snap := c.drafts.Load()
	var age time.Duration
	if snap != nil {
		age = c.now().Sub(snap.at)
	}
	if snap == nil || !c.sole && age > draftFresh/2 {
		c.refreshDrafts() // halfway: under steady traffic the next is read before this one ages
	}
	if snap == nil || !c.sole && age > draftFresh {
		return false, false
	}
	if !snap.complete {
		return false, false
	}
	made, ok := snap.made[draftKey{platform, chatID, userID}]
	return ok && !made.Before(since), true
}

// refreshDrafts reads the table again in the background, once at a time. A reading that a
// write of this replica raced is dropped (the write is in the snapshot there is, which stays
// unbelieved until a reading succeeds); so is a failed one.
func (c *Cached) refreshDrafts() {
	c.readOnce(&c.draftRefreshing, func(ctx context.Context) {
		gen := c.draftWrites()
		// The clock is read before the table: the snapshot is no younger than what it holds.
		at := c.now()
		rows, err := c.next.AllDrafts(ctx, c.draftLimit+1)
		if err != nil {
			return
		}
		snap := &draftSnapshot{made: make(map[draftKey]time.Time, len(rows)), complete: len(rows) <= c.draftLimit, at: at}
		for _, d := range rows {
			snap.made[draftKey{d.Platform, d.ChatID, d.UserID}] = d.CreatedAt
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.draftGen == gen {
			c.drafts.Store(snap)
		}
	})
}

// draftWrites is the count of this replica's writes of drafts, read before a write so that
// editDrafts can tell whether another came between.
func (c *Cached) draftWrites() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.draftGen
}

// editDrafts applies one of this replica's writes of drafts, begun when draftWrites said
// gen, to the snapshot. When the write's outcome is unknown (a nil edit), or another write
// came between (which came last in the database cannot be told), the snapshot is forgotten:
// nothing is believed until the table is read again. The memory may so say a draft waits
// that does not (the queue then finds none), never the reverse.
func (c *Cached) editDrafts(gen uint64, edit func(made map[draftKey]time.Time)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	raced := c.draftGen != gen
	c.draftGen++
	old := c.drafts.Load()
	switch {
	case old == nil:
	case edit == nil || raced:
		c.drafts.Store(nil)
	default:
		snap := &draftSnapshot{made: maps.Clone(old.made), complete: old.complete, at: old.at}
		edit(snap.made)
		c.drafts.Store(snap)
	}
}

// SaveDraft writes through, then puts the draft into the snapshot: the person's next message
// to this replica goes to the queue, which takes it as the title.
func (c *Cached) SaveDraft(ctx context.Context, d Draft) error {
	gen := c.draftWrites()
	if err := c.next.SaveDraft(ctx, d); err != nil {
		c.editDrafts(gen, nil) // it may be stored all the same
		return err
	}
	c.editDrafts(gen, func(made map[draftKey]time.Time) { made[draftKey{d.Platform, d.ChatID, d.UserID}] = d.CreatedAt })
	return nil
}

// TakeDraft is the database's to answer (a draft is taken once, even by two replicas at once);
// what it took leaves the snapshot. A draft not taken because it belongs to another card
// stays, and so does one whose taking failed.
func (c *Cached) TakeDraft(ctx context.Context, platform, chatID, userID, formKey string, since time.Time) (Draft, error) {
	gen := c.draftWrites()
	d, err := c.next.TakeDraft(ctx, platform, chatID, userID, formKey, since)
	if err == nil || errors.Is(err, ErrNotFound) && formKey == "" {
		c.editDrafts(gen, func(made map[draftKey]time.Time) { delete(made, draftKey{platform, chatID, userID}) })
	}
	return d, err
}

// PruneDrafts writes through, then forgets the pruned drafts in the snapshot too.
func (c *Cached) PruneDrafts(ctx context.Context, before time.Time) error {
	gen := c.draftWrites()
	if err := c.next.PruneDrafts(ctx, before); err != nil {
		return err
	}
	c.editDrafts(gen, func(made map[draftKey]time.Time) {
		maps.DeleteFunc(made, func(_ draftKey, at time.Time) bool { return at.Before(before) })
	})
	return nil
}

// AllDrafts passes through.
func (c *Cached) AllDrafts(ctx context.Context, limit int) ([]Draft, error) {
	return c.next.AllDrafts(ctx, limit)
}
