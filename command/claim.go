package command

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/tickets"
)

// A button that changes a ticket (a transition's, the reply box's 提交) carries the ticket's version as
// the card was drawn: "close <vendor>:1204 #v3". The click wins only from that version
// (store.ClaimTicket), so a second click, a second person or a card drawn before the ticket
// changed does nothing and is told why.

const versionMark = " #v"

// withVersion marks a button's command with the version its card shows.
func withVersion(cmd string, v int64) string { return cmd + versionMark + strconv.FormatInt(v, 10) }

// splitVersion takes the version off a button's command; -1 when it carries none (a card
// drawn before versions, a typed command).
func splitVersion(cmd string) (string, int64) {
	i := strings.LastIndex(cmd, versionMark)
	if i < 0 {
		return cmd, -1
	}
	v, err := strconv.ParseInt(cmd[i+len(versionMark):], 10, 64)
	if err != nil || v < 0 {
		return cmd, -1
	}
	return cmd[:i], v
}

// claim takes the ticket for op in the person's name. A click claims from the version its
// card showed; a typed command from the version it reads now, which still keeps two people
// (or a person and a click) from acting at once. When the claim is lost, the outcome says
// who has the ticket.
func (e *Env) claim(ctx context.Context, r *req, provider, id, op string) (outcome, bool) {
	v := r.version
	if v < 0 {
		st, err := e.Tickets.State(ctx, provider, id)
		if err != nil {
			return outcome{}, true // a ticket never stored is one no card shows: nothing to race
		}
		v = st.Version
	}
	who := r.userName
	if u := e.person(r); u != nil && u.Name != "" {
		who = u.Name
	}
	if who == "" {
		who = r.userID
	}
	st, ok, err := e.Tickets.Claim(ctx, provider, id, v, store.Claim{By: who, Op: op, At: e.Now()})
	if errors.Is(err, store.ErrNotFound) {
		return outcome{}, true
	}
	if err != nil {
		e.Log.Error("claim ticket", "provider", provider, "ticket_id", id, "err", err)
		return outcome{}, true // the store failing must not stop the work; the vendor still decides
	}
	if !ok {
		return e.lostClaim(r, st), false
	}
	r.claimed = st.Version
	return outcome{}, true
}

// lostClaim answers a click that lost: who acted, or that the card is out of date. A click
// gets the current card in place of the stale one.
func (e *Env) lostClaim(r *req, st store.TicketState) outcome {
	ref := st.Provider + ":" + st.TicketID
	key := "claim_done"
	switch {
	case st.ActedBy == "":
		key = "claim_stale"
	case st.ActedState == store.ClaimWorking:
		key = "claim_working"
	case st.ActedState == store.ClaimQueued:
		key = "claim_queued"
	}
	text := e.text(r.en, key, "ref", ref, "who", st.ActedBy, "op", e.opWord(st.ActedOp, r.en))
	o := outcome{level: "info", text: text, result: "stale"}
	if t, ok := tickets.Decode(st); r.click && ok {
		o.ticket = &t
	}
	return o
}

// opWord is the verb of a claimed action: "关闭" (工单 X 已由 @张三 关闭).
func (e *Env) opWord(op string, en bool) string {
	if tr := transitionFor(op); tr != nil {
		return e.text(en, tr.opKey)
	}
	if op == jobReply {
		return e.text(en, "op_reply")
	}
	return e.text(en, "op_other")
}

// queuedOutcome tells the person their write (a create, a reply, a transition) is kept and
// will be retried, and how they will learn it got through.
func (e *Env) queuedOutcome(r *req, provider, kind string, err error) outcome {
	key := "kept_reply"
	if tr := transitionFor(kind); tr != nil {
		key = tr.keptKey
	} else if kind == jobCreate {
		key = "kept_create"
	}
	return outcome{level: "warning", result: "queued",
		text: e.text(r.en, key, "vendor", e.Vendors.Label(provider, r.en), "code", failCode(err))}
}

// deliveryKey names the person's request for the outbox: the message they typed, or the
// click's event (a card's clicks share its message id).
func (r *req) deliveryKey() string {
	if r.formKey != "" {
		return "form-" + r.formKey // the create form: one ticket, however often it is submitted
	}
	if r.click && r.eventID != "" {
		return r.eventID
	}
	if r.click {
		return r.messageID + "/" + strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	return r.messageID
}
