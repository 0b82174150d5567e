package command

import (
	"context"
	"fmt"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/templates"
)

var _ bot.Presenter = (*Bot)(nil)

// TicketCard renders a ticket's card for a chat, as a command would draw it.
func (b *Bot) TicketCard(ctx context.Context, platform, chatID string, t providers.Ticket) (bot.Outgoing, error) {
	card, err := b.ticketCard(ctx, platform, chatID, t, "", "")
	if err != nil {
		return bot.Outgoing{}, err
	}
	return bot.Outgoing{Kind: bot.KindCard, Body: card, Fallback: b.fallback(platform, t, "")}, nil
}

// Notices renders the watcher's notices for one chat as one message.
func (b *Bot) Notices(_ context.Context, platform, _ string, ns []bot.NoticeView) (bot.Outgoing, error) {
	data := templates.NoticeCard{Title: "工单状态更新", Color: "blue"}
	if len(ns) > 1 {
		data.Title = fmt.Sprintf("%d 个工单有更新", len(ns))
	}
	high := false
	for _, n := range ns {
		item := templates.NoticeItem{Ticket: n.Ticket, ProviderLabel: b.Vendors.Label(n.Ticket.Provider, false), Note: n.Note, Mention: n.Mention}
		ref := n.Ticket.Ref()
		answer := fmt.Sprintf("在工单卡片的话题里回复，或输入「回复 %s 内容」。", ref)
		if !b.env.Answers.Features(platform).Threads {
			answer = fmt.Sprintf("引用这条消息回复，或输入「回复 %s 内容」。", ref)
		}
		switch {
		case n.Kind == "note":
			item.Headline = "新回复"
			item.Hint = answer
		case n.To == providers.StatusWaitingOnUs:
			item.Headline = fmt.Sprintf("%s → %s：供应商在等我们补充信息", n.From.Label(), n.To.Label())
			item.Hint = answer
		case n.To == providers.StatusPendingConfirm:
			item.Headline = fmt.Sprintf("%s → %s：供应商已处理完毕，请确认是否解决", n.From.Label(), n.To.Label())
			item.Hint = fmt.Sprintf("已解决请输入「关闭 %s」，未解决请回复说明。", ref)
		case n.To.Terminal():
			item.Headline = fmt.Sprintf("%s → %s", n.From.Label(), n.To.Label())
		case n.From.Terminal():
			item.Headline = fmt.Sprintf("工单已重新打开（%s → %s）", n.From.Label(), n.To.Label())
		default:
			item.Headline = fmt.Sprintf("%s → %s", n.From.Label(), n.To.Label())
		}
		if n.Priority == "high" {
			high = true
		}
		data.Items = append(data.Items, item)
	}
	if len(ns) == 1 {
		data.Color = templates.StatusColor(ns[0].Ticket.Status)
		if ns[0].Kind == "note" {
			data.Title = "工单有新回复"
		}
	} else if high {
		data.Color = "orange"
	}
	out, err := b.env.Answers.Output(platform, "notice", data)
	if err != nil {
		return bot.Outgoing{}, err
	}
	return *out, nil
}

// Summary renders the daily summary of a chat's open tickets, or nil when none is open.
func (b *Bot) Summary(ctx context.Context, platform, chatID string) (*bot.Outgoing, error) {
	fs, err := b.Store.Following(ctx, platform, chatID)
	if err != nil {
		return nil, err
	}
	data := listData{vendors: b.Vendors}
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
	card.Title = fmt.Sprintf("每日汇总：本群 %d 个未关闭的工单", len(card.Items))
	return b.env.Answers.Output(platform, "list", card)
}
