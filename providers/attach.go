package providers

import "context"

// File is a file a person sent with a command (a screenshot, a log).
type File struct {
	Name string
	Data []byte
}

// Attacher is implemented by vendors that take files with a new ticket (one vendor's are
// uploaded to OSS, then attached).
type Attacher interface {
	// FileLimits are the vendor's limits: files per ticket or reply, bytes per file.
	FileLimits() (maxFiles int, maxBytes int64)
	CreateWithFiles(ctx context.Context, r CreateRequest, files []File) (Ticket, error)
}

// ReplyAttacher is an Attacher that takes files with a reply too; a vendor whose comments
// carry no attachments takes them only with a new ticket.
type ReplyAttacher interface {
	Attacher
	ReplyWithFiles(ctx context.Context, id string, r Reply, files []File) error
}
