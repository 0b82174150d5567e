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
// each vendor. It reads only the configuration: nothing is written, no vendor is asked.
var whoamiSpec = Spec{Op: OpWhoami, Zh: "我是谁", En: "whoami", Aliases: []string{"我的身份"},
	UsageKey: "cmd_whoami_usage", SummaryKey: "cmd_whoami_summary", Unaudited: true, Run: runWhoami}

func runWhoami(_ context.Context, e *Env, r *req, _ *Command, _ providers.Provider, _ *slog.Logger) (outcome, error) {
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
		label := e.Vendors.Label(v, r.en)
		if id := e.actor(r, v).VendorID; id != "" {
			ids = append(ids, e.text(r.en, "whoami_vendor_as", "vendor", label, "id", id))
		} else {
			ids = append(ids, e.text(r.en, "whoami_vendor_default", "vendor", label))
		}
	}
	text := e.text(r.en, "whoami", "name", name, "user", r.userID, "chat", r.chatID,
		"role", role, "vendors", strings.Join(ids, sep))
	return outcome{level: "info", text: text}, nil
}
