package aliyun

import (
	"context"

	"github.com/ticketbot/ticketbot/providers"
)

var _ providers.Prober = (*Provider)(nil)

// Probe lists the first page of tickets at its smallest size (providers.Prober): a signed
// read that proves the key, the API version and the action names. Aliyun takes no page of
// one: QuestionList pages hold 20–100, ListTickets 10–100.
func (p *Provider) Probe(ctx context.Context) (string, error) {
	call, err := p.action(OpList)
	if err != nil {
		return OpList, err
	}
	size := minPageSize2016
	if p.v2021 {
		size = minPageSize2021
	}
	_, _, err = p.List(ctx, ListRequest{Page: 1, PageSize: size})
	return call, err
}
