package weiban

import (
	"context"

	"github.com/ticketbot/ticketbot/providers"
)

var _ providers.Prober = (*Provider)(nil)

// Probe asks for a fresh access token (providers.Prober): corp_id and secret are all a call
// needs, and the token is not kept, so the cache the bot works with is left alone.
func (p *Provider) Probe(ctx context.Context) (string, error) {
	_, _, err := p.c.fetchToken(ctx)
	return "access_token", err
}
