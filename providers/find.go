package providers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Bounds of every CreatedFinder's search.
const (
	// FindSkew is how far before since a ticket may have been created by the vendor's clock
	// and still be ours: its creation time comes from the vendor's clock, since from ours.
	FindSkew = time.Minute
	// FindPages is how many list pages a search reads before it gives up.
	FindPages = 5
)

// CreatedSearch is the search every CreatedFinder runs over its vendor's list API: tickets
// created since Since (less FindSkew), page by page, whose title is exactly Title (both
// trimmed). A match is read back with Get (the list's entries are thin); an entry that names
// no title is read to learn it. Finding nothing within FindPages pages is an error, not "not
// found": the bot then says it cannot tell rather than filing a duplicate.
type CreatedSearch struct {
	Title string
	Since time.Time
	// Unit truncates the window's start to what the vendor counts in (seconds, for one), so the
	// vendor's window and the check here agree.
	Unit     time.Duration
	PageSize int
	// List reads one page of tickets created from from on: page counts from 1, offset is the
	// number of entries read so far. total is the vendor's count of matches.
	List func(ctx context.Context, from time.Time, page, offset int) (ts []Ticket, total int64, err error)
	Get  func(ctx context.Context, id string) (Ticket, error)
}

// Run searches.
func (s CreatedSearch) Run(ctx context.Context) (Ticket, bool, error) {
	want := strings.TrimSpace(s.Title)
	switch {
	case want == "":
		return Ticket{}, false, errors.New("title is empty")
	case s.Since.IsZero():
		return Ticket{}, false, errors.New("no creation time to search from")
	}
	from := s.Since.Add(-FindSkew)
	if s.Unit > 0 {
		from = from.Truncate(s.Unit)
	}
	seen := 0
	for page := 1; page <= FindPages; page++ {
		ts, total, err := s.List(ctx, from, page, seen)
		if err != nil {
			return Ticket{}, false, err
		}
		for _, t := range ts {
			if !t.CreatedAt.IsZero() && t.CreatedAt.Before(from) {
				continue
			}
			if strings.TrimSpace(t.Title) == "" && t.ID != "" {
				// The entry names no title: only the ticket itself can tell.
				full, err := s.Get(ctx, t.ID)
				if err != nil {
					return Ticket{}, false, err
				}
				if strings.TrimSpace(full.Title) == want && (full.CreatedAt.IsZero() || !full.CreatedAt.Before(from)) {
					return full, true, nil
				}
				continue
			}
			if strings.TrimSpace(t.Title) != want {
				continue
			}
			if full, err := s.Get(ctx, t.ID); err == nil {
				return full, true, nil
			}
			return t, true, nil
		}
		seen += len(ts)
		// More pages follow while the total says so, or, should the total be missing (a list
		// then reports the page's length), while pages come back full.
		if len(ts) == 0 || (int64(seen) >= total && len(ts) < s.PageSize) {
			return Ticket{}, false, nil
		}
	}
	return Ticket{}, false, fmt.Errorf("more than %d tickets were created since then; gave up after %d pages", seen, FindPages)
}
