package command

import (
	"context"
	"log/slog"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// assignSpec is 转派: the ticket's ownership in this chat handed to someone (@-mentioned, or
// their platform user id), over whoever had it. Where the vendor can hand the ticket over
// too (流转), the answer says how.
var assignSpec = Spec{Op: OpAssign, Zh: "转派", En: "assign", Aliases: []string{"指派"},
	UsageKey: "cmd_assign_usage", SummaryKey: "cmd_assign_summary",
	Ticket: true, Writes: true, Parse: parseAssign, Run: runAssign}

// parseAssign reads the ticket and the person: "@李四" or a user id, one word.
func parseAssign(p *parser, args, rest string) (Command, error) {
	if err := p.ticket(args, &args); err != nil {
		return p.c, err
	}
	who, more := splitWord(args)
	if who == "" {
		return p.c, p.usage("usage_no_person", "person")
	}
	p.c.Person = who
	return p.c, p.nothingMore(more, rest)
}

func runAssign(ctx context.Context, e *Env, r *req, c *Command, p providers.Provider, _ *slog.Logger) (outcome, error) {
	ref := c.Ticket.String()
	to, name, err := e.assignee(r, c.Person)
	if err != nil {
		return outcome{}, err
	}
	t, err := e.known(ctx, p, c.Ticket.ID)
	if err != nil {
		return outcome{}, err
	}
	before, err := e.Owners.SetOwner(ctx, store.Owner{Platform: r.platform, ChatID: r.chatID, Provider: p.Name(), TicketID: t.ID,
		UserID: to, UserName: name, By: r.userID, At: e.Now()})
	if err != nil {
		return outcome{}, err
	}
	text := e.text(r.en, "assigned", "ref", ref, "owner", e.who(r.platform, to, name))
	if before.UserID != "" && before.UserID != to {
		text += e.text(r.en, "assigned_from", "before", e.who(r.platform, before.UserID, before.UserName))
	}
	if providers.Can(p).Transfer && !t.Status.Terminal() {
		text += "\n" + e.text(r.en, "assigned_vendor_too", "vendor", e.Vendors.Label(p.Name(), r.en), "ref", ref, "person", c.Person)
	}
	return outcome{ticket: &t, level: "success", text: text}, nil
}

// assignee is whom a 转派 names: a mention the platform resolved, or a user id as typed.
func (e *Env) assignee(r *req, person string) (userID, name string, err error) {
	if n, ok := strings.CutPrefix(person, "@"); ok {
		if m, ok := r.mentioned(n); ok {
			return m.UserID, n, nil
		}
		return "", "", e.userErr("assign_who_unknown", "name", truncateRunes(n, 20))
	}
	if strings.ContainsFunc(person, func(c rune) bool { return c <= ' ' }) || len(person) > 128 {
		return "", "", e.userErr("assign_who_unknown", "name", truncateRunes(person, 20))
	}
	return person, "", nil
}
