package command

import (
	"context"
	"log/slog"
	"slices"
	"sort"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/templates"
)

// listSpec is 列表: the tickets the chat follows, narrowed by a filter.
var listSpec = Spec{Op: OpList, Zh: "列表", En: "list", Aliases: []string{"工单列表", "ls"},
	UsageKey: "cmd_list_usage", SummaryKey: "cmd_list_summary",
	Parse: parseList, Run: runList}

// parseList reads 全部 and a filter's words (listfilter.go), in any order.
func parseList(p *parser, args, rest string) (Command, error) {
	for w, r := splitWord(args); w != ""; w, r = splitWord(r) {
		switch {
		case allWords[strings.ToLower(w)]:
			p.c.All = true
		case p.filterWord(&p.c.Filter, w):
		default:
			return p.c, p.usage("usage_list_word", "", "word", truncateRunes(w, 20))
		}
	}
	return p.c, p.nothingMore("", rest)
}

func runList(ctx context.Context, e *Env, r *req, c *Command, _ providers.Provider, _ *slog.Logger) (outcome, error) {
	return e.list(ctx, r, c.All, c.Filter)
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

// list shows the tickets this chat follows that pass the filter, from what the bot last saw:
// those the group must act on first; closed ones only when all is asked for (or their state).
func (e *Env) list(ctx context.Context, r *req, all bool, f listFilter) (outcome, error) {
	ts, err := e.filtered(ctx, r, f)
	if err != nil {
		return outcome{}, err
	}
	all = all || slices.ContainsFunc(f.Statuses, providers.Status.Terminal)
	data := listData{all: all, vendors: e.Vendors, en: r.en}
	for _, t := range ts {
		data.add(t)
	}
	card := data.card()
	if f.narrowed() {
		card.Title = e.text(r.en, "list_title_filtered", "filter", e.describe(f, r.en), "n", len(card.Items))
		card.Filtered = true
	}
	extra := []string(nil)
	if all {
		extra = []string{"all"}
		if !r.en {
			extra = []string{"全部"}
		}
	}
	e.page(r, &card, f, "list", extra...)
	card.New = e.newButton(r)
	out, err := e.Answers.Output(r.platform, "list", r.en, card)
	return outcome{out: out, level: "info"}, err
}
