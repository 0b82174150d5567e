package store

import (
	"context"
	"maps"
	"sync/atomic"
	"time"
)

// The language choices in memory. The ack path answers help and usage hints in the person's
// language without waiting for the database, so it must know every person's choice, including
// "none", for people it has never seen: one message from each of a thousand new people must
// not each go through the queue. Choices are few (only people who typed 语言 and chats whose
// admins did), so the memory holds all of them: a snapshot of the table, read again in the
// background once it is older than langTTL (a choice made on another replica arrives within
// it; this replica's own at once). A table too large to hold falls back to remembering each
// chat and person read (langs), as it did before: then the ack path knows only those.

// langSnapshot is every stored choice at one moment.
type langSnapshot struct {
	choices  map[langKey]string
	complete bool // every row fitted (at most maxLangs)
	at       time.Time
}

// memoryReadTimeout bounds one reading of a table into memory.
const memoryReadTimeout = 5 * time.Second

// Languages answers from memory when it knows both choices, and otherwise reads both in one
// query and remembers them, an absence too: it is asked for every command.
func (c *Cached) Languages(ctx context.Context, platform, chatID, userID string) (Languages, error) {
	if l, ok := c.RememberedLanguages(platform, chatID, userID); ok {
		return l, nil
	}
	c.mu.Lock()
	gen := c.langGen
	c.mu.Unlock()

	l, err := c.next.Languages(ctx, platform, chatID, userID)
	if err != nil {
		return Languages{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.langGen == gen { // as in CardByMessage: a SetLanguage that finished meanwhile wins
		c.langs.Add(langKey{platform, ScopeChat, chatID}, l.Chat)
		c.langs.Add(langKey{platform, ScopePerson, userID}, l.Person)
	}
	return l, nil
}

// RememberedLanguages is Languages from memory alone, for the ack path, which must not
// wait for the database; false when the memory does not know both (before the first snapshot,
// or with a table too large to hold, for a chat or person not read lately).
func (c *Cached) RememberedLanguages(platform, chatID, userID string) (Languages, bool) {
	snap := c.snap.Load()
	if snap == nil || c.now().Sub(snap.at) > langTTL {
		c.refreshLanguages()
	}
	if snap != nil && snap.complete {
		return Languages{Chat: snap.choices[langKey{platform, ScopeChat, chatID}],
			Person: snap.choices[langKey{platform, ScopePerson, userID}]}, true
	}
	chat, ok1 := c.langs.Get(langKey{platform, ScopeChat, chatID})
	person, ok2 := c.langs.Get(langKey{platform, ScopePerson, userID})
	return Languages{Chat: chat, Person: person}, ok1 && ok2
}

// refreshLanguages reads the table again in the background, once at a time; a failed read
// keeps the snapshot there was (stale by at most the outage) and is tried at the next ask.
func (c *Cached) refreshLanguages() {
	c.readOnce(&c.refreshing, func(ctx context.Context) {
		c.mu.Lock()
		gen := c.langGen
		c.mu.Unlock()
		rows, err := c.next.AllLanguages(ctx, c.langLimit+1)
		if err != nil {
			return
		}
		snap := &langSnapshot{choices: make(map[langKey]string, len(rows)), complete: len(rows) <= c.langLimit, at: c.now()}
		for _, r := range rows {
			snap.choices[langKey{r.Platform, r.Scope, r.ID}] = r.Language
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.langGen != gen {
			snap.at = time.Time{} // a SetLanguage raced the read: read again at the next ask
		}
		c.snap.Store(snap)
	})
}

// SetLanguage writes through, then puts the choice into the snapshot and forgets the key's
// remembered read: this replica answers with it at once.
func (c *Cached) SetLanguage(ctx context.Context, l LanguageChoice) error {
	err := c.next.SetLanguage(ctx, l)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.langGen++
	key := langKey{l.Platform, l.Scope, l.ID}
	c.langs.Remove(key)
	if old := c.snap.Load(); old != nil && err == nil {
		snap := &langSnapshot{choices: maps.Clone(old.choices), complete: old.complete, at: old.at}
		if l.Language == "" {
			delete(snap.choices, key)
		} else {
			snap.choices[key] = l.Language
		}
		c.snap.Store(snap)
	} else if err != nil {
		c.snap.Store(nil) // not known what the database holds now: read it again
	}
	return err
}

// AllLanguages passes through.
func (c *Cached) AllLanguages(ctx context.Context, limit int) ([]LanguageChoice, error) {
	return c.next.AllLanguages(ctx, limit)
}

// langKey names a choice in memory: a struct, so the ack path's look-up allocates nothing.
type langKey struct{ platform, scope, id string }

// readOnce runs read in the background with a bounded context, unless the reading running
// flags is under way already: the memories' readings of their tables, one at a time each.
func (c *Cached) readOnce(running *atomic.Bool, read func(ctx context.Context)) {
	if !running.CompareAndSwap(false, true) {
		return
	}
	c.bg.Go(func() {
		defer running.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), memoryReadTimeout)
		defer cancel()
		read(ctx)
	})
}
