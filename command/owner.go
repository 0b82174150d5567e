package command

import (
	"context"
	"errors"
	"strings"

	"github.com/ticketbot/ticketbot/store"
)

// Ownership is the group's: who in this chat looks after a ticket (认领, 转派), shown on its
// card, mentioned in its notices, and listed by 我的. The vendor knows nothing of it; where
// the vendor can hand a ticket over itself (流转), 转派 says how.

// Owners is what commands need of the stored owners.
type Owners interface {
	ClaimOwner(ctx context.Context, o store.Owner) (store.Owner, bool, error)
	SetOwner(ctx context.Context, o store.Owner) (store.Owner, error)
	OwnerOf(ctx context.Context, platform, chatID, provider, ticketID string) (store.Owner, error)
	Owned(ctx context.Context, platform, chatID, userID string) ([]store.Owner, error)
}

// ownerOf is the ticket's owner in r's chat; ok is false for none (or a store that cannot
// say: a card drawn without its owner line is better than no card).
func (e *Env) ownerOf(ctx context.Context, platform, chatID, provider, id string) (store.Owner, bool) {
	if e.Owners == nil {
		return store.Owner{}, false
	}
	o, err := e.Owners.OwnerOf(ctx, platform, chatID, provider, id)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			e.Log.Warn("read a ticket's owner", "provider", provider, "ticket_id", id, "err", err)
		}
		return store.Owner{}, false
	}
	return o, true
}

// who is how a sentence names a person: their name where the platform gave it, else their
// id (a platform whose text turns an <at> into the name gets one; plain ids elsewhere).
func (e *Env) who(platform, userID, name string) string {
	if name = strings.TrimSpace(name); name != "" {
		return "@" + name
	}
	if e.Answers.Features(platform).Mentions && plainID(userID) { // the platform names them
		return "<at user_id=\"" + userID + "\"></at>"
	}
	return userID
}

// plainID reports whether a platform user id is only letters, digits, _ and -: safe to write
// into a mention as it is (a typed id could carry markup).
func plainID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
