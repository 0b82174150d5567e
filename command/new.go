package command

import (
	"context"
	"log/slog"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/work"
)

// newSpec is 建单: a ticket at a vendor, and its card in the chat.
var newSpec = Spec{Op: OpNew, Zh: "建单", En: "new", Aliases: []string{"新建", "提单", "create"},
	UsageKey: "cmd_new_usage", SummaryKey: "cmd_new_summary",
	Writes: true, Parse: (*parser).new, Run: runNew}

func runNew(ctx context.Context, e *Env, r *req, c *Command, _ providers.Provider, log *slog.Logger) (outcome, error) {
	return e.create(ctx, r, c, log)
}

// create makes the ticket at the vendor, follows it from this chat and posts its card. A
// title whose first word looks like a vendor's name (a typo of one, "tencent") is asked about and
// nothing is created: filed at the default vendor it would be a ticket nobody meant.
func (e *Env) create(ctx context.Context, r *req, c *Command, log *slog.Logger) (outcome, error) {
	if c.Provider == "" {
		if g, ok := e.guessVendor(c.Title); ok {
			return outcome{}, e.question(g, c.Title, e.configuredNames(), e.defaultProvider(r))
		}
		if names := e.configuredNames(); e.defaultProvider(r) == "" && len(names) > 0 {
			return outcome{}, e.userErrBy("vendor_missing", func(en bool) []any {
				return []any{"example", e.text(en, "example_new", "vendor", names[0], "title", truncateRunes(c.Title, 30)), "available", list(names, en)}
			})
		}
	}
	p, err := e.provider(r, c.Provider)
	if err != nil {
		return outcome{}, err
	}
	c.Ticket.Provider = p.Name() // for the error sentence
	var notes []words
	if c.Quoted {
		if notes, err = e.fromMessage(ctx, r, c, p); err != nil {
			return outcome{}, err
		}
	}
	actor, err := e.actor(ctx, r, p.Name())
	if err != nil {
		return outcome{}, err
	}
	fields, err := e.resolveFields(ctx, p, c)
	if err != nil {
		return outcome{}, err
	}
	req := providers.CreateRequest{Title: c.Title, Content: c.Content, Priority: c.Priority, Type: c.Type, Actor: actor, Fields: fields}
	var t providers.Ticket
	secretLost := false
	if c.Secret != "" {
		if !providers.Can(p).SecretCreate {
			return outcome{}, e.noSecrets(p.Name())
		}
		// Confidential content is never stored, so this create is not kept in the work
		// engine: it is tried once, and a vendor that is down is told to the person.
		t, err = providers.CreateSecret(ctx, p, req, providers.Secret(c.Secret))
		if err != nil && t.ID == "" && retryable(err) {
			return outcome{}, e.notKept(p.Name(), err)
		}
		if err != nil && t.ID != "" {
			// Created, but the confidential part did not get through: say so, keep the ticket.
			log.Warn("confidential content not sent", "provider", p.Name(), "ticket_id", t.ID)
			err, secretLost = nil, true
		}
	} else {
		// Through the work engine, files too (fetched again at each try): a create that fails
		// for now is checked at the vendor (by title and time) before it is tried again,
		// never repeated blindly; a vendor that cannot be asked is not retried at all.
		if err := e.mayAttach(p, r.files, false); err != nil {
			return outcome{}, err
		}
		j := e.newJob(jobCreate, r.deliveryKey(), r, p.Name(), "", jobData{Create: &req, Actor: req.Actor, Files: r.files})
		nt, end, jerr := e.Writes.Submit(ctx, j, log)
		switch end {
		case work.Queued:
			return e.queuedOutcome(r, p.Name(), jobCreate, jerr), nil
		case work.Duplicate:
			return outcome{level: "info", text: e.text(r.en, "create_busy")}, nil
		case work.Failed:
			return outcome{}, jerr
		}
		log.Info("ticket created", "provider", nt.Provider, "ticket_id", nt.ID)
		return e.createdOutcome(r, *nt, c.Priority, false, notes...), nil // the engine recorded and followed it
	}
	if err != nil {
		return outcome{}, err
	}
	log.Info("ticket created", "provider", t.Provider, "ticket_id", t.ID)
	e.track(ctx, t, r.platform, r.chatID, r.user(), log)
	return e.createdOutcome(r, t, c.Priority, secretLost, notes...), nil
}

// track records a ticket the bot just created as its own and makes the chat follow it. The
// ticket exists now: a failure here is logged, never reported as a failed create.
func (e *Env) track(ctx context.Context, t providers.Ticket, platform, chatID, user string, log *slog.Logger) {
	if err := e.Tickets.Remember(ctx, t, user, true); err != nil {
		log.Error("store ticket", "provider", t.Provider, "ticket_id", t.ID, "err", err)
	}
	if err := e.Follows.Follow(ctx, store.Follow{Platform: platform, ChatID: chatID, Provider: t.Provider, TicketID: t.ID, By: user, CreatedAt: e.Now()}); err != nil {
		log.Error("follow ticket", "provider", t.Provider, "ticket_id", t.ID, "err", err)
	}
}

// createdOutcome shows the new ticket's card; its footer says what was not filed as asked:
// a priority the vendor has no level for, confidential content that did not get through, and
// the notes given (files of an answered message left out).
func (e *Env) createdOutcome(r *req, t providers.Ticket, asked string, secretLost bool, given ...words) outcome {
	o := outcome{ticket: &t, fresh: true, level: "success",
		text: e.text(r.en, "created", "vendor", e.Vendors.Label(t.Provider, r.en), "ref", t.Ref())}
	o.footer = func(en bool) string {
		var notes []string
		for _, g := range given {
			notes = append(notes, g.in(en))
		}
		if n := e.priorityNote(asked, t, en); n != "" {
			notes = append(notes, n)
		}
		if secretLost {
			notes = append(notes, e.text(en, "secret_lost", "ref", t.Ref()))
		}
		return strings.Join(notes, "\n")
	}
	return o
}

// priorityNote tells the person when the ticket was not filed at the priority they asked
// for: the vendor has no such level (the nearest was used), or no priority at all.
func (e *Env) priorityNote(asked string, t providers.Ticket, en bool) string {
	if asked == "" || asked == t.PriorityLevel {
		return ""
	}
	m := e.Answers.Messages()
	l, want := e.Vendors.Label(t.Provider, en), m.Priority(providers.Ticket{PriorityLevel: asked}, en)
	if t.PriorityLevel == "" {
		return e.text(en, "priority_none", "vendor", l, "asked", want)
	}
	return e.text(en, "priority_nearest", "vendor", l, "asked", want, "used", m.Priority(t, en))
}

func (p *parser) new(args, rest string) (Command, error) {
	c := &p.c
	rest, c.Secret = secretLines(rest)
	if w, r := splitWord(args); w != "" {
		if d, ok := p.vendors.Lookup(w); ok {
			c.Provider, args = d.Name, r
		}
	}
	// "建单 <vendor> 机密: …" on one line: the secret is no title (a title is shown in the
	// group and sent in the clear).
	if t, sec := secretLines(args); sec != "" {
		args = t
		c.Secret = strings.TrimSpace(sec + "\n" + c.Secret)
	}
	c.Title = strings.TrimSpace(args)
	var body []string
	for _, line := range strings.Split(rest, "\n") {
		k, v, ok := option(line)
		if !ok {
			body = append(body, line)
			continue
		}
		switch k {
		case "priority":
			pr, ok := providers.ParsePriority(v)
			if !ok {
				return *c, p.usage("usage_priority", "", "value", truncateRunes(v, 20))
			}
			c.Priority = pr
		case "type":
			ty, ok := typeValue(v)
			if !ok {
				return *c, p.usage("usage_type", "", "value", truncateRunes(v, 20))
			}
			c.Type = ty
		default: // a vendor's own field, found among its choices when the ticket is filed
			if c.Fields == nil {
				c.Fields, c.fieldLines = map[string]string{}, map[string]string{}
			}
			c.Fields[k], c.fieldLines[k] = v, strings.TrimSpace(line)
		}
	}
	c.Content = strings.TrimSpace(strings.Join(body, "\n"))
	if c.Title == "" {
		if c.Content == "" {
			return *c, p.usage("usage_no_title", "title")
		}
		// A title on the second line: take it from there.
		c.Title, c.Content, _ = strings.Cut(c.Content, "\n")
		c.Title = strings.TrimSpace(c.Title)
		c.Content = strings.TrimSpace(c.Content)
	}
	if c.Content == "" {
		c.Content = c.Title
	}
	return *c, nil
}
