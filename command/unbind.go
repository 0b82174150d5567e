package command

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// unbindSpec is 解绑: the person (or, by a chat admin, someone else) acts as the vendor's
// configured default identity again, and is told so again at their next write.
var unbindSpec = Spec{Op: OpUnbind, Zh: "解绑", En: "unbind", Aliases: []string{"解除绑定"},
	UsageKey: "cmd_unbind_usage", SummaryKey: "cmd_unbind_summary", Parse: parseUnbind, Run: runUnbind}

// parseUnbind reads "<vendor> [@someone]". The vendor need not be configured any more: a
// binding outlives its vendor's configuration and can still be removed.
func parseUnbind(p *parser, args, rest string) (Command, error) {
	if err := p.nothingMore("", rest); err != nil {
		return p.c, err
	}
	word, after := splitWord(args)
	if word == "" {
		return p.c, p.usage("usage_unbind_missing", "vendor")
	}
	name, err := p.vendorName(word)
	if err != nil {
		return p.c, err
	}
	p.c.Provider, p.c.Person = name, strings.TrimSpace(after)
	return p.c, nil
}

func runUnbind(ctx context.Context, e *Env, r *req, c *Command, _ providers.Provider, _ *slog.Logger) (outcome, error) {
	who, err := e.bindTarget(r, c.Person)
	if err != nil {
		return outcome{}, err
	}
	was, err := e.Identities.BindingOf(ctx, r.platform, who.userID, c.Provider)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return outcome{}, err
	}
	removed, err := e.Identities.Unbind(ctx, r.platform, who.userID, c.Provider)
	if err != nil {
		return outcome{}, err
	}
	var kind providers.IdentityKind
	if p, ok := e.Providers.Provider(c.Provider); ok {
		kind = providers.IdentityNoun(p)
	}
	args := []any{"person", who.shown(), "vendor", e.Vendors.Label(c.Provider, r.en), "noun", nounIn(kind, r.en), "id", was.VendorID}
	if !removed {
		key := "not_bound"
		if who.self {
			key = "not_bound_self"
		}
		return outcome{level: "info", text: e.text(r.en, key, args...)}, nil
	}
	// Acting as the default again: the next write says so again.
	if err := e.Identities.ForgetTold(ctx, r.platform, who.userID, c.Provider); err != nil {
		e.Log.Warn("forget the default identity told", "provider", c.Provider, "err", err)
	}
	key := "unbound"
	if who.self {
		key = "unbound_self"
	}
	return outcome{level: "success", text: e.text(r.en, key, args...)}, nil
}
