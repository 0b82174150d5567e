package command

import (
	"context"
	"log/slog"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// watchSpec is 关注: the chat follows the ticket and is told of its changes.
var watchSpec = Spec{Op: OpWatch, Zh: "关注", En: "watch", Aliases: []string{"follow"},
	UsageKey: "cmd_watch_usage", SummaryKey: "cmd_watch_summary",
	Ticket: true, Parse: parseTicketOnly, Run: runWatch}

// unwatchSpec is 取消关注.
var unwatchSpec = Spec{Op: OpUnwatch, Zh: "取消关注", En: "unwatch", Aliases: []string{"unfollow"},
	UsageKey: "cmd_unwatch_usage", SummaryKey: "cmd_unwatch_summary",
	Ticket: true, Parse: parseTicketOnly, Run: runUnwatch}

func runWatch(ctx context.Context, e *Env, r *req, c *Command, p providers.Provider, _ *slog.Logger) (outcome, error) {
	ref := c.Ticket.String()
	t, err := e.fetch(ctx, p, c.Ticket.ID)
	if err != nil {
		return outcome{}, err
	}
	if err := e.Follows.Follow(ctx, store.Follow{Platform: r.platform, ChatID: r.chatID, Provider: t.Provider, TicketID: t.ID, By: r.user(), CreatedAt: e.Now()}); err != nil {
		return outcome{}, err
	}
	return outcome{ticket: &t, fresh: true, level: "success",
		text: e.text(r.en, "watching", "ref", ref)}, nil
}

func runUnwatch(ctx context.Context, e *Env, r *req, c *Command, p providers.Provider, _ *slog.Logger) (outcome, error) {
	ref := c.Ticket.String()
	was, err := e.Follows.Unfollow(ctx, r.platform, r.chatID, p.Name(), c.Ticket.ID)
	if err != nil {
		return outcome{}, err
	}
	o := outcome{level: "success", text: e.text(r.en, "unwatched", "ref", ref)}
	if !was {
		o = outcome{level: "info", text: e.text(r.en, "not_watching", "ref", ref)}
	}
	if t, err := e.known(ctx, p, c.Ticket.ID); err == nil {
		o.ticket = &t // redraw the card: its 关注 button flips
	}
	return o, nil
}
