package command

import (
	"context"
	"log/slog"
	"strings"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/templates"
)

// helpSpec is 帮助: the help card, made from the command table.
var helpSpec = Spec{Op: OpHelp, Zh: "帮助", En: "help", Aliases: []string{"?", "？", "h"},
	UsageKey: "cmd_help_usage", SummaryKey: "cmd_help_summary", Unaudited: true,
	Parse: parseHelp, Run: runHelp}

// parseHelp reads an optional command name, the topic.
func parseHelp(p *parser, args, rest string) (Command, error) {
	if w, r := splitWord(args); w != "" {
		if t, _ := lookup(strings.TrimLeft(w, "/／"), false); t != nil {
			p.c.Topic, args = t, r
		}
	}
	return p.c, p.nothingMore(args, rest)
}

func runHelp(_ context.Context, e *Env, r *req, c *Command, _ providers.Provider, _ *slog.Logger) (outcome, error) {
	out, err := e.help(r, c.Topic)
	if out != nil {
		out = out.Clone() // the answer's own: the outbox and the platforms may change it
	}
	return outcome{out: out, level: "info"}, err
}

// help is the help for r's platform (one command's, with topic), drawn once: it depends only
// on the platform, the topic, the sample's vendor (all fixed by the configuration) and the
// language. The
// answer is shared by every caller, so it is read-only: runHelp copies it for the queue, and
// an answer in the ack (AnswerNow) only reads it.
func (e *Env) help(r *req, topic *Spec) (*bot.Outgoing, error) {
	vendor := e.exampleVendor(r)
	lang := langZh
	if r.en {
		lang = langEn
	}
	key := r.platform + "\x00" + vendor + "\x00" + lang // one concatenation: one allocation
	if topic != nil {
		key += "\x00" + string(topic.Op)
	}
	if out, ok := e.helps.Load(key); ok {
		return out.(*bot.Outgoing), nil
	}
	card := e.HelpCard(e.Answers.Features(r.platform), topic, vendor, r.en)
	if topic == nil {
		card.New = e.newButton(r)
	}
	out, err := e.Answers.Output(r.platform, "help", r.en, card)
	if err != nil || out == nil {
		return out, err
	}
	e.helps.Store(key, out)
	return out, nil
}

// HelpCard is the help card's data, generated from the table, in the words of the platform
// (a card's thread, or a quote without threads) and in English when en: a Chinese card names
// each command in both languages, an English one in English. topic, when set, limits it to
// one command.
func (e *Env) HelpCard(f bot.Features, topic *Spec, vendor string, en bool) templates.HelpCard {
	h := templates.HelpCard{Example: e.text(en, "help_example", "vendor", vendor)}
	if topic != nil {
		h.Example = ""
	}
	for i := range Commands {
		s := &Commands[i]
		if s.Button || (topic != nil && topic != s) {
			continue
		}
		c := templates.HelpCommand{Name: s.Zh, English: s.En, Usage: e.usageLine(s, f, en), Summary: e.text(en, s.SummaryKey)}
		if en {
			c.Name, c.English = s.En, ""
		}
		h.Commands = append(h.Commands, c)
	}
	return h
}

// answerInCard says how people answer a ticket right on its card, in the platform's words:
// without threads, people quote the card.
func (e *Env) answerInCard(f bot.Features, en bool) string {
	if f.Threads {
		return e.text(en, "answer_in_thread")
	}
	return e.text(en, "answer_by_quote")
}
