package command

import (
	"context"
	"log/slog"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// takeSpec is 认领: the person becomes the ticket's owner in this chat, unless someone is.
var takeSpec = Spec{Op: OpTake, Zh: "认领", En: "claim", Aliases: []string{"领取", "take"},
	UsageKey: "cmd_take_usage", SummaryKey: "cmd_take_summary",
	Ticket: true, Writes: true, Parse: parseTicketOnly, Run: runTake}

func runTake(ctx context.Context, e *Env, r *req, c *Command, p providers.Provider, _ *slog.Logger) (outcome, error) {
	ref := c.Ticket.String()
	t, err := e.known(ctx, p, c.Ticket.ID)
	if err != nil {
		return outcome{}, err
	}
	owner, won, err := e.Owners.ClaimOwner(ctx, store.Owner{Platform: r.platform, ChatID: r.chatID, Provider: p.Name(), TicketID: t.ID,
		UserID: r.userID, UserName: r.userName, By: r.userID, At: e.Now()})
	if err != nil {
		return outcome{}, err
	}
	if !won {
		return outcome{ticket: &t, level: "warning", result: "refused",
			text: e.text(r.en, "take_taken", "ref", ref, "owner", e.who(r.platform, owner.UserID, owner.UserName))}, nil
	}
	return outcome{ticket: &t, level: "success", text: e.text(r.en, "taken", "ref", ref)}, nil
}
