package command

import (
	"context"
	"strings"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
)

// mayAttach refuses files the vendor cannot take before anything is stored or sent: a vendor
// without attachments (on a reply, one whose comments carry none), or more files than it
// takes at once.
func (e *Env) mayAttach(p providers.Provider, files []bot.FileRef, reply bool) error {
	if len(files) == 0 {
		return nil
	}
	if err := e.takesFiles(p, reply); err != nil {
		return err
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

// takesFiles refuses files for a vendor that takes none with a new ticket, or with a reply.
func (e *Env) takesFiles(p providers.Provider, reply bool) error {
	can := providers.Can(p)
	switch {
	case !can.Files:
		return e.noFiles(p.Name())
	case reply && !can.ReplyFiles:
		return e.userErrBy("files_reply_refused", func(en bool) []any { return []any{"vendor", e.Vendors.Label(p.Name(), en)} })
	}
	return nil
}

func (e *Env) noFiles(provider string) *userError {
	return e.userErrBy("files_refused", func(en bool) []any { return []any{"vendor", e.Vendors.Label(provider, en)} })
}

func fileNames(fs []bot.FileRef) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Name
	}
	return strings.Join(names, "、")
}
