package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/tickets"
)

// A button that changes a ticket (关闭, the reply box's 提交) carries the ticket's version as
// the card was drawn: "close ksyun:1204 #v3". The click wins only from that version
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
func (b *Bot) claim(ctx context.Context, r *req, provider, id, op string) (outcome, bool) {
	v := r.version
	if v < 0 {
		st, err := b.tickets.State(ctx, provider, id)
		if err != nil {
			return outcome{}, true // a ticket never stored is one no card shows: nothing to race
		}
		v = st.Version
	}
	who := r.userName
	if u := b.person(r); u != nil && u.Name != "" {
		who = u.Name
	}
	if who == "" {
		who = r.userID
	}
	st, ok, err := b.tickets.Claim(ctx, provider, id, v, store.Claim{By: who, Op: op, At: b.Now()})
	if errors.Is(err, store.ErrNotFound) {
		return outcome{}, true
	}
	if err != nil {
		b.Log.Error("claim ticket", "provider", provider, "ticket_id", id, "err", err)
		return outcome{}, true // the store failing must not stop the work; the vendor still decides
	}
	if !ok {
		return b.lostClaim(r, st), false
	}
	r.claimed = st.Version
	return outcome{}, true
}

// lostClaim answers a click that lost: who acted, or that the card is out of date. A click
// gets the current card in place of the stale one.
func (b *Bot) lostClaim(r *req, st store.TicketState) outcome {
	ref := st.Provider + ":" + st.TicketID
	op := opWord(st.ActedOp, r.en)
	var text string
	switch {
	case st.ActedBy == "":
		text = say(r.en, fmt.Sprintf("卡片已过期：工单 %s 已有新的变化，卡片已刷新，请看过后再操作。", ref),
			fmt.Sprintf("This card was out of date: %s changed since. The card is refreshed; check it and try again.", ref))
	case st.ActedState == store.ClaimWorking:
		text = say(r.en, fmt.Sprintf("@%s 正在%s工单 %s，请勿重复操作。", st.ActedBy, op, ref),
			fmt.Sprintf("@%s is handling %s (%s) right now.", st.ActedBy, ref, op))
	case st.ActedState == store.ClaimQueued:
		text = say(r.en, fmt.Sprintf("@%s %s工单 %s 的请求已排队，供应商恢复后会自动提交，请勿重复操作。", st.ActedBy, op, ref),
			fmt.Sprintf("@%s's %s of %s is queued and will be sent once the vendor recovers.", st.ActedBy, op, ref))
	default:
		text = say(r.en, fmt.Sprintf("工单 %s 已由 @%s %s，无需重复操作。", ref, st.ActedBy, op),
			fmt.Sprintf("Already handled by @%s (%s).", st.ActedBy, op))
	}
	o := outcome{level: "info", text: text, result: "stale"}
	if t, ok := tickets.Decode(st); r.click && ok {
		o.ticket = &t
	}
	return o
}

// opWord is the verb of a claimed action: "关闭" (工单 X 已由 @张三 关闭).
func opWord(op string, en bool) string {
	switch op {
	case "close":
		return say(en, "关闭", "close")
	case "reply":
		return say(en, "回复", "reply")
	}
	return say(en, "处理", "action")
}

// queuedOutcome tells the person their write (jobCreate, jobReply, jobClose) is kept and
// will be retried, and how they will learn it got through.
func (b *Bot) queuedOutcome(r *req, provider, kind string, err error) outcome {
	l := b.Vendors.Label(provider, r.en)
	var zh, en string
	switch kind {
	case jobCreate:
		zh = "建单请求已保存，机器人会自动重试；每次重试前先向" + l + "核对工单是否已经建好，不会重复建单。建好后会在此告知。"
		en = "The request is kept and will be retried; before each try the bot checks at " + l + " whether the ticket exists already, so it is never filed twice. You will be told here once it is created."
	case jobClose:
		zh, en = "关闭请求已保存，机器人会自动重试，关闭后会在此告知。", "The close is kept and will be retried; you will be told here once it is done."
	default:
		zh, en = "回复已保存，机器人会自动重试，送达后会在此告知。", "Your reply is kept and will be retried; you will be told here once it gets through."
	}
	return outcome{level: "warning", result: "queued", text: say(r.en,
		fmt.Sprintf("%s暂时无法访问（%s）。%s", l, failCode(err), zh),
		fmt.Sprintf("%s is unavailable right now (%s). %s", l, failCode(err), en))}
}

// deliveryKey names the person's request for the outbox: the message they typed, or the
// click's event (a card's clicks share its message id).
func (r *req) deliveryKey() string {
	if r.click && r.eventID != "" {
		return r.eventID
	}
	if r.click {
		return r.messageID + "/" + strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	return r.messageID
}
