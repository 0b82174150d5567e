package ksyun

import (
	"bytes"
	"context"
	"fmt"

	"github.com/ticketbot/ticketbot/providers"
)

// Kingsoft takes files with a new ticket (create's attachment[], after upload_file) but not
// with a comment: comment_ticket has no attachment field. So it is an Attacher and not a
// ReplyAttacher, and a file posted under a Kingsoft card is refused with a sentence.
var _ providers.Attacher = (*Provider)(nil)

// Kingsoft documents no limits on attachments; these bound what the bot downloads from the
// chat and sends (ASSUME): as many as a screenshot-and-log report needs, at a size any chat
// platform lets people send.
const (
	MaxAttachments = 5
	MaxUploadSize  = 20 << 20
)

// FileLimits are the bot's limits for Kingsoft's attachments.
func (p *Provider) FileLimits() (int, int64) { return MaxAttachments, MaxUploadSize }

// CreateWithFiles uploads each file (upload_file), then files the ticket with them attached.
// A file that fails to upload fails the create before anything is filed.
func (p *Provider) CreateWithFiles(ctx context.Context, r providers.CreateRequest, files []providers.File) (providers.Ticket, error) {
	if len(files) > MaxAttachments {
		return providers.Ticket{}, fmt.Errorf("ksyun: create ticket: %d files, at most %d", len(files), MaxAttachments)
	}
	attachments := make([]Attachment, 0, len(files))
	for _, f := range files {
		if int64(len(f.Data)) > MaxUploadSize {
			return providers.Ticket{}, fmt.Errorf("ksyun: create ticket: %s is %d bytes, over %d", f.Name, len(f.Data), MaxUploadSize)
		}
		a, err := p.Upload(ctx, f.Name, bytes.NewReader(f.Data))
		if err != nil {
			return providers.Ticket{}, fmt.Errorf("ksyun: create ticket: %w", err)
		}
		attachments = append(attachments, a)
	}
	return p.create(ctx, r, attachments)
}
