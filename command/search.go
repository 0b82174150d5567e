package command

import (
	"context"
	"log/slog"
	"sort"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/templates"
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
	f := c.Filter
	var note string
	if f.Provider != "" {
		p, err := e.provider(r, f.Provider)
		if err != nil {
			return outcome{}, err
		}
		if providers.Can(p).Search {
			return e.searchVendor(ctx, r, p, f)
		}
		// The vendor's list cannot: the chat's own tickets of that vendor, and why.
		if ue, ok := providers.Unsupported(p, providers.OpSearch).(*providers.UnsupportedError); ok {
			note = ue.Reason
			if r.en {
				note = ue.ReasonEN
			}
		}
		note = strings.TrimSpace(note + " " + e.text(r.en, "search_here_instead"))
	}
	ts, err := e.filtered(ctx, r, f)
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
	card.Title = e.text(r.en, "search_title", "filter", e.describe(f, r.en), "n", len(card.Items))
	card.Filtered, card.Note = true, note
	e.page(r, &card, f, "search", strings.Fields(f.Keyword)...)
	out, err := e.Answers.Output(r.platform, "list", r.en, card)
	return outcome{out: out, level: "info"}, err
}

// searchVendor asks the vendor's own list for the keyword, a page at a time: every ticket of
// the vendor account that holds it, followed here or not.
func (e *Env) searchVendor(ctx context.Context, r *req, p providers.Provider, f listFilter) (outcome, error) {
	page := max(f.Page, 1)
	ts, total, err := providers.Search(ctx, p, f.Keyword, page, listPageSize)
	if err != nil {
		return outcome{}, err
	}
	data := listData{all: true, vendors: e.Vendors, en: r.en}
	for _, t := range ts {
		data.add(t)
	}
	card := templates.ListCard{Items: data.items, Filtered: true,
		Title: e.text(r.en, "search_vendor_title", "vendor", e.Vendors.Label(p.Name(), r.en), "keyword", truncateRunes(f.Keyword, 20), "n", total)}
	// One page of the vendor's is the card: page cuts nothing, it only counts and adds the
	// button, so it is given the vendor's total as that many places.
	e.pageOf(r, &card, f, int(total), "search", strings.Fields(f.Keyword)...)
	out, err := e.Answers.Output(r.platform, "list", r.en, card)
	return outcome{out: out, level: "info"}, err
}
