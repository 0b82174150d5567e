package handlers

import (
	"context"
	"errors"
	"log/slog"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/templates"
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
		card, err := b.ticketCard(ctx, r.platform, r.chatID, *o.ticket, o.footer, false, o.notes...)
		if err != nil {
			log.Error("render ticket card", "err", err)
			break
		}
		// The key makes Feishu drop a second post of the same answer (a retried send).
		out := bot.Outgoing{Kind: bot.KindCard, Body: card, Key: "card:" + r.messageID, Fallback: b.fallback(r.platform, *o.ticket, o.footer)}
		ref, err := p.Send(ctx, r.chatID, out)
		if err != nil {
			log.Error("send ticket card", "err", err)
			b.replyText(ctx, r, o.text, log) // the ticket exists: say so even without a card
			return
		}
		b.saveCard(ctx, r, *o.ticket, ref.MessageID, log)
		return
	case o.ticket != nil:
		b.updateCards(ctx, r.platform, *o.ticket, o.footer, log)
	case o.out != nil:
		out := *o.out
		out.Key = "card:" + r.messageID
		if _, err := p.Send(ctx, r.chatID, out); err != nil {
			log.Error("send", "err", err)
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
	if _, err := p.Reply(ctx, ref, m); err != nil {
		log.Error("reply", "err", err)
	}
}

// updateCards redraws every live card of the ticket on this platform in place: in every
// chat, the ticket's first card and its newest (store.LiveCards at most per chat).
func (b *Bot) updateCards(ctx context.Context, platform string, t providers.Ticket, footer string, log *slog.Logger) {
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
			if card, err = b.ticketCard(ctx, platform, c.ChatID, t, footer, false); err != nil {
				log.Error("render ticket card", "err", err)
				return
			}
			drawn[c.ChatID] = card
		}
		ref := bot.CardRef{Platform: platform, ChatID: c.ChatID, MessageID: c.MessageID}
		err = p.Update(ctx, ref, bot.Outgoing{Kind: bot.KindCard, Body: card, Fallback: b.fallback(platform, t, footer)})
		switch {
		case errors.Is(err, bot.ErrCannotUpdate):
			// WeCom: the answer to the command says what changed; the card shows it next time.
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

// ticketCard renders a ticket's card for one chat: the buttons depend on what the vendor can
// do, the ticket's state and whether the chat follows it.
func (b *Bot) ticketCard(ctx context.Context, platform, chatID string, t providers.Ticket, footer string, replyForm bool, notes ...providers.Note) ([]byte, error) {
	data := templates.TicketCard{Ticket: t, ProviderLabel: providerLabel(t.Provider, false), Footer: footer, ReplyForm: replyForm}
	for _, n := range notes {
		data.Notes = append(data.Notes, templates.NoteLine{Who: noteSide(t.Provider, n.Official), Note: n})
	}
	ref := t.Ref()
	// Buttons that change the ticket carry its version: a stale or repeated click loses.
	var version int64
	if st, err := b.Store.Ticket(ctx, t.Provider, t.ID); err == nil {
		version = st.Version
	}
	data.ReplyCommand = withVersion("reply "+ref, version)
	var caps providers.Capabilities
	if p, ok := b.Providers[t.Provider]; ok {
		caps = p.Capabilities()
	}
	forms := true
	if p, ok := b.Platforms[platform]; ok {
		forms = bot.PlatformFeatures(p).Forms
	}
	if !t.Status.Terminal() {
		// Without forms there is no reply box: people quote the card instead.
		if caps.Reply && forms {
			data.Buttons = append(data.Buttons, templates.Button{Text: "回复", Type: "primary", Command: "reply " + ref})
		}
		if caps.Close {
			confirm := "关闭后供应商将不再处理此工单。"
			if caps.CloseCreatorOnly {
				confirm = "关闭后供应商将不再处理此工单。仅工单创建人可以关闭。"
			}
			data.Buttons = append(data.Buttons, templates.Button{Text: "关闭", Type: "danger", Command: withVersion("close "+ref, version),
				Confirm: &templates.Confirm{Title: "确认关闭工单 " + ref + "？", Text: confirm}})
		}
	}
	data.Buttons = append(data.Buttons, templates.Button{Text: "刷新", Command: "show " + ref})
	if b.follows(ctx, platform, chatID, t) {
		data.Buttons = append(data.Buttons, templates.Button{Text: "取消关注", Command: "unwatch " + ref})
	} else {
		data.Buttons = append(data.Buttons, templates.Button{Text: "关注", Command: "watch " + ref})
	}
	return b.Renderer.Render(platform, "ticket", data)
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

// noteSide names who wrote a note, in the vendor's own words where it has them.
func noteSide(provider string, official bool) string {
	switch {
	case provider == "aliyun" && official:
		return "小二"
	case provider == "aliyun":
		return "用户"
	case official:
		return "客服"
	default:
		return "我方"
	}
}

// output renders a non-ticket answer: the platform's card template when it has one, its
// markdown template otherwise.
func (b *Bot) output(platform, name string, data any) (*bot.Outgoing, error) {
	if b.Renderer.Has(platform, name) {
		body, err := b.Renderer.Render(platform, name, data)
		if err != nil {
			return nil, err
		}
		return &bot.Outgoing{Kind: bot.KindCard, Body: body}, nil
	}
	md, err := b.Renderer.RenderMarkdown(platform, name, data)
	if err != nil {
		return nil, err
	}
	return &bot.Outgoing{Kind: bot.KindMarkdown, Body: []byte(md)}, nil
}

// fallback is the ticket as markdown, for channels of the platform that cannot show cards.
func (b *Bot) fallback(platform string, t providers.Ticket, footer string) string {
	if !b.Renderer.Has(platform, "ticket.md") {
		return ""
	}
	md, err := b.Renderer.RenderMarkdown(platform, "ticket", templates.TicketCard{Ticket: t, ProviderLabel: providerLabel(t.Provider, false), Footer: footer})
	if err != nil {
		b.Log.Error("render ticket markdown", "err", err)
		return ""
	}
	return md
}

// listData builds the list card.
type listData struct{ items []templates.ListItem }

func (l *listData) add(t providers.Ticket) {
	l.items = append(l.items, templates.ListItem{Ticket: t, ProviderLabel: providerLabel(t.Provider, false)})
}

func (l *listData) card() templates.ListCard { return templates.ListCard{Items: l.items} }
