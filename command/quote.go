package command

import (
	"context"
	"errors"
	"strings"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
)

// Create from a message: 建单 answering a message (a reply, where the platform reads messages by
// id) or quoting one (where the quote carries only its text) files the ticket from it. This is
// how an alert in the group becomes a ticket: its text, who sent it and when go into the
// ticket's details, its images and files are attached where the vendor takes them, and its
// first line is the title when none was typed.

// quotedTitleRunes bounds a title taken from the message's first line.
const quotedTitleRunes = 60

// fromMessage reads the message the command answers and makes the ticket of c from it. It
// returns the notes for the card's footer: files that could not go with the ticket.
func (e *Env) fromMessage(ctx context.Context, r *req, c *Command, p providers.Provider) ([]string, error) {
	q, err := e.quoted(ctx, r)
	if err != nil {
		return nil, err
	}
	typedDetails := c.Content != "" && c.Content != c.Title
	if c.Title == "" {
		c.Title = quotedTitle(q.Text)
		if c.Title == "" {
			c.Title = strings.TrimSpace(e.text(false, "quoted_title_files", "time", e.clock(q)))
		}
	}
	block := e.quotedBlock(q)
	if typedDetails {
		c.Content = c.Content + "\n\n" + block
	} else {
		c.Content = block
	}
	var notes []string
	if len(q.Files) > 0 {
		maxFiles, _ := providers.FileLimits(p)
		room := max(maxFiles-len(r.files), 0)
		switch {
		case !providers.Can(p).Files:
			notes = append(notes, e.text(false, "quoted_files_refused", "n", len(q.Files), "vendor", e.Vendors.Label(p.Name(), false)))
		case len(q.Files) > room:
			notes = append(notes, e.text(false, "quoted_files_too_many", "n", len(q.Files)-room, "max", maxFiles))
			r.files = append(r.files, q.Files[:room]...)
		default:
			r.files = append(r.files, q.Files...)
		}
	}
	return notes, nil
}

// quoted is the message r answers: read from the platform by its id, or the quote's text
// where the platform's event carries only that.
func (e *Env) quoted(ctx context.Context, r *req) (bot.Quoted, error) {
	if r.parentID == "" || e.Chats == nil {
		return bot.Quoted{Text: strings.TrimSpace(r.quote)}, nil
	}
	q, err := e.Chats.ReadMessage(ctx, r.platform, r.parentID)
	switch {
	case err == nil:
		return q, nil
	case errors.Is(err, bot.ErrUnsupported) && r.quote != "":
		return bot.Quoted{Text: strings.TrimSpace(r.quote)}, nil
	}
	e.Log.Warn("read the answered message", "platform", r.platform, "message_id", r.parentID, "err", err)
	return bot.Quoted{}, e.userErr("quoted_unreadable", "code", failCode(err))
}

// quotedTitle is the message's first line that says something, cut to a title's length.
func quotedTitle(text string) string {
	for line := range strings.SplitSeq(text, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return truncateRunes(line, quotedTitleRunes)
		}
	}
	return ""
}

// quotedBlock is the message as the ticket's details show it, in Chinese (vendors' engineers
// read it): who sent it and when, where the platform says so, then the text.
func (e *Env) quotedBlock(q bot.Quoted) string {
	who := q.Author
	if q.ByApp {
		who = e.text(false, "quoted_app", "id", q.Author)
	}
	var head string
	switch {
	case who != "" && !q.At.IsZero():
		head = e.text(false, "quoted_head", "who", who, "time", e.clock(q))
	case who != "":
		head = e.text(false, "quoted_head_who", "who", who)
	default:
		head = e.text(false, "quoted_head_plain")
	}
	return joinLines(head, strings.TrimSpace(q.Text))
}

// clock writes the message's time in [bot] timezone ("" when the platform gave none).
func (e *Env) clock(q bot.Quoted) string {
	if q.At.IsZero() {
		return ""
	}
	zone := e.Zone
	if zone == nil {
		zone = bot.DefaultLocation()
	}
	return q.At.In(zone).Format("2006-01-02 15:04")
}
