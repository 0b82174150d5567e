package command

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/templates"
	"github.com/ticketbot/ticketbot/work"
)

// deliverTyped posts a typed command's outcome: a ticket card as a new message or the chat's
// card updated in place, other cards into the chat, and sentences as a reply to the person.
func (b *Bot) deliverTyped(ctx context.Context, r *req, o outcome, log *slog.Logger) {
	p, ok := b.Platforms[r.platform]
	if !ok {
		log.Error("no platform to answer on")
		return
	}
	switch {
	case o.ticket != nil && o.fresh:
		card, err := b.ticketCard(ctx, r.platform, r.chatID, *o.ticket, o.footer, "", o.notes...)
		if err != nil {
			log.Error("render ticket card", "err", err)
			break
		}
		// The key lets a platform that dedupes drop a second post of the answer (a retried send).
		out := bot.Outgoing{Kind: bot.KindCard, Body: card, Key: "card:" + r.messageID, Fallback: b.fallback(ctx, r.platform, r.chatID, *o.ticket, o.footer)}
		ref, err := b.sendNow(ctx, p, r, out)
		if err != nil {
			// Late rather than degraded: the card waits in the outbox for the chat to take it.
			b.later(ctx, r, "card", jobData{Card: card, Fallback: out.Fallback, Key: out.Key}, o.ticket, err, log)
			return
		}
		b.saveCard(ctx, r, *o.ticket, ref.MessageID, log)
		return
	case o.ticket != nil:
		b.updateCards(ctx, r.platform, *o.ticket, o.footer, log)
	case o.out != nil:
		out := *o.out
		out.Key = "card:" + r.messageID
		if _, err := b.sendNow(ctx, p, r, out); err != nil {
			b.later(ctx, r, "card", jobData{Card: out.Body, Markdown: out.Kind == bot.KindMarkdown, Key: out.Key}, nil, err, log)
		}
		return
	}
	if o.text != "" {
		b.replyText(ctx, r, o.text, log)
	}
}

// replyText answers the person's message with a sentence.
func (b *Bot) replyText(ctx context.Context, r *req, text string, log *slog.Logger) {
	p, ok := b.Platforms[r.platform]
	if !ok || text == "" {
		return
	}
	ref := bot.CardRef{Platform: r.platform, ChatID: r.chatID, MessageID: r.messageID}
	m := bot.Outgoing{Kind: bot.KindText, Body: []byte(text), Key: "text:" + r.messageID}
	err := work.ErrBehind
	if !b.work.Behind(r.platform, r.chatID) {
		_, err = p.Reply(ctx, ref, m)
	}
	if err != nil {
		b.later(ctx, r, "text", jobData{Text: text, Key: m.Key}, nil, err, log)
	}
}

// sendNow posts out into r's chat, unless earlier answers of the chat are waiting for its
// send rate (errBehind: it must not overtake them).
func (b *Bot) sendNow(ctx context.Context, p bot.Platform, r *req, out bot.Outgoing) (bot.CardRef, error) {
	if b.work.Behind(r.platform, r.chatID) {
		return bot.CardRef{}, work.ErrBehind
	}
	return p.Send(ctx, r.chatID, out)
}

// later keeps an answer the chat could not take now in the outbox, which posts it with the
// same key (never twice where the platform dedupes) as soon as it can, for up to an hour.
// cause is why: a chat over its send rate (or with earlier answers waiting for it) keeps the
// answer in the chat's order, due when the chat has room; anything else (an outage) is retried
// with the outbox's backoff. t, when set, is the ticket the card shows, recorded as the chat's
// card once sent.
func (b *Bot) later(ctx context.Context, r *req, what string, d jobData, t *providers.Ticket, cause error, log *slog.Logger) {
	j := b.answer(store.Job{ID: r.platform + "/" + r.messageID, Platform: r.platform, ChatID: r.chatID,
		MessageID: r.messageID, UserID: r.userID}, "late-"+what, "")
	if t != nil {
		j.Provider, j.TicketID = t.Provider, t.ID
	}
	d.RequestID = r.requestID
	j.Payload, _ = json.Marshal(d)
	if err := b.work.Keep(ctx, j, cause, log); err != nil {
		log.Error("keep answer in the outbox", "err", err)
	}
}

// updateCards redraws every live card of the ticket on this platform in place: in every
// chat, the ticket's first card and its newest (store.LiveCards at most per chat), each in
// its chat's language.
func (b *Bot) updateCards(ctx context.Context, platform string, t providers.Ticket, footer words, log *slog.Logger) {
	p, ok := b.Platforms[platform]
	if !ok {
		return
	}
	cards, err := b.Store.CardsForTicket(ctx, t.Provider, t.ID)
	if err != nil {
		log.Error("cards for ticket", "err", err)
		return
	}
	drawn := map[string][]byte{} // chat -> the card as drawn for it
	for _, c := range cards {
		if c.Platform != platform {
			continue
		}
		card, ok := drawn[c.ChatID]
		if !ok {
			if card, err = b.ticketCard(ctx, platform, c.ChatID, t, footer, ""); err != nil {
				log.Error("render ticket card", "err", err)
				return
			}
			drawn[c.ChatID] = card
		}
		ref := bot.CardRef{Platform: platform, ChatID: c.ChatID, MessageID: c.MessageID}
		err = p.Update(ctx, ref, bot.Outgoing{Kind: bot.KindCard, Body: card, Fallback: b.fallback(ctx, platform, c.ChatID, t, footer)})
		switch {
		case errors.Is(err, bot.ErrCannotUpdate):
			// The answer to the command says what changed; the card shows it next time.
		case errors.Is(err, bot.ErrChatBusy):
			// Not waited for here: the card shows the change with its next redraw.
			log.Info("card not redrawn now: over the send rate", "chat_id", c.ChatID, "err", err)
		case err != nil:
			log.Error("update card", "chat_id", c.ChatID, "err", err)
		}
	}
}

func (b *Bot) saveCard(ctx context.Context, r *req, t providers.Ticket, messageID string, log *slog.Logger) {
	if messageID == "" {
		return
	}
	err := b.Store.SaveCard(ctx, store.Card{Platform: r.platform, ChatID: r.chatID, MessageID: messageID,
		Provider: t.Provider, TicketID: t.ID, UpdatedAt: b.Now()})
	if err != nil {
		log.Error("save card", "err", err)
	}
}

// ticketCard renders a ticket's card for one chat, in the chat's language (langs.go): the
// buttons depend on what the vendor can do, the ticket's state and whether the chat follows
// it; form, when set, is the input shown in place of the buttons (jobReply or a transition's).
func (b *Bot) ticketCard(ctx context.Context, platform, chatID string, t providers.Ticket, footer words, form string, notes ...providers.Note) ([]byte, error) {
	en := b.chatEn(ctx, platform, chatID)
	data := templates.TicketCard{Ticket: t, ProviderLabel: b.Vendors.Label(t.Provider, en), Footer: footer.in(en)}
	for _, n := range notes {
		data.Notes = append(data.Notes, templates.NoteLine{Who: b.env.noteSide(t.Provider, n.Official, en), Note: n})
	}
	ref := t.Ref()
	// Buttons that change the ticket carry its version: a stale or repeated click loses.
	var version int64
	if st, err := b.tickets.State(ctx, t.Provider, t.ID); err == nil {
		version = st.Version
	}
	var caps providers.Capabilities
	if p, ok := b.Providers[t.Provider]; ok {
		caps = providers.Can(p)
	}
	f := b.env.Answers.Features(platform)
	if form != "" {
		data.Form = b.cardForm(form, ref, version, caps, f.Confirm, en)
	}
	say := func(key string, args ...any) string { return b.env.text(en, key, args...) }
	// Without forms there is no reply box: people quote the card instead.
	if !t.Status.Terminal() && caps.Reply && f.Forms {
		data.Buttons = append(data.Buttons, templates.Button{Text: say("button_reply"), Type: "primary", Command: "reply " + ref})
	}
	data.Buttons = append(data.Buttons, b.transitionButtons(t, caps, f, version, en)...)
	if o, ok := b.env.ownerOf(ctx, platform, chatID, t.Provider, t.ID); ok {
		data.Owner = &templates.Person{ID: o.UserID, Name: o.UserName, Mention: plainID(o.UserID)}
	} else if !t.Status.Terminal() {
		data.Buttons = append(data.Buttons, templates.Button{Text: say("button_take"), Command: "claim " + ref})
	}
	data.Buttons = append(data.Buttons, templates.Button{Text: say("button_refresh"), Command: "show " + ref})
	if b.follows(ctx, platform, chatID, t) {
		data.Buttons = append(data.Buttons, templates.Button{Text: say("button_unwatch"), Command: "unwatch " + ref})
	} else {
		data.Buttons = append(data.Buttons, templates.Button{Text: say("button_watch"), Command: "watch " + ref})
	}
	return b.Renderer.In(en).Render(platform, "ticket", data)
}

func (b *Bot) follows(ctx context.Context, platform, chatID string, t providers.Ticket) bool {
	fs, err := b.Store.Followers(ctx, t.Provider, t.ID)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			b.Log.Error("followers", "err", err)
		}
		return false
	}
	for _, f := range fs {
		if f.Platform == platform && f.ChatID == chatID {
			return true
		}
	}
	return false
}

// fallback is the ticket as markdown, for channels of the platform that cannot show cards,
// in the chat's language.
func (b *Bot) fallback(ctx context.Context, platform, chatID string, t providers.Ticket, footer words) string {
	if !b.Renderer.Has(platform, "ticket.md") {
		return ""
	}
	en := b.chatEn(ctx, platform, chatID)
	md, err := b.Renderer.In(en).RenderMarkdown(platform, "ticket", templates.TicketCard{Ticket: t, ProviderLabel: b.Vendors.Label(t.Provider, en), Footer: footer.in(en)})
	if err != nil {
		b.Log.Error("render ticket markdown", "err", err)
		return ""
	}
	return md
}
