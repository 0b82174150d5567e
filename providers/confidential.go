package providers

import (
	"context"
	"time"
)

// SecretReplier is implemented by vendors that take confidential content (one vendor's
// 机密信息, secContent): the vendor's staff see it, nobody in a group chat does. The caller
// accepts it only in a one-to-one chat and never echoes it.
type SecretReplier interface {
	ReplySecret(ctx context.Context, id, text string, actor Actor) error
}

// SecretCreator files a ticket together with confidential content.
type SecretCreator interface {
	CreateSecret(ctx context.Context, r CreateRequest, secret Secret) (Ticket, error)
}

// CreatedFinder is implemented by vendors that can list tickets by creation time. When a
// create's outcome is unknown (the call timed out, the process died mid-call) the bot asks
// the vendor whether the ticket exists before creating it again: a create is never retried
// blindly.
type CreatedFinder interface {
	// FindCreated finds a ticket with exactly this title created at or after since.
	FindCreated(ctx context.Context, title string, since time.Time) (t Ticket, found bool, err error)
}
