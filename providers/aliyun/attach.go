package aliyun

import (
	"bytes"
	"context"

	"github.com/ticketbot/ticketbot/providers"
)

var _ providers.ReplyAttacher = (*Provider)(nil)

// FileLimits are Aliyun's: 3 attachments, 2 MB each.
func (p *Provider) FileLimits() (int, int64) { return MaxAttachments, MaxUploadSize }

// CreateWithFiles uploads the files (getOSSTempAuthor + OSS PostObject) and files the ticket
// with them attached.
func (p *Provider) CreateWithFiles(ctx context.Context, r providers.CreateRequest, files []providers.File) (providers.Ticket, error) {
	atts, err := p.uploadAll(ctx, files)
	if err != nil {
		return providers.Ticket{}, err
	}
	return p.CreateWith(ctx, r, CreateOptions{Attachments: atts})
}

// ReplyWithFiles uploads the files and replies with them attached.
func (p *Provider) ReplyWithFiles(ctx context.Context, id string, r providers.Reply, files []providers.File) error {
	atts, err := p.uploadAll(ctx, files)
	if err != nil {
		return err
	}
	return p.ReplyWith(ctx, id, r, ReplyOptions{Attachments: atts})
}

func (p *Provider) uploadAll(ctx context.Context, files []providers.File) ([]Attachment, error) {
	atts := make([]Attachment, 0, len(files))
	for _, f := range files {
		a, err := p.Upload(ctx, f.Name, bytes.NewReader(f.Data))
		if err != nil {
			return nil, err
		}
		atts = append(atts, a)
	}
	return atts, nil
}
