package aliyun

import (
	"context"
	"fmt"

	"github.com/ticketbot/ticketbot/providers"
)

// Search lists a page of the tickets whose description holds keyword (2021 ListTickets
// Keyword; 2016's QuestionList has no keyword filter). The page size is at least 10, 2021's
// least.
func (p *Provider) Search(ctx context.Context, keyword string, page, size int) ([]providers.Ticket, int64, error) {
	if !p.v2021 {
		return nil, 0, fmt.Errorf("aliyun: search: %w", providers.Unsupported(p, providers.OpSearch))
	}
	return p.List(ctx, ListRequest{Keyword: keyword, Page: max(page, 1), PageSize: max(size, minPageSize2021)})
}
