package aliyun

import (
	"context"

	"github.com/ticketbot/ticketbot/providers"
)

var (
	_ providers.SecretReplier = (*Provider)(nil)
	_ providers.SecretCreator = (*Provider)(nil)
)

// CreateSecret files a ticket with confidential content (secContent), for the chat handler;
// see CreateWith.
func (p *Provider) CreateSecret(ctx context.Context, r providers.CreateRequest, secret providers.Secret) (providers.Ticket, error) {
	return p.CreateWith(ctx, r, CreateOptions{SecretContent: secret})
}
