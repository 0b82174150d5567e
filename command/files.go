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
	a, ok := p.(providers.Attacher)
	if !ok {
		return e.noFiles(p.Name())
	}
	if maxFiles, _ := a.FileLimits(); len(files) > maxFiles {
		return e.userErr("files_too_many", "max", maxFiles)
	}
	return nil
}

// fetchFiles downloads what the person sent with message messageID, within the vendor's
// limits, so a file that is too big is refused with a sentence before anything reaches the
// vendor. Each try of a job fetches again: the files are never stored.
func (b *Bot) fetchFiles(ctx context.Context, platform, messageID string, refs []bot.FileRef, a providers.Attacher) ([]providers.File, error) {
	maxFiles, maxBytes := a.FileLimits()
	if len(refs) > maxFiles {
		return nil, b.env.userErr("files_too_many", "max", maxFiles)
	}
	ff, ok := b.Platforms[platform].(bot.FileFetcher)
	if !ok {
		return nil, b.env.userErr("files_unreadable_platform")
	}
	var out []providers.File
	for _, f := range refs {
		data, err := ff.FetchFile(ctx, messageID, f, maxBytes)
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
