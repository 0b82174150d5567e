package command

import (
	"context"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/templates"
)

var _ bot.Presenter = (*Bot)(nil)

// TicketCard renders a ticket's card for a chat, as a command would draw it.
func (b *Bot) TicketCard(ctx context.Context, platform, chatID string, t providers.Ticket) (bot.Outgoing, error) {
	card, err := b.ticketCard(ctx, platform, chatID, t, nil, "")
	if err != nil {
		return bot.Outgoing{}, err
	}
	return bot.Outgoing{Kind: bot.KindCard, Body: card, Fallback: b.fallback(ctx, platform, chatID, t, nil)}, nil
}

// Notices renders the watcher's notices for one chat as one message, in the chat's language.
func (b *Bot) Notices(ctx context.Context, platform, chatID string, ns []bot.NoticeView) (bot.Outgoing, error) {
	en := b.chatEn(ctx, platform, chatID)
	say := func(key string, args ...any) string { return b.env.text(en, key, args...) }
	status := func(s providers.Status) string { return b.Renderer.Messages().Status(s, en) }
	data := templates.NoticeCard{Title: say("notice_title"), Color: "blue"}
	if len(ns) > 1 {
		data.Title = say("notice_title_many", "n", len(ns))
	}
	high := false
	for _, n := range ns {
		item := templates.NoticeItem{Ticket: n.Ticket, ProviderLabel: b.Vendors.Label(n.Ticket.Provider, en), Note: n.Note, Mention: n.Mention}
		if n.Mention != "" {
			// The group must act: its owner here is the one to, before whoever opened it.
			if o, ok := b.env.ownerOf(ctx, platform, chatID, n.Ticket.Provider, n.Ticket.ID); ok {
				item.Mention = o.UserID
			}
		}
		ref := n.Ticket.Ref()
		answer := say("notice_answer_thread", "ref", ref)
		if !b.env.Answers.Features(platform).Threads {
			answer = say("notice_answer_quote", "ref", ref)
		}
		change := say("notice_change", "from", status(n.From), "to", status(n.To))
		switch {
		case n.Kind == bot.NoticeNew:
			item.Headline = say("notice_new", "n", n.Subscription)
			item.Hint = say("notice_new_hint", "ref", ref)
		case n.Kind == "note":
			item.Headline = say("notice_new_note")
			item.Hint = answer
		case n.To == providers.StatusWaitingOnUs:
			item.Headline = say("notice_waiting_on_us", "change", change)
			item.Hint = answer
		case n.To == providers.StatusPendingConfirm:
			item.Headline = say("notice_pending_confirm", "change", change)
			item.Hint = say("notice_confirm_hint", "ref", ref)
		case n.To.Terminal():
			item.Headline = change
		case n.From.Terminal():
			item.Headline = say("notice_reopened", "change", change)
		default:
			item.Headline = change
		}
		if n.Priority == "high" {
			high = true
		}
		data.Items = append(data.Items, item)
	}
	if len(ns) == 1 {
		data.Color = templates.StatusColor(ns[0].Ticket.Status)
		switch ns[0].Kind {
		case "note":
			data.Title = say("notice_title_note")
		case bot.NoticeNew:
			data.Title = say("notice_title_new")
		}
	} else if high {
		data.Color = "orange"
	}
	out, err := b.env.Answers.Output(platform, "notice", en, data)
	if err != nil {
		return bot.Outgoing{}, err
	}
	return *out, nil
}

// Reminder renders a reminder of a ticket that waits on us, in the chat's language: how long
// it has waited, whom it is for (its owner in the chat, else who opened it or made the chat
// follow it), the chat's admins once it escalates, the vendor's own countdown to closing it
// where the vendor documents one, how to answer, and the card's buttons to do it. In an
// escalation chat it is the ticket, the chat it waits in and that chat's wait.
func (b *Bot) Reminder(ctx context.Context, platform, chatID string, r bot.ReminderView) (bot.Outgoing, error) {
	en := b.chatEn(ctx, platform, chatID)
	say := func(key string, args ...any) string { return b.env.text(en, key, args...) }
	t, ref := r.Ticket, r.Ticket.Ref()
	waited, after := b.env.span(b.Now().Sub(r.Since), en), b.env.span(r.EscalateAfter, en)
	data := templates.ReminderCard{Title: say("remind_title"), Color: "orange", Ticket: t, ProviderLabel: b.Vendors.Label(t.Provider, en),
		AutoClose: b.autoClose(t, r.Entered, en)}
	for _, a := range r.Admins {
		data.Admins = append(data.Admins, templates.Person{ID: a, Mention: plainID(a)})
	}
	refresh := templates.Button{Text: say("button_refresh"), Command: "show " + ref}
	if r.FromChat != "" {
		data.Title, data.Color = say("escalation_title"), "red"
		data.Headline = say("escalation_headline", "chat", r.FromChat, "for", waited, "after", after)
		if len(data.Admins) > 0 {
			data.Escalation = say("escalation_ask")
		}
		data.Buttons = []templates.Button{refresh}
		return b.reminderOut(platform, en, data)
	}
	data.Headline = say("remind_waited", "for", waited)
	data.Ask = say("remind_ask_waiting")
	data.Hint = say("notice_answer_thread", "ref", ref)
	f := b.env.Answers.Features(platform)
	if !f.Threads {
		data.Hint = say("notice_answer_quote", "ref", ref)
	}
	if t.Status == providers.StatusPendingConfirm {
		data.Ask, data.Hint = say("remind_ask_confirm"), say("notice_confirm_hint", "ref", ref)
	}
	if r.Escalated {
		data.Title, data.Color = say("remind_title_escalated"), "red"
		data.Escalation = say("remind_escalated_alone", "after", after)
		if len(data.Admins) > 0 {
			data.Escalation = say("remind_escalated", "after", after)
		}
	}
	if p, ok := b.Providers[t.Provider]; ok && providers.Can(p).Reply && f.Forms {
		data.Buttons = append(data.Buttons, templates.Button{Text: say("button_reply"), Type: "primary", Command: "reply " + ref})
	}
	to, name := r.Mention, ""
	if o, ok := b.env.ownerOf(ctx, platform, chatID, t.Provider, t.ID); ok {
		to, name = o.UserID, o.UserName
	} else {
		data.Buttons = append(data.Buttons, templates.Button{Text: say("button_take"), Command: "claim " + ref})
	}
	if to != "" {
		data.To = &templates.Person{ID: to, Name: name, Mention: plainID(to)}
	}
	data.Buttons = append(data.Buttons, refresh)
	return b.reminderOut(platform, en, data)
}

// reminderOut draws a reminder: a card where the platform's cards can @ someone, markdown
// elsewhere.
func (b *Bot) reminderOut(platform string, en bool, data templates.ReminderCard) (bot.Outgoing, error) {
	out, err := b.env.Answers.Output(platform, "remind", en, data)
	if err != nil {
		return bot.Outgoing{}, err
	}
	return *out, nil
}

// autoClose says when the vendor closes a ticket left in its state by itself, counted from
// when it entered it, where the vendor documents it (providers.Descriptor.AutoClose); ""
// where it does not, or when the documented time has passed.
func (b *Bot) autoClose(t providers.Ticket, entered time.Time, en bool) string {
	d, ok := b.Vendors.Get(t.Provider)
	if !ok || entered.IsZero() {
		return ""
	}
	limit, ok := d.AutoClose[t.Status]
	if !ok {
		return ""
	}
	vendor := b.Vendors.Label(t.Provider, en)
	switch left := limit - b.Now().Sub(entered); {
	case left <= 0:
		return ""
	case left < 24*time.Hour:
		return b.env.text(en, "remind_auto_close_soon", "vendor", vendor)
	default:
		return b.env.text(en, "remind_auto_close", "vendor", vendor, "days", int((left+12*time.Hour)/(24*time.Hour)))
	}
}

// Summary renders the daily summary of a chat's open tickets, or nil when none is open, in
// the chat's language.
func (b *Bot) Summary(ctx context.Context, platform, chatID string) (*bot.Outgoing, error) {
	fs, err := b.Store.Following(ctx, platform, chatID)
	if err != nil {
		return nil, err
	}
	en := b.chatEn(ctx, platform, chatID)
	data := listData{vendors: b.Vendors, en: en}
	for _, f := range fs {
		t, ok := b.tickets.Last(ctx, f.Provider, f.TicketID)
		if !ok || t.Status.Terminal() {
			continue
		}
		data.add(t)
	}
	if len(data.items) == 0 {
		return nil, nil
	}
	card := data.card()
	card.Title = b.env.text(en, "summary_title", "n", len(card.Items))
	return b.env.Answers.Output(platform, "list", en, card)
}
