package command

import (
	"context"
	"log/slog"
	"strings"
	"sync"

	"github.com/ticketbot/ticketbot/providers"
)

// Op names a command independent of the language it was typed in.
type Op string

// The commands of the bot.
const (
	OpNew         Op = "new"
	OpReply       Op = "reply"
	OpClose       Op = "close"
	OpReopen      Op = "reopen"
	OpReject      Op = "reject"
	OpTransfer    Op = "transfer"
	OpShow        Op = "show"
	OpList        Op = "list"
	OpSearch      Op = "search"
	OpTake        Op = "claim"
	OpAssign      Op = "assign"
	OpMine        Op = "mine"
	OpReport      Op = "report"
	OpWatch       Op = "watch"
	OpUnwatch     Op = "unwatch"
	OpSubscribe   Op = "subscribe"
	OpUnsubscribe Op = "unsubscribe"
	OpHelp        Op = "help"
	OpWhoami      Op = "whoami"
	OpBind        Op = "bind"
	OpUnbind      Op = "unbind"
	OpLanguage    Op = "language"
	// Button-only steps of a card: redraw it quietly (the reply box's 取消), and ask before
	// a transition where the platform has no confirmation dialog.
	OpCard    Op = "card"
	OpConfirm Op = "confirm"
)

// Spec is one row of the command table: its names in both languages, how to use it, and what
// it does. The parser, the usage hints and the help card all come from this table.
type Spec struct {
	Op      Op
	Zh      string   // the Chinese name, shown first
	En      string   // the English name
	Aliases []string // other accepted names
	// UsageKey and SummaryKey are the catalog's sentences (templates/messages.toml) of its
	// usage line (usage hints, the help card) and its summary on the help card; a button-only
	// step has no summary.
	UsageKey, SummaryKey string
	// Button marks a step only a card's button takes; typing its name is no command, and the
	// help card does not list it.
	Button bool
	// Ticket marks a command that names a ticket: its vendor is resolved before Run.
	Ticket bool
	// Writes marks a command that writes to a vendor: with [[chats]] members set, only they
	// (and admins) may run it.
	Writes bool
	// Form marks a command whose button opens an input on the card first (the reply box, the
	// reason of 驳回): clicked without what the input gives, it is no usage mistake.
	Form bool
	// Unaudited marks a command that changes nothing and asks no vendor (help): the audit
	// table keeps who did what, and a row per help would only put the store on its path, as
	// the help answered in a callback's response (AnswerNow) has none either.
	Unaudited bool
	// Parse reads the words after the command's name (args) and the lines after the first
	// (rest) into the parser's command; nil takes nothing more.
	Parse func(p *parser, args, rest string) (Command, error)
	// Run does the command with what e gives it; p is the ticket's vendor when Ticket is set,
	// else nil.
	Run func(ctx context.Context, e *Env, r *req, c *Command, p providers.Provider, log *slog.Logger) (outcome, error)
}

// Commands is the command table, in the order the help card lists it: each row is declared
// in its command's own file. It is filled in init because the help command lists the table
// (a package variable's initializer may not depend on itself).
var Commands []Spec

func init() {
	Commands = []Spec{newSpec, replySpec, closeSpec, reopenSpec, rejectSpec, transferSpec, showSpec, listSpec, searchSpec, reportSpec, takeSpec, assignSpec, mineSpec, watchSpec, unwatchSpec, subscribeSpec, unsubscribeSpec,
		whoamiSpec, bindSpec, unbindSpec, languageSpec, helpSpec, cardSpec, confirmSpec}
}

// lookup finds the spec for a command name and whether it was typed in English; button-only
// steps are found only for buttons. The first row of the table that has the name wins, its
// Chinese name before its English one and its aliases (nameIndexes).
func lookup(word string, button bool) (*Spec, bool) {
	ix := nameIndexes()[0]
	if button {
		ix = nameIndexes()[1]
	}
	zh, okZh := ix.zh[word]
	low, okLow := ix.lower[strings.ToLower(word)]
	switch {
	case okZh && (!okLow || zh.row <= low.row):
		return zh.spec, false
	case okLow:
		return low.spec, low.en
	}
	return nil, false
}

// nameIndex finds a command by its Chinese name as typed, or by its English name or an alias
// in lower case: the row of the table each belongs to first.
type nameIndex struct {
	zh, lower map[string]namedRow
}

// namedRow is the row a name finds, and whether the name is English.
type namedRow struct {
	spec *Spec
	row  int
	en   bool
}

// nameIndexes are the names of typed commands ([0]) and of buttons' too ([1]), made once:
// every message the bot reads is looked up, on the ack path too.
var nameIndexes = sync.OnceValue(func() [2]nameIndex {
	var out [2]nameIndex
	for b := range out {
		ix := nameIndex{zh: map[string]namedRow{}, lower: map[string]namedRow{}}
		add := func(m map[string]namedRow, name string, r namedRow) {
			if _, ok := m[name]; !ok && name != "" {
				m[name] = r
			}
		}
		for i := range Commands {
			s := &Commands[i]
			if s.Button && b == 0 {
				continue
			}
			add(ix.zh, s.Zh, namedRow{s, i, false})
			add(ix.lower, s.En, namedRow{s, i, true})
			for _, a := range s.Aliases {
				add(ix.lower, strings.ToLower(a), namedRow{s, i, isASCII(a)})
			}
		}
		out[b] = ix
	}
	return out
})

// lookupPrefix finds a Chinese command name glued to its argument ("关闭1204"), preferring the
// longest name so "取消关注" is not read as "取消" + "关注".
func lookupPrefix(word string) (*Spec, string) {
	var best *Spec
	var bestName string
	for _, n := range chineseNames() {
		if !strings.HasPrefix(word, n.name) || len(n.name) <= len(bestName) {
			continue
		}
		best, bestName = n.spec, n.name
	}
	if best == nil {
		return nil, ""
	}
	return best, strings.TrimPrefix(word, bestName)
}

// namedSpec is one name a command is typed by.
type namedSpec struct {
	name string
	spec *Spec
}

// chineseNames lists the typed commands' Chinese names and aliases, which may be glued to
// their argument; made once (every message that is no command looks through them).
var chineseNames = sync.OnceValue(func() []namedSpec {
	var out []namedSpec
	for i := range Commands {
		s := &Commands[i]
		if s.Button {
			continue
		}
		for _, name := range append([]string{s.Zh}, s.Aliases...) {
			if !isASCII(name) {
				out = append(out, namedSpec{name, s})
			}
		}
	}
	return out
})

func specFor(op Op) *Spec {
	for i := range Commands {
		if Commands[i].Op == op {
			return &Commands[i]
		}
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
