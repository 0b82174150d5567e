package providers

import "context"

// SecretReplier is implemented by vendors that take confidential content (Aliyun 机密信息,
// secContent): the vendor's staff see it, nobody in a group chat does. The caller accepts it
// only in a one-to-one chat and never echoes it.
type SecretReplier interface {
	ReplySecret(ctx context.Context, id, text string, actor Actor) error
}

// SecretCreator files a ticket together with confidential content.
type SecretCreator interface {
	CreateSecret(ctx context.Context, r CreateRequest, secret Secret) (Ticket, error)
}
