package command

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/templates"
	"github.com/ticketbot/ticketbot/work"
)

// A transition is a change of a ticket's state the vendor makes at a person's request: 关闭,
// 重开, 驳回 and 流转. They take one path (transit): the vendor must be able to (providers.Can,
// else its reason), the ticket's status must allow it, the person must be its creator or an
// admin of the chat, a click wins only from the version its card showed (claim), and the
// vendor call is a job in the work engine, checked at the vendor before a repeat and recorded
// as the bot's own change. A row of the table says what differs: the call, the statuses it
// starts from, how the vendor shows it done, and its sentences (templates/messages.toml).
type transition struct {
	op Op // the command, the claim's op, the job's kind and the vendor operation (providers.OpClose, …)
	// can reports whether the vendor can do it.
	can func(providers.Capabilities) bool
	// from reports whether a ticket in status s may take it.
	from func(s providers.Status) bool
	// do makes the vendor call for the job's data.
	do func(ctx context.Context, p providers.Provider, id string, d jobData) error
	// done reports whether the vendor's ticket shows it happened already: a job whose outcome is
	// unknown is not repeated then.
	done func(t providers.Ticket, d jobData) bool
	// after is the ticket as the transition leaves it, when it cannot be read back.
	after func(t *providers.Ticket)
	// remark is the vendor-side remark when the person wrote none ("由 张三 在群聊中关闭
	// （ticketbot）"): the vendor's staff see who did it. Empty: none is sent.
	remark string
	// form is the card's input the button opens first (the reason of 驳回), with its toast and
	// placeholder; empty: none.
	form, boxKey, placeholderKey string

	// The sentences: its verb (op), done now, done later, kept for a retry, failed for good,
	// already being done, refused to the person, refused by the ticket's status, and the
	// card's footer (by a named person, by a chat member).
	opKey, doneKey, laterKey, keptKey, failedKey, busyKey, deniedKey, notFromKey, footerKey, footerMemberKey string
	// byKey, if set, says who did it already when the ticket's state shows the bot did.
	byKey string
	// style is its button's type: "danger", "primary" or "default".
	style string
	// The card: its button, the confirmation's titles (the card where the platform has no
	// dialog, the dialog) and warning, the confirming button.
	buttonKey, confirmTitleKey, dialogTitleKey, warningKey, confirmButtonKey string
}

// transitions are the table, in the order a card shows their buttons.
var transitions = []*transition{closing, reopening, rejecting, transferring}

// transitionFor is the transition of a command or a job kind, or nil.
func transitionFor(op string) *transition {
	for _, t := range transitions {
		if string(t.op) == op {
			return t
		}
	}
	return nil
}

// open is the from of the transitions of a ticket still being worked on.
func open(s providers.Status) bool { return !s.Terminal() }

// transit does tr to the ticket if the vendor can, the ticket's status allows it and the
// person may: text is the remark or reason, to the next handler (流转).
func (e *Env) transit(ctx context.Context, r *req, p providers.Provider, tr *transition, id, text, to string, log *slog.Logger) (outcome, error) {
	if !tr.can(providers.Can(p)) {
		return outcome{}, providers.Unsupported(p, string(tr.op))
	}
	ref := p.Name() + ":" + id
	st, serr := e.Tickets.State(ctx, p.Name(), id)
	if serr == nil && r.version >= 0 && st.Version != r.version {
		return e.lostClaim(r, st), nil // a repeated or stale click: no vendor call at all
	}
	t, err := e.fetch(ctx, p, id)
	if err != nil && retryable(err) {
		// The vendor is down: decide from what the bot knows; the outbox makes the call.
		t, err = e.known(ctx, p, id)
	}
	if err != nil {
		return outcome{}, err
	}
	if o, refused := e.notFrom(ctx, r, tr, t); refused {
		return o, nil
	}
	if err := e.mayTransit(ctx, r, p, tr, t); err != nil {
		return outcome{}, err
	}
	actor, err := e.actor(ctx, r, p.Name())
	if err != nil {
		return outcome{}, err
	}
	if text == "" && tr.remark != "" {
		name := actor.Name
		if name == "" {
			name = "群成员"
		}
		text = fmt.Sprintf(tr.remark, name)
	}
	if lost, ok := e.claim(ctx, r, p.Name(), id, string(tr.op)); !ok {
		return lost, nil
	}
	j := e.newJob(string(tr.op), r.deliveryKey(), r, p.Name(), id, jobData{Text: text, To: to, Actor: actor, Version: r.claimed})
	nt, end, err := e.Writes.Submit(ctx, j, log)
	switch end {
	case work.Queued:
		o := e.queuedOutcome(r, p.Name(), string(tr.op), err)
		o.ticket = &t
		return o, nil
	case work.Duplicate:
		return outcome{level: "info", text: e.text(r.en, tr.busyKey)}, nil
	case work.Failed:
		return outcome{}, err
	}
	log.Info("ticket "+string(tr.op)+" done", "provider", p.Name(), "ticket_id", id)
	if nt != nil {
		t = *nt
	}
	return outcome{ticket: &t, level: "success", footer: e.actedBy(tr, actor.Name),
		text: e.text(r.en, tr.doneKey, "ref", ref, "to", to)}, nil
}

// notFrom answers a transition the ticket's status does not allow (a close of a closed ticket,
// a reopen of an open one), with its card: nothing is asked of the vendor.
func (e *Env) notFrom(ctx context.Context, r *req, tr *transition, t providers.Ticket) (outcome, bool) {
	if tr.from(t.Status) {
		return outcome{}, false
	}
	o := outcome{ticket: &t, level: "info", text: e.text(r.en, tr.notFromKey, "ref", t.Ref(), "status", e.Answers.Messages().Status(t.Status, r.en))}
	// Read again: someone's same transition may have won while the vendor was asked.
	if now, err := e.Tickets.State(ctx, t.Provider, t.ID); tr.byKey != "" && err == nil && now.ActedOp == string(tr.op) && now.ActedBy != "" {
		o.text = e.text(r.en, tr.byKey, "ref", t.Ref(), "who", now.ActedBy)
	}
	return o, true
}

// mayTransit refuses a transition by anyone but the ticket's creator (through the bot, or by
// their vendor identity) and the chat's admins: the rule of 关闭, for every transition.
func (e *Env) mayTransit(ctx context.Context, r *req, p providers.Provider, tr *transition, t providers.Ticket) error {
	st, _ := e.Tickets.State(ctx, p.Name(), t.ID)
	if st.CreatorUserID == r.user() || r.isAdmin() {
		return nil
	}
	// The creator at the vendor (a ticket filed in its console) by their bound or configured id.
	id, err := e.identityOf(ctx, r.platform, r.userID, p.Name())
	if err != nil {
		return err
	}
	if id.id != "" && id.id == t.CreatorID {
		return nil
	}
	ue := e.userErr(tr.deniedKey, "ref", t.Ref())
	ue.denied = true
	return ue
}

// actedBy is the card's footer after a transition: who did it (a chat member with no name),
// in each chat's language.
func (e *Env) actedBy(tr *transition, who string) words {
	return func(en bool) string {
		if who == "" {
			return e.text(en, tr.footerMemberKey)
		}
		return e.text(en, tr.footerKey, "who", who)
	}
}

// warning is what a person is told before the transition, in its confirmation.
func (e *Env) warning(tr *transition, caps providers.Capabilities, en bool) string {
	if tr.op == OpClose && caps.CloseCreatorOnly {
		return e.text(en, "close_warning_creator_only")
	}
	return e.text(en, tr.warningKey)
}

// transitionButtons are the card's buttons of the transitions the vendor can do from the
// ticket's status. A button that acts asks first: in the platform's dialog, or where it has
// none with a confirmation card (confirm). A button with a form opens it first (where the
// platform has forms), and its submit asks.
func (b *Bot) transitionButtons(t providers.Ticket, caps providers.Capabilities, f bot.Features, version int64, en bool) []templates.Button {
	ref := t.Ref()
	say := func(key string, args ...any) string { return b.env.text(en, key, args...) }
	var out []templates.Button
	for _, tr := range transitions {
		if !tr.can(caps) || !tr.from(t.Status) || (tr.form != "" && !f.Forms) {
			continue
		}
		btn := templates.Button{Text: say(tr.buttonKey), Type: tr.style, Command: string(tr.op) + " " + ref}
		switch {
		case tr.form != "":
			// Opens the form: nothing is done yet.
		case f.Confirm:
			btn.Command = withVersion(btn.Command, version)
			btn.Confirm = &templates.Confirm{Title: say(tr.dialogTitleKey, "ref", ref), Text: b.env.warning(tr, caps, en)}
		default:
			btn.Command = withVersion("confirm "+btn.Command, version)
		}
		out = append(out, btn)
	}
	return out
}
