package command

import (
	"context"

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
