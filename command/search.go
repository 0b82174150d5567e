package command

import (
	"context"
	"log/slog"
	"sort"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
)

// searchSpec is 搜索: the tickets the chat follows whose title, details, id or latest note
// hold a keyword, closed ones too, newest first.
var searchSpec = Spec{Op: OpSearch, Zh: "搜索", En: "search", Aliases: []string{"查找", "find"},
	UsageKey: "cmd_search_usage", SummaryKey: "cmd_search_summary",
	Parse: parseSearch, Run: runSearch}

// parseSearch reads an optional vendor first, a page, and the keyword (the rest).
func parseSearch(p *parser, args, rest string) (Command, error) {
	f := &p.c.Filter
	var keyword []string
	for w, r := splitWord(args); w != ""; w, r = splitWord(r) {
		if len(keyword) == 0 && f.Provider == "" {
			if d, ok := p.vendors.Lookup(w); ok && strings.TrimSpace(r) != "" {
				f.Provider = d.Name
				continue
			}
		}
		if n, ok := pageWord(strings.ToLower(w)); ok {
			f.Page = n
			continue
		}
		keyword = append(keyword, w)
	}
	f.Keyword = strings.Join(keyword, " ")
	if f.Keyword == "" {
		return p.c, p.usage("usage_no_keyword", "keyword")
	}
	return p.c, p.nothingMore("", rest)
}

func runSearch(ctx context.Context, e *Env, r *req, c *Command, _ providers.Provider, _ *slog.Logger) (outcome, error) {
	ts, err := e.filtered(ctx, r, c.Filter)
	if err != nil {
		return outcome{}, err
	}
	data := listData{all: true, vendors: e.Vendors, en: r.en}
	for _, t := range ts {
		data.add(t)
	}
	card := data.card()
	// Newest first: a search is about finding, not about what the group must do next.
	sort.SliceStable(card.Items, func(i, j int) bool {
		a, b := card.Items[i].Ticket, card.Items[j].Ticket
		return cmpTime(a.UpdatedAt, a.CreatedAt).After(cmpTime(b.UpdatedAt, b.CreatedAt))
	})
	card.Title = e.text(r.en, "search_title", "filter", e.describe(c.Filter, r.en), "n", len(card.Items))
	card.Filtered = true
	e.page(r, &card, c.Filter, "search", strings.Fields(c.Filter.Keyword)...)
	out, err := e.Answers.Output(r.platform, "list", r.en, card)
	return outcome{out: out, level: "info"}, err
}
