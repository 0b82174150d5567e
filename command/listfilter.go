package command

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/templates"
)

// A list's filter: `列表 待确认`, `列表 <vendor> 我的 本周`, `搜索 数据库` narrow the tickets the
// chat follows, and show them ten to a page. A filter is written with the words people type
// and carried on the next page's button in the canonical English ones.

// listPageSize is how many tickets one list card shows.
const listPageSize = 10

// listFilter narrows 列表 and 搜索.
type listFilter struct {
	// Provider keeps one vendor's tickets; Statuses those in one of the states.
	Provider string
	Statuses []providers.Status
	// Mine keeps the person's tickets here (owned, or created and owned by nobody); Within
	// those created since the start
	// of "today", "week" (Monday) or "month", in the bot's time zone.
	Mine   bool
	Within string
	// Keyword keeps the tickets whose title, details or id hold it (搜索).
	Keyword string
	// Page counts from 1.
	Page int
}

// statusWords are the words for a state in a filter, the canonical one first.
var statusWords = []struct {
	words    []string
	statuses []providers.Status
}{
	{[]string{"waiting", "待我方补充", "待补充", "待我方", "our-turn"}, []providers.Status{providers.StatusWaitingOnUs}},
	{[]string{"confirm", "待确认", "pending"}, []providers.Status{providers.StatusPendingConfirm}},
	{[]string{"progress", "处理中", "in-progress"}, []providers.Status{providers.StatusInProgress}},
	{[]string{"open", "待处理", "未处理"}, []providers.Status{providers.StatusOpen}},
	{[]string{"closed", "已关闭", "关闭"}, []providers.Status{providers.StatusClosed, providers.StatusCancelled}},
}

// withinWords are the time words, canonical first.
var withinWords = map[string]string{"today": "today", "今天": "today", "今日": "today",
	"week": "week", "本周": "week", "this-week": "week", "month": "month", "本月": "month", "this-month": "month"}

var mineWords = map[string]bool{"mine": true, "我的": true, "my": true}

// filterWord reads one word of a filter into f; ok is false for a word that is none.
func (p *parser) filterWord(f *listFilter, w string) bool {
	lw := strings.ToLower(w)
	if d, ok := p.vendors.Lookup(w); ok && f.Provider == "" {
		f.Provider = d.Name
		return true
	}
	for _, s := range statusWords {
		if slices.Contains(s.words, lw) {
			for _, st := range s.statuses {
				if !slices.Contains(f.Statuses, st) {
					f.Statuses = append(f.Statuses, st)
				}
			}
			return true
		}
	}
	if within, ok := withinWords[lw]; ok {
		f.Within = within
		return true
	}
	if mineWords[lw] {
		f.Mine = true
		return true
	}
	if n, ok := pageWord(lw); ok {
		f.Page = n
		return true
	}
	return false
}

// pageWord reads "第2页" or "page=2".
func pageWord(w string) (int, bool) {
	s, ok := strings.CutPrefix(w, "page=")
	if !ok {
		if s, ok = strings.CutPrefix(w, "第"); ok {
			s, ok = strings.CutSuffix(s, "页")
		}
	}
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 1 && n <= 1000
}

// words are the filter in canonical words, as the next page's button carries it.
func (f listFilter) words() []string { return f.wordsIn(false) }

// withinZh are the Chinese time words, by canonical one.
var withinZh = map[string]string{"today": "今天", "week": "本周", "month": "本月"}

// wordsIn are the filter in canonical words, or in the Chinese ones people type (zh).
func (f listFilter) wordsIn(zh bool) []string {
	pick := func(canonical, chinese string) string {
		if zh {
			return chinese
		}
		return canonical
	}
	var out []string
	if f.Provider != "" {
		out = append(out, f.Provider)
	}
	for _, s := range statusWords {
		if slices.ContainsFunc(s.statuses, func(st providers.Status) bool { return slices.Contains(f.Statuses, st) }) {
			out = append(out, pick(s.words[0], s.words[1]))
		}
	}
	if f.Mine {
		out = append(out, pick("mine", "我的"))
	}
	if f.Within != "" {
		out = append(out, pick(f.Within, withinZh[f.Within]))
	}
	return out
}

// narrowed reports whether anything but the page was asked for.
func (f listFilter) narrowed() bool {
	return f.Provider != "" || len(f.Statuses) > 0 || f.Mine || f.Within != "" || f.Keyword != ""
}

// since is the start of f's time window, zero for none.
func (f listFilter) since(now time.Time, zone *time.Location) time.Time {
	if zone == nil {
		zone = time.Local
	}
	t := now.In(zone)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, zone)
	switch f.Within {
	case "today":
		return day
	case "week":
		return day.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7)) // back to Monday
	case "month":
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, zone)
	}
	return time.Time{}
}

// keeps reports whether t passes f; mine is whose it is here (its owner, else its creator).
func (f listFilter) keeps(t providers.Ticket, mine, user string, since time.Time) bool {
	switch {
	case f.Provider != "" && t.Provider != f.Provider:
		return false
	case len(f.Statuses) > 0 && !slices.Contains(f.Statuses, t.Status):
		return false
	case f.Mine && mine != user:
		return false
	case !since.IsZero() && cmpTime(t.CreatedAt, t.UpdatedAt).Before(since):
		return false
	case f.Keyword != "" && !holds(t, f.Keyword):
		return false
	}
	return true
}

// cmpTime is a, else b when a is unknown.
func cmpTime(a, b time.Time) time.Time {
	if a.IsZero() {
		return b
	}
	return a
}

// holds reports whether the ticket's title, details, id or latest note hold the keyword,
// without regard to case.
func holds(t providers.Ticket, keyword string) bool {
	k := strings.ToLower(keyword)
	fields := []string{t.Title, t.Content, t.ID, t.Ref()}
	if t.LatestNote != nil {
		fields = append(fields, t.LatestNote.Body)
	}
	for _, s := range fields {
		if strings.Contains(strings.ToLower(s), k) {
			return true
		}
	}
	return false
}

// describe says the filter in a few words ("待确认 · <vendor> · 本周新建").
func (e *Env) describe(f listFilter, en bool) string {
	m := e.Answers.Messages()
	var parts []string
	for _, s := range statusWords {
		if slices.ContainsFunc(s.statuses, func(st providers.Status) bool { return slices.Contains(f.Statuses, st) }) {
			parts = append(parts, m.StatusText(providers.Ticket{Status: s.statuses[0]}, en))
		}
	}
	if f.Provider != "" {
		parts = append(parts, e.Vendors.Label(f.Provider, en))
	}
	if f.Mine {
		parts = append(parts, e.text(en, "list_filter_mine"))
	}
	if f.Within != "" {
		parts = append(parts, e.text(en, "list_filter_"+f.Within))
	}
	if f.Keyword != "" {
		quote := "「%s」"
		if en {
			quote = "“%s”"
		}
		parts = append(parts, fmt.Sprintf(quote, truncateRunes(f.Keyword, 20)))
	}
	return strings.Join(parts, " · ")
}

// filtered reads the tickets the chat follows that pass f, as the bot last saw them.
func (e *Env) filtered(ctx context.Context, r *req, f listFilter) ([]providers.Ticket, error) {
	fs, err := e.Follows.Following(ctx, r.platform, r.chatID)
	if err != nil {
		return nil, err
	}
	since := f.since(e.Now(), e.Zone)
	var out []providers.Ticket
	for _, fl := range fs {
		t := providers.Ticket{Provider: fl.Provider, ID: fl.TicketID, Status: providers.StatusUnknown}
		if last, ok := e.Tickets.Last(ctx, fl.Provider, fl.TicketID); ok {
			t = last
		}
		mine := ""
		if f.Mine {
			// Mine: owned by the person here, or created by them here and owned by nobody.
			if o, ok := e.ownerOf(ctx, r.platform, r.chatID, fl.Provider, fl.TicketID); ok {
				if o.UserID == r.userID {
					mine = r.user()
				}
			} else if st, err := e.Tickets.State(ctx, fl.Provider, fl.TicketID); err == nil {
				mine = st.CreatorUserID
			}
		}
		if f.keeps(t, mine, r.user(), since) {
			out = append(out, t)
		}
	}
	return out, nil
}

// page cuts a list card to f's page, with the button (or, where cards hold none, the words
// to type) for the next one; cmd is the command the next page repeats ("list", "search").
func (e *Env) page(r *req, card *templates.ListCard, f listFilter, cmd string, extra ...string) {
	total := len(card.Items)
	pages := max(1, (total+listPageSize-1)/listPageSize)
	page := min(max(f.Page, 1), pages)
	from := (page - 1) * listPageSize
	card.Items = card.Items[from:min(from+listPageSize, total)]
	e.pageOf(r, card, f, total, cmd, extra...)
}

// pageOf numbers card, whose Items are f's page of total tickets, and adds the way to the
// next page.
func (e *Env) pageOf(r *req, card *templates.ListCard, f listFilter, total int, cmd string, extra ...string) {
	pages := max(1, (total+listPageSize-1)/listPageSize)
	page := min(max(f.Page, 1), pages)
	card.Total, card.Page, card.Pages = total, page, pages
	if page == pages {
		return
	}
	words := append(append([]string{cmd, "page=" + strconv.Itoa(page+1)}, f.words()...), extra...)
	card.Next = &templates.Button{Text: e.text(r.en, "list_next", "page", page+1, "pages", pages), Command: strings.Join(words, " ")}
	typed := append([]string{e.text(r.en, "list_next_word_"+cmd)}, f.wordsIn(!r.en)...)
	typed = append(append(typed, extra...), e.text(r.en, "list_page_word", "page", page+1))
	card.NextTyped = strings.Join(typed, " ")
}
