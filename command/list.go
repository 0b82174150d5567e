package command

import (
	"context"
	"log/slog"
	"sort"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/templates"
)

// listSpec is 列表: the tickets the chat follows.
var listSpec = Spec{Op: OpList, Zh: "列表", En: "list", Aliases: []string{"工单列表", "ls"},
	UsageKey: "cmd_list_usage", SummaryKey: "cmd_list_summary",
	Parse: parseList, Run: runList}

// parseList reads an optional 全部.
func parseList(p *parser, args, rest string) (Command, error) {
	if w, r := splitWord(args); w != "" && allWords[strings.ToLower(w)] {
		p.c.All, args = true, r
	}
	return p.c, p.nothingMore(args, rest)
}

func runList(ctx context.Context, e *Env, r *req, c *Command, _ providers.Provider, _ *slog.Logger) (outcome, error) {
	return e.list(ctx, r, c.All)
}

// listData builds the list card.
type listData struct {
	items []templates.ListItem
	// all keeps closed tickets in the list; otherwise they are only counted.
	all     bool
	closed  int
	vendors *providers.Registry
	// en names the vendors in English.
	en bool
}

func (l *listData) add(t providers.Ticket) {
	if t.Status.Terminal() && !l.all {
		l.closed++
		return
	}
	l.items = append(l.items, templates.ListItem{Ticket: t, ProviderLabel: l.vendors.Label(t.Provider, l.en)})
}

// card orders the tickets by what they need from the group: waiting on us, to confirm, then
// those at work, unknown, and closed last; the most recently changed first within each.
func (l *listData) card() templates.ListCard {
	sort.SliceStable(l.items, func(i, j int) bool {
		a, b := l.items[i].Ticket, l.items[j].Ticket
		if ra, rb := listRank(a.Status), listRank(b.Status); ra != rb {
			return ra < rb
		}
		return a.UpdatedAt.After(b.UpdatedAt)
	})
	return templates.ListCard{Items: l.items, All: l.all, Closed: l.closed}
}

func listRank(s providers.Status) int {
	switch s {
	case providers.StatusWaitingOnUs:
		return 0
	case providers.StatusPendingConfirm:
		return 1
	case providers.StatusOpen:
		return 2
	case providers.StatusInProgress:
		return 3
	case providers.StatusClosed, providers.StatusCancelled:
		return 5
	}
	return 4
}

// allWords ask `list` for every ticket, closed ones included.
var allWords = map[string]bool{"全部": true, "所有": true, "all": true, "-a": true}

// list shows the tickets this chat follows, from what the bot last saw: those the group must
// act on first; closed ones only when all is asked for.
func (e *Env) list(ctx context.Context, r *req, all bool) (outcome, error) {
	fs, err := e.Follows.Following(ctx, r.platform, r.chatID)
	if err != nil {
		return outcome{}, err
	}
	data := listData{all: all, vendors: e.Vendors, en: r.en}
	for _, f := range fs {
		t := providers.Ticket{Provider: f.Provider, ID: f.TicketID, Status: providers.StatusUnknown}
		if last, ok := e.Tickets.Last(ctx, f.Provider, f.TicketID); ok {
			t = last
		}
		data.add(t)
	}
	card := data.card()
	card.New = e.newButton(r)
	out, err := e.Answers.Output(r.platform, "list", r.en, card)
	return outcome{out: out, level: "info"}, err
}
