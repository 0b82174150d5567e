package providers

import (
	"context"
	"time"
)

// Seen is a followed ticket as the watcher last read it, for a ChangeFinder.
type Seen struct {
	ID string
	// Status and RawStatus are what the vendor last said; RawStatus compares across a
	// vendor's list and detail, which can normalize differently.
	Status    Status
	RawStatus string
	// CreatedAt and UpdatedAt are the vendor's own times as last read; zero when unknown.
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ChangeFinder narrows a sweep for a vendor that cannot read many tickets by id at once but
// can list them: from a few list pages it tells which followed tickets may have changed, and
// the watcher reads only those one by one. Whatever its list cannot vouch for (a ticket not
// in it, a kind of change the list does not show) is returned too, so narrowing never hides
// a change the per-ticket read would have found.
type ChangeFinder interface {
	MayHaveChanged(ctx context.Context, seen []Seen) (ids []string, err error)
}
