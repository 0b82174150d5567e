package command

import (
	"context"
	"log/slog"

	"github.com/ticketbot/ticketbot/providers"
)

// mineSpec is 我的: the tickets the person owns in this chat (认领, 转派), or created here and
// nobody owns; 列表 我的 is the same list.
var mineSpec = Spec{Op: OpMine, Zh: "我的", En: "mine", Aliases: []string{"我的工单"},
	UsageKey: "cmd_mine_usage", SummaryKey: "cmd_mine_summary",
	Parse: parseMine, Run: runMine}

func parseMine(p *parser, args, rest string) (Command, error) {
	p.c.Filter.Mine = true
	return parseList(p, args, rest)
}

func runMine(ctx context.Context, e *Env, r *req, c *Command, p providers.Provider, log *slog.Logger) (outcome, error) {
	return runList(ctx, e, r, c, p, log)
}
