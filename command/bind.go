package command

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// bindSpec is 绑定: a person says who they are at a vendor (an employee number, a staff id),
// so what they create, reply and close is theirs there, not the bot's default
// identity's. Stored; [[users]] in the configuration still wins. A chat admin may bind
// someone else (@them, or their user id), and take over an identity bound to another.
var bindSpec = Spec{Op: OpBind, Zh: "绑定", En: "bind", UsageKey: "cmd_bind_usage", SummaryKey: "cmd_bind_summary",
	Parse: parseBind, Run: runBind}

// parseBind reads "<vendor> <id> [@someone]", or "<vendor>:<id> [@someone]".
func parseBind(p *parser, args, rest string) (Command, error) {
	if err := p.nothingMore("", rest); err != nil {
		return p.c, err
	}
	word, after := splitWord(args)
	if word == "" {
		return p.c, p.usage("usage_bind_missing", "vendor")
	}
	vendor, id, glued := strings.Cut(strings.ReplaceAll(word, "：", ":"), ":")
	if !glued {
		id, after = splitWord(after)
	}
	name, err := p.vendorName(vendor)
	if err != nil {
		return p.c, err
	}
	if id == "" {
		return p.c, p.usage("usage_bind_missing_id", "id", "vendor", vendor)
	}
	p.c.Provider, p.c.VendorID, p.c.Person = name, id, strings.TrimSpace(after)
	return p.c, nil
}

// vendorName resolves a vendor as people write it (name, label or alias) to its name.
func (p *parser) vendorName(word string) (string, error) {
	if d, ok := p.vendors.Lookup(word); ok {
		return d.Name, nil
	}
	var names []string
	for _, d := range p.vendors.All() {
		names = append(names, d.Name)
	}
	return "", p.usage("usage_bind_vendor", "", "word", truncateRunes(word, 20), "vendors", strings.Join(names, ", "))
}

func runBind(ctx context.Context, e *Env, r *req, c *Command, _ providers.Provider, _ *slog.Logger) (outcome, error) {
	p, err := e.provider(r, c.Provider)
	if err != nil {
		return outcome{}, err
	}
	c.Ticket.Provider = p.Name() // names the vendor in a vendor error's sentence
	label := func(en bool) string { return e.Vendors.Label(p.Name(), en) }
	if !providers.Can(p).Identity {
		return outcome{}, e.userErrBy("bind_no_identity", func(en bool) []any { return []any{"vendor", label(en)} })
	}
	who, err := e.bindTarget(r, c.Person)
	if err != nil {
		return outcome{}, err
	}
	kind := providers.IdentityNoun(p)
	noun := func(en bool) string { return nounIn(kind, en) }
	if u := e.userByID(r.platform, who.userID); u != nil && u.VendorID(p.Name()) != "" {
		key := "bind_config_wins"
		if who.self {
			key = "bind_config_wins_self"
		}
		return outcome{}, e.userErrBy(key, func(en bool) []any {
			return []any{"person", who.shown(), "vendor", label(en), "noun", noun(en), "id", u.VendorID(p.Name())}
		})
	}
	ident, err := providers.CheckIdentity(ctx, p, c.VendorID)
	if errors.Is(err, providers.ErrInvalidIdentity) {
		return outcome{}, e.userErrBy("bind_invalid", func(en bool) []any {
			return []any{"id", truncateRunes(c.VendorID, 40), "vendor", label(en), "noun", noun(en), "name", p.Name(), "example", kind.Example}
		})
	}
	if err != nil {
		return outcome{}, err
	}
	displaced, err := e.Identities.Bind(ctx, store.Binding{Platform: r.platform, UserID: who.userID, Provider: p.Name(),
		VendorID: ident.ID, VendorName: ident.Name, By: r.userID, CreatedAt: e.Now()}, r.isAdmin())
	if _, taken := errors.AsType[*store.TakenError](err); taken {
		ue := e.userErrBy("bind_taken", func(en bool) []any { return []any{"vendor", label(en), "noun", noun(en), "id", ident.ID} })
		ue.denied = true
		return outcome{}, ue
	}
	if err != nil {
		return outcome{}, err
	}
	var named string
	if ident.Name != "" {
		named = "（" + ident.Name + "）"
		if r.en {
			named = " (" + ident.Name + ")"
		}
	}
	args := []any{"vendor", label(r.en), "noun", noun(r.en), "id", ident.ID, "who", named, "person", who.shown()}
	text := e.text(r.en, "bound_self", args...)
	if !who.self {
		text = e.text(r.en, "bound_other", args...)
	}
	if !ident.Checked {
		text = joinLines(text, e.text(r.en, "bound_unchecked", "vendor", label(r.en)))
	}
	if displaced.UserID != "" {
		text = joinLines(text, e.text(r.en, "bound_displaced", "person", displaced.UserID))
	}
	return outcome{level: "success", text: text}, nil
}

// bindee is whom a bind or an unbind is for.
type bindee struct {
	userID string
	name   string // as written (a mention's name), "" for a bare user id
	self   bool
}

// shown names someone else in a sentence, as they were written.
func (b bindee) shown() string {
	if b.name != "" {
		return "@" + b.name
	}
	return b.userID
}

// bindTarget finds whom a bind or unbind is for: the one who typed it, or, for a chat admin
// only, someone @-mentioned (where the platform says who a mention is) or named by user id.
func (e *Env) bindTarget(r *req, person string) (bindee, error) {
	if person == "" || person == r.userID {
		return bindee{userID: r.userID, self: true}, nil
	}
	if !r.isAdmin() {
		ue := e.userErr("bind_others_admin_only")
		ue.denied = true
		return bindee{}, ue
	}
	if name, ok := strings.CutPrefix(person, "@"); ok {
		if m, ok := r.mentioned(name); ok {
			return bindee{userID: m.UserID, name: name, self: m.UserID == r.userID}, nil
		}
		return bindee{}, e.userErr("bind_who_unknown", "name", truncateRunes(name, 20))
	}
	if strings.ContainsFunc(person, func(r rune) bool { return r <= ' ' }) || len(person) > 128 {
		return bindee{}, e.userErr("bind_who_unknown", "name", truncateRunes(person, 20))
	}
	return bindee{userID: person}, nil
}

// mentioned finds the person the message @-mentions by the name shown ("李四" of "@李四"),
// where the platform says who its mentions are.
func (r *req) mentioned(name string) (bot.Mention, bool) {
	for _, m := range r.mentions {
		if m.Name == name {
			return m, true
		}
	}
	return bot.Mention{}, false
}

// nounIn is the vendor's identity noun in a language.
func nounIn(k providers.IdentityKind, en bool) string {
	if en {
		return k.En
	}
	return k.Zh
}
