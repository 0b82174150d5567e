package command

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/templates"
)

// Command is a parsed command line.
type Command struct {
	Spec *Spec
	// English is set when the command was typed with its English name; answers follow suit.
	English bool
	// Provider is the provider named in a `new` command, if any.
	Provider string
	// Ticket is the ticket a command acts on.
	Ticket TicketRef
	// Title, Content, Priority and Type belong to `new`; Priority and Type are normalized
	// ("high", "question").
	Title, Content, Priority, Type string
	// Text is a reply's text, a transition's remark or reason; for the button-only `confirm`
	// it is the command to confirm (Inner, parsed).
	Text string
	// To is the next handler a 流转 names.
	To string
	// Inner is the transition a `confirm` asks about.
	Inner *Command
	// Secret is confidential content ("机密: …" / "secret: …" lines of new and reply), for
	// vendors that keep it apart (one vendor's secContent). It never reaches a group or a log.
	Secret string
	// All asks `list` for closed tickets too; Filter narrows `list` and `search`.
	All    bool
	Filter listFilter
	// Topic is the command `help` was asked about ("帮助 建单").
	Topic *Spec
	// Language is what `语言` chooses: "zh", "en", "default" (forget the choice), or "" (say
	// what it is now); ForChat chooses the chat's rather than the person's own.
	Language string
	ForChat  bool
	// Quoted marks a `new` that answers or quotes a message: the ticket is made from that
	// message (its text, author, time and files), the typed title and details added.
	Quoted bool
	// VendorID is the identity `bind` binds at Provider; Person is whom bind and unbind are
	// for, as written ("@李四" or a platform user id), "" for the one who typed it.
	VendorID, Person string
	// Fields are the vendor's own fields a `new` names ("产品线: 云服务器"), as written, by
	// field name (providers.FieldProductLine); fieldLines are their lines, which go back
	// into the details at a vendor without the field.
	Fields     map[string]string
	fieldLines map[string]string
	// SubFilters are a 订阅's filters as typed (key=value,…); SubNumber is the subscription
	// 取消订阅 names.
	SubFilters []filterArg
	SubNumber  int64
}

// secretLines takes the confidential lines out of text: those starting with "机密:" or
// "secret:" (full-width colon too).
func secretLines(text string) (rest, secret string) {
	var keep, sec []string
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		k, v, ok := strings.Cut(strings.Replace(t, "：", ":", 1), ":")
		if ok && (k == "机密" || strings.EqualFold(k, "secret")) {
			sec = append(sec, strings.TrimSpace(v))
			continue
		}
		keep = append(keep, line)
	}
	return strings.Join(keep, "\n"), strings.TrimSpace(strings.Join(sec, "\n"))
}

// TicketRef is a ticket as written in chat: "<vendor>:1204" (Provider set), "1204" or "#1204"
// (Provider empty: the chat's default applies).
type TicketRef struct {
	Provider string
	ID       string
}

func (r TicketRef) String() string {
	if r.Provider == "" {
		return r.ID
	}
	return r.Provider + ":" + r.ID
}

// UsageError is a command that was recognised but written wrongly; the chat gets the
// command's usage line with the problem, in the language the command was typed in.
type UsageError struct {
	Spec    *Spec
	English bool
	// Problem and ProblemEN say what is wrong ("缺少工单号" / "the ticket is missing").
	Problem, ProblemEN string
	// Missing names the missing argument ("ticket", "text", "title"), if that is the problem.
	Missing string
}

func (e *UsageError) Error() string { return e.Problem }

// NotCommandError is text whose first word is no command.
type NotCommandError struct{ Word string }

func (e *NotCommandError) Error() string { return fmt.Sprintf("not a command: %q", e.Word) }

// Parse reads a typed command line: the @mention already removed, a leading "/" optional, the
// command name in Chinese or English, then its arguments. For `new`, the lines after the
// first are the details, with optional "优先级: 高" / "priority: high" and "类型: 咨询" /
// "type: question" lines. Every usage mistake (a missing ticket or text, a ticket written
// wrongly, words where none belong) is a *UsageError for that command.
func Parse(w Words, text string) (Command, error) {
	return parse(w, text, false)
}

// Words are what the parser knows besides the command table: the names people write for
// the vendors, and the catalog its usage problems are said from.
type Words struct {
	Vendors  *providers.Registry
	Messages *templates.Catalog
}

// parseButton reads a button's command: what a person could type, plus the button-only
// commands (Spec.Button) the cards use for their own steps.
func parseButton(w Words, text string) (Command, error) {
	return parse(w, text, true)
}

func parse(w Words, text string, button bool) (Command, error) {
	if w.Messages == nil {
		w.Messages = templates.DefaultCatalog()
	}
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	text = strings.TrimLeft(text, "/／")
	first, rest, _ := strings.Cut(text, "\n")
	rest = strings.TrimSpace(rest)
	word, args := splitWord(first)
	if word == "" {
		return Command{Spec: specFor(OpHelp)}, nil
	}
	spec, en := lookup(word, button)
	if spec == nil {
		var glued string
		if spec, glued = lookupPrefix(word); spec == nil {
			return Command{}, &NotCommandError{Word: word}
		}
		args = strings.TrimSpace(glued + " " + args)
	}
	p := parser{c: Command{Spec: spec, English: en}, words: w, vendors: w.Vendors}
	if spec.Parse == nil {
		return p.c, p.nothingMore(args, rest)
	}
	return spec.Parse(&p, args, rest)
}

// parser builds one command and its usage errors.
type parser struct {
	c       Command
	words   Words
	vendors *providers.Registry // the names people may write for a vendor
}

// usage is the usage mistake key of the catalog (args fill its placeholders); missing names
// the argument that is missing, if any.
func (p *parser) usage(key, missing string, args ...any) *UsageError {
	m := p.words.Messages
	return &UsageError{Spec: p.c.Spec, English: p.c.English, Problem: m.Text(key, false, args...),
		ProblemEN: m.Text(key, true, args...), Missing: missing}
}

// ticket reads the ticket argument at the start of args into the command and leaves the
// words after it in *after.
func (p *parser) ticket(args string, after *string) error {
	ref, r, err := ticketArg(p.vendors, args)
	if err != "" {
		if err == "missing" {
			return p.usage("usage_no_ticket", "ticket")
		}
		ex := "vendor:1204"
		if all := p.vendors.All(); len(all) > 0 {
			ex = all[0].Name + ":1204"
		}
		return p.usage("usage_bad_ticket", "", "word", truncateRunes(err, 20), "example", ex)
	}
	p.c.Ticket, *after = ref, r
	return nil
}

// nothingMore refuses words after a command that takes none (or no more).
func (p *parser) nothingMore(args, rest string) error {
	extra := strings.TrimSpace(args + "\n" + rest)
	if extra == "" {
		return nil
	}
	shown := truncateRunes(strings.Join(strings.Fields(extra), " "), 20)
	return p.usage("usage_extra", "", "words", shown)
}

// splitWord returns the first whitespace-separated word and the rest.
func splitWord(s string) (string, string) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// ticketArg reads a ticket reference: "<vendor>:1204", "<label>:1204", "<vendor> 1204", "#1204" or
// "1204". bad is "missing" when there is none, else the word that is no ticket.
func ticketArg(vendors *providers.Registry, s string) (ref TicketRef, rest string, bad string) {
	word, rest := splitWord(s)
	if word == "" {
		return TicketRef{}, rest, "missing"
	}
	w := strings.TrimPrefix(strings.TrimPrefix(word, "#"), "＃")
	if p, id, ok := strings.Cut(strings.ReplaceAll(w, "：", ":"), ":"); ok {
		name := strings.ToLower(p) // unknown: reported as "not configured" with the configured list
		if d, known := vendors.Lookup(p); known {
			name = d.Name
		}
		ref = TicketRef{Provider: name, ID: strings.TrimPrefix(id, "#")}
	} else if d, known := vendors.Lookup(w); known {
		// "<vendor> 1204": the vendor and the id as two words.
		id, r := splitWord(rest)
		ref, rest = TicketRef{Provider: d.Name, ID: strings.TrimPrefix(id, "#")}, r
	} else {
		ref = TicketRef{ID: w}
	}
	if ref.ID == "" || !validID(ref.ID) || strings.ContainsFunc(ref.Provider, unicode.IsSpace) {
		return TicketRef{}, rest, word
	}
	return ref, rest, ""
}

// validID accepts what vendors use as ticket ids: digits, letters, '-' and '_' (one vendor's
// are long digit strings, another's may carry letters).
func validID(id string) bool {
	if len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_')) {
			return false
		}
	}
	return true
}

// option reads a "key: value" line of a `new` command.
func option(line string) (key, value string, ok bool) {
	k, v, found := strings.Cut(strings.Replace(line, "：", ":", 1), ":")
	if !found {
		return "", "", false
	}
	switch strings.ToLower(strings.TrimSpace(k)) {
	case "优先级", "priority":
		return "priority", strings.TrimSpace(v), true
	case "类型", "type":
		return "type", strings.TrimSpace(v), true
	}
	if f, ok := fieldWords[strings.ToLower(strings.Join(strings.Fields(k), " "))]; ok && strings.TrimSpace(v) != "" {
		return f, strings.TrimSpace(v), true
	}
	return "", "", false
}

// fieldWords are the words for the vendors' own fields in a `new`'s option lines.
var fieldWords = map[string]string{
	"产品": providers.FieldProduct, "product": providers.FieldProduct,
	"分类": providers.FieldCategory, "category": providers.FieldCategory, "问题分类": providers.FieldCategory,
	"产品线": providers.FieldProductLine, "product line": providers.FieldProductLine, "product_line": providers.FieldProductLine,
	"模板": providers.FieldTemplate, "工单模板": providers.FieldTemplate, "template": providers.FieldTemplate,
	"处理人": providers.FieldHandler, "handler": providers.FieldHandler,
}

// fieldOrder is the order field lines are written in (the create form's submit) and put
// back into the details.
var fieldOrder = []string{providers.FieldProduct, providers.FieldCategory, providers.FieldProductLine,
	providers.FieldTemplate, providers.FieldHandler}

func typeValue(v string) (string, bool) {
	switch strings.ToLower(v) {
	case "问题", "故障", "问题排查", "incident", "problem", "bug":
		return "incident", true
	case "需求", "需求反馈", "request", "feature":
		return "request", true
	case "咨询", "question", "consult":
		return "question", true
	}
	return "", false
}

// Sensitive reports whether m carries confidential content ("机密:" / "secret:" lines): such a
// message is never stored, not even while it waits for a worker.
func Sensitive(m bot.Message) bool {
	_, secret := secretLines(m.Text)
	return secret != ""
}
