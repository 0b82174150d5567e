package handlers

import (
	"fmt"
	"strings"
	"unicode"
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
	// Text is a reply's text or a close remark.
	Text string
	// Secret is confidential content ("机密: …" / "secret: …" lines of new and reply), for
	// vendors that keep it apart (Aliyun secContent). It never reaches a group or a log.
	Secret string
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

// TicketRef is a ticket as written in chat: "ksyun:1204" (Provider set), "1204" or "#1204"
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
// command's usage.
type UsageError struct {
	Spec    *Spec
	English bool
	Problem string
}

func (e *UsageError) Error() string { return e.Problem }

// NotCommandError is text whose first word is no command.
type NotCommandError struct{ Word string }

func (e *NotCommandError) Error() string { return fmt.Sprintf("not a command: %q", e.Word) }

// providerAliases maps the names people write for vendors to provider names, including the
// Chinese ones, so `建单 金山云 …` works.
var providerAliases = map[string]string{
	"ksyun": "ksyun", "kingsoft": "ksyun", "金山云": "ksyun", "金山": "ksyun",
	"aliyun": "aliyun", "alibaba": "aliyun", "阿里云": "aliyun",
	"weiban": "weiban", "微伴": "weiban", "微伴助手": "weiban",
}

// ProviderName normalizes a vendor name a person wrote; ok is false for anything else.
func ProviderName(s string) (string, bool) {
	p, ok := providerAliases[strings.ToLower(s)]
	return p, ok
}

// Parse reads a command line: the @mention already removed, a leading "/" optional, the
// command name in Chinese or English, then its arguments. For `new`, the lines after the
// first are the details, with optional "优先级: 高" / "priority: high" and "类型: 咨询" /
// "type: question" lines.
func Parse(text string) (Command, error) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	text = strings.TrimLeft(text, "/／")
	first, rest, _ := strings.Cut(text, "\n")
	word, args := splitWord(first)
	if word == "" {
		return Command{Spec: specFor(OpHelp)}, nil
	}
	spec, en := lookup(word)
	if spec == nil {
		var glued string
		if spec, glued = lookupPrefix(word); spec == nil {
			return Command{}, &NotCommandError{Word: word}
		}
		args = strings.TrimSpace(glued + " " + args)
	}
	c := Command{Spec: spec, English: en}
	usage := func(problem string) error { return &UsageError{Spec: spec, English: en, Problem: problem} }

	switch spec.Op {
	case OpNew:
		rest, c.Secret = secretLines(rest)
		if w, r := splitWord(args); w != "" {
			if p, ok := ProviderName(w); ok {
				c.Provider, args = p, r
			}
		}
		// "建单 aliyun 机密: …" on one line: the secret is no title (a title is shown in the
		// group and sent in the clear).
		if t, sec := secretLines(args); sec != "" {
			args = t
			c.Secret = strings.TrimSpace(sec + "\n" + c.Secret)
		}
		c.Title = strings.TrimSpace(args)
		var body []string
		for _, line := range strings.Split(rest, "\n") {
			if k, v, ok := option(line); ok {
				switch k {
				case "priority":
					p, ok := priorityValue(v)
					if !ok {
						return c, usage(fmt.Sprintf("不认识的优先级「%s」（可用：紧急 / 高 / 中 / 低）", v))
					}
					c.Priority = p
				case "type":
					t, ok := typeValue(v)
					if !ok {
						return c, usage(fmt.Sprintf("不认识的类型「%s」（可用：问题 / 需求 / 咨询）", v))
					}
					c.Type = t
				}
				continue
			}
			body = append(body, line)
		}
		c.Content = strings.TrimSpace(strings.Join(body, "\n"))
		if c.Title == "" {
			if c.Content == "" {
				return c, usage("缺少工单标题")
			}
			// A title on the second line: take it from there.
			c.Title, c.Content, _ = strings.Cut(c.Content, "\n")
			c.Content = strings.TrimSpace(c.Content)
		}
		if c.Content == "" {
			c.Content = c.Title
		}
	case OpReply, OpClose:
		ref, r, ok := ticketArg(args)
		if !ok {
			return c, usage("缺少工单号")
		}
		c.Ticket = ref
		c.Text = strings.TrimSpace(strings.TrimSpace(r) + "\n" + rest)
		if spec.Op == OpReply {
			c.Text, c.Secret = secretLines(c.Text)
			c.Text = strings.TrimSpace(c.Text)
		}
	case OpShow, OpWatch, OpUnwatch:
		ref, _, ok := ticketArg(args)
		if !ok {
			return c, usage("缺少工单号")
		}
		c.Ticket = ref
	}
	return c, nil
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

// ticketArg reads a ticket reference: "ksyun:1204", "金山云:1204", "#1204" or "1204".
func ticketArg(s string) (TicketRef, string, bool) {
	w, rest := splitWord(s)
	if w == "" {
		return TicketRef{}, rest, false
	}
	w = strings.TrimPrefix(strings.TrimPrefix(w, "#"), "＃")
	var ref TicketRef
	if p, id, ok := strings.Cut(strings.ReplaceAll(w, "：", ":"), ":"); ok {
		name, known := ProviderName(p)
		if !known {
			name = strings.ToLower(p) // reported as "not configured" with the configured list
		}
		ref = TicketRef{Provider: name, ID: strings.TrimPrefix(id, "#")}
	} else {
		ref = TicketRef{ID: w}
	}
	if ref.ID == "" || !validID(ref.ID) {
		return TicketRef{}, rest, false
	}
	return ref, rest, true
}

// validID accepts what vendors use as ticket ids: digits, letters, '-' and '_' (Weiban's are
// long digit strings, Aliyun's may carry letters).
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
	return "", "", false
}

func priorityValue(v string) (string, bool) {
	switch strings.ToLower(v) {
	case "紧急", "urgent", "p0", "critical":
		return "urgent", true
	case "高", "high", "p1":
		return "high", true
	case "中", "普通", "normal", "medium", "p2":
		return "normal", true
	case "低", "low", "p3":
		return "low", true
	}
	return "", false
}

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
