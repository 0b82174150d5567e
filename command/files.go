package command

import (
	"context"
	"strings"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
)

// mayAttach refuses files the vendor cannot take before anything is stored or sent: a vendor
// without attachments, or more files than it takes at once.
func (e *Env) mayAttach(p providers.Provider, files []bot.FileRef) error {
	if len(files) == 0 {
		return nil
	}
	if !providers.Can(p).Files {
		return e.noFiles(p.Name())
	}
	if maxFiles, _ := providers.FileLimits(p); len(files) > maxFiles {
		return e.userErr("files_too_many", "max", maxFiles)
	}
	return nil
}

// fetchFiles downloads what the person sent with message messageID, within the vendor's
// limits, so a file that is too big is refused with a sentence before anything reaches the
// vendor. Each try of a job fetches again: the files are never stored.
func (b *Bot) fetchFiles(ctx context.Context, platform, messageID string, refs []bot.FileRef, p providers.Provider) ([]providers.File, error) {
	maxFiles, maxBytes := providers.FileLimits(p)
	if len(refs) > maxFiles {
		return nil, b.env.userErr("files_too_many", "max", maxFiles)
	}
	pl, ok := b.Platforms[platform]
	if !ok || !bot.Can(pl).Files {
		return nil, b.env.userErr("files_unreadable_platform")
	}
	var out []providers.File
	for _, f := range refs {
		from := messageID
		if f.MessageID != "" {
			from = f.MessageID // a file of the message a 建单 answers
		}
		data, err := bot.FetchFile(ctx, pl, from, f, maxBytes)
		if err != nil {
			return nil, b.env.userErr("file_unreadable", "name", f.Name, "mb", maxBytes>>20)
		}
		out = append(out, providers.File{Name: f.Name, Data: data})
	}
	return out, nil
}

func (e *Env) noFiles(provider string) *userError {
	return e.userErr("files_refused", "vendor", e.Vendors.Label(provider, false))
}

func fileNames(fs []bot.FileRef) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Name
	}
	return strings.Join(names, "、")
}
