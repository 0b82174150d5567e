package command

import (
	"context"
	"log/slog"

	"github.com/ticketbot/ticketbot/providers"
)

// reopenSpec is 重开: a closed ticket back to the vendor, by its creator or a chat admin,
// where the vendor can reopen.
var reopenSpec = Spec{Op: OpReopen, Zh: "重开", En: "reopen", Aliases: []string{"重新打开"},
	UsageKey: "cmd_reopen_usage", SummaryKey: "cmd_reopen_summary",
	Ticket: true, Writes: true, Parse: parseRemark, Run: runReopen}

// reopening is 重开 as a transition: from a final status only.
var reopening = &transition{op: OpReopen,
	can:  func(c providers.Capabilities) bool { return c.Reopen },
	from: providers.Status.Terminal,
	do: func(ctx context.Context, p providers.Provider, id string, d jobData) error {
		return providers.Reopen(ctx, p, id, providers.ReopenRequest{Remark: d.Text, Actor: d.Actor})
	},
	done:   func(t providers.Ticket, _ jobData) bool { return !t.Status.Terminal() },
	after:  func(t *providers.Ticket) { t.Status = providers.StatusInProgress },
	remark: "由 %s 在群聊中重新打开（ticketbot）", style: "primary",
	opKey: "op_reopen", doneKey: "reopened", laterKey: "later_reopened", keptKey: "kept_reopen", failedKey: "failed_reopen",
	busyKey: "reopen_busy", deniedKey: "reopen_denied", notFromKey: "reopen_not_closed",
	footerKey: "reopened_footer", footerMemberKey: "reopened_footer_member",
	buttonKey: "button_reopen", confirmTitleKey: "confirm_reopen_title", dialogTitleKey: "confirm_reopen_ticket_title",
	warningKey: "reopen_warning", confirmButtonKey: "button_confirm_reopen"}

func runReopen(ctx context.Context, e *Env, r *req, c *Command, p providers.Provider, log *slog.Logger) (outcome, error) {
	return e.transit(ctx, r, p, reopening, c.Ticket.ID, c.Text, "", log)
}
