package templates

import (
	"encoding/json"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	"github.com/ticketbot/ticketbot/providers"
)

// funcs is the small, curated function set templates may use. Every string that reaches a card
// must pass through json (and md, for markdown elements): templates build JSON by hand, and an
// unescaped quote or newline would break the card (or worse, change it).
func (r *Renderer) funcs() template.FuncMap {
	return template.FuncMap{
		"json":     jsonString,
		"md":       markdownEscape,
		"wxmd":     wecomMarkdownEscape,
		"truncate": truncate,
		"time":     r.formatTime,
		"add":      func(a, b int) int { return a + b },
		"lines":    firstLines,
		"color":    StatusColor,
		"tagColor": tagColor,
		"wxcolor":  wecomColor,
		"choose":   choose,
	}
}

// Select is a select menu a template draws in one place however often it is used (the create
// form has several): its name, placeholder, the value shown, its choices, and the command a
// change calls back with ("" inside a form, whose submit carries it).
type Select struct {
	Name, Placeholder, Value, Pick string
	Choices                        []Choice
}

// choose makes a Select: choose name placeholder value pick choices.
func choose(name, placeholder, value, pick string, choices []Choice) Select {
	return Select{Name: name, Placeholder: placeholder, Value: value, Pick: pick, Choices: choices}
}

// langFuncs are the functions whose words depend on the language a card is drawn in: t, a
// catalog sentence by key (its placeholders filled from name, value pairs), and the words
// for a ticket's state, flags and priority.
func (r *Renderer) langFuncs(en bool) template.FuncMap {
	m := r.Messages()
	return template.FuncMap{
		"t":          func(key string, args ...any) string { return m.Text(key, en, args...) },
		"statusText": func(t providers.Ticket) string { return m.StatusText(t, en) },
		"flagText":   func(f providers.Flag) string { return m.Flag(f, en) },
		"priority":   func(t providers.Ticket) string { return m.Priority(t, en) },
	}
}

// jsonString renders v as a JSON value: a quoted, escaped string for strings.
// HTML escaping is off: the output is JSON for a chat API, not HTML, and golden files stay
// readable.
func jsonString(v any) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// markdownReplacer escapes what Feishu card markdown would interpret: its HTML-like tags
// (<at id=all> would @ everyone), emphasis, links and code. Feishu documents numeric HTML
// entities as the escape for these characters.
var markdownReplacer = strings.NewReplacer(
	"&", "&#38;",
	"<", "&#60;",
	">", "&#62;",
	"*", "&#42;",
	"_", "&#95;",
	"~", "&#126;",
	"`", "&#96;",
	"[", "&#91;",
	"]", "&#93;",
	"#", "&#35;",
)

func markdownEscape(s string) string { return markdownReplacer.Replace(s) }

// truncate shortens s to at most n characters (runes, so CJK is never cut mid-character),
// ending with an ellipsis when it cut.
func truncate(n int, s string) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 1 {
		return "…"
	}
	rs := []rune(s)
	return strings.TrimRight(string(rs[:n-1]), " \n") + "…"
}

// firstLines keeps the first n lines of s, marking that more followed.
func firstLines(n int, s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	parts := strings.SplitN(s, "\n", n+1)
	if len(parts) <= n {
		return s
	}
	return strings.Join(parts[:n], "\n") + "\n…"
}

// formatTime shows a time in the renderer's zone; the zero time shows as "—".
func (r *Renderer) formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(r.loc).Format("2006-01-02 15:04")
}

// tagColor is the colour of a status tag; text tags have "neutral" where headers have "grey".
func tagColor(s providers.Status) string {
	if c := StatusColor(s); c != "grey" {
		return c
	}
	return "neutral"
}

// wecomReplacer neutralizes what WeCom markdown would interpret in text people wrote: <@all>
// style mentions and <font> tags, links, emphasis and headings. WeCom documents no escape
// sequence, so the full-width look-alikes stand in.
var wecomReplacer = strings.NewReplacer(
	"<", "＜", ">", "＞", "[", "［", "]", "］", "*", "＊", "`", "｀", "#", "＃",
)

func wecomMarkdownEscape(s string) string { return wecomReplacer.Replace(s) }

// wecomColor is the WeCom markdown font colour of a status: WeCom has three, so the states
// the group must act on are "warning", the others in work "info", the finished "comment".
func wecomColor(s providers.Status) string {
	switch s {
	case providers.StatusWaitingOnUs, providers.StatusPendingConfirm:
		return "warning"
	case providers.StatusClosed, providers.StatusCancelled, providers.StatusUnknown, "":
		return "comment"
	}
	return "info"
}
