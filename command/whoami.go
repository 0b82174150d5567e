package command

import (
	"context"
	"log/slog"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
)

// whoamiSpec is 我是谁: who the bot takes the person for, in this chat. It answers with the
// ids an admin writes into [[chats]] and [[users]] (so nobody has to dig them out of the
// platform's console or the logs), what the person may do here, and whom they act as at
// each vendor (configured in [[users]], bound with 绑定, or the vendor's default). It writes
// nothing and asks no vendor.
var whoamiSpec = Spec{Op: OpWhoami, Zh: "我是谁", En: "whoami", Aliases: []string{"我的身份"},
	UsageKey: "cmd_whoami_usage", SummaryKey: "cmd_whoami_summary", Unaudited: true, Run: runWhoami}

func runWhoami(ctx context.Context, e *Env, r *req, _ *Command, _ providers.Provider, _ *slog.Logger) (outcome, error) {
	name := r.userName
	u := e.person(r)
	if u != nil && u.Name != "" {
		name = u.Name
	}
	var role string
	switch {
	case r.isAdmin():
		role = e.text(r.en, "whoami_role_admin")
	case !r.mayWrite():
		role = e.text(r.en, "whoami_role_viewer")
	case r.chat != nil && len(r.chat.Members) > 0:
		role = e.text(r.en, "whoami_role_member")
	default:
		role = e.text(r.en, "whoami_role_anyone")
	}
	sep := "、"
	if r.en {
		sep = ", "
	}
	var ids []string
	for _, v := range e.configuredNames() {
		line, err := e.whoAt(ctx, r, v)
		if err != nil {
			return outcome{}, err
		}
		ids = append(ids, line)
	}
	text := e.text(r.en, "whoami", "name", name, "user", r.userID, "chat", r.chatID,
		"role", role, "vendors", strings.Join(ids, sep))
	return outcome{level: "info", text: text}, nil
}

// whoAt says who the person is at one vendor, and where that comes from.
func (e *Env) whoAt(ctx context.Context, r *req, vendor string) (string, error) {
	label := e.Vendors.Label(vendor, r.en)
	p, _ := e.Providers.Provider(vendor)
	if !providers.Can(p).Identity {
		return e.text(r.en, "whoami_vendor_account", "vendor", label), nil
	}
	id, err := e.identityOf(ctx, r.platform, r.userID, vendor)
	if err != nil {
		return "", err
	}
	noun := nounIn(providers.IdentityNoun(p), r.en)
	switch id.source {
	case fromConfig:
		return e.text(r.en, "whoami_vendor_config", "vendor", label, "noun", noun, "id", id.id), nil
	case fromBinding:
		var who string
		if id.name != "" {
			who = " " + id.name
		}
		return e.text(r.en, "whoami_vendor_bound", "vendor", label, "noun", noun, "id", id.id, "who", who), nil
	}
	return e.text(r.en, "whoami_vendor_default", "vendor", label, "name", vendor, "noun", noun), nil
}
