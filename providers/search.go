package providers

import "context"

// Searcher is a vendor whose list call finds tickets by a keyword (搜索 <vendor> …): what its
// list matches the keyword against (a title, a description) is the vendor's, said in its
// Search's doc.
type Searcher interface {
	// Search lists page (from 1) of size tickets whose text holds keyword, and how many do.
	Search(ctx context.Context, keyword string, page, size int) ([]Ticket, int64, error)
}
