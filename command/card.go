package command

import (
	"context"
	"log/slog"

	"github.com/ticketbot/ticketbot/providers"
)

// cardSpec is the reply box's 取消: the card as it was, quietly, without asking the vendor.
var cardSpec = Spec{Op: OpCard, Zh: "卡片", En: "card", Button: true, UsageKey: "cmd_card_usage",
	Ticket: true, Parse: parseTicketOnly, Run: runCard}

func runCard(ctx context.Context, e *Env, _ *req, c *Command, p providers.Provider, _ *slog.Logger) (outcome, error) {
	t, err := e.known(ctx, p, c.Ticket.ID)
	if err != nil {
		return outcome{}, err
	}
	return outcome{ticket: &t, quiet: true}, nil
}
