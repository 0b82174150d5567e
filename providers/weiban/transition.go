package weiban

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ticketbot/ticketbot/providers"
)

// This file holds Weiban's transitions beyond close: transfer (流转, switch) is the one its API
// has; Unsupported says why the others are missing.

var (
	_ providers.Transferrer = (*Provider)(nil)
	_ providers.Explainer   = (*Provider)(nil)
)

// Transfer hands a work order to the staff member r.To (流转, POST /open-api/workorder/switch,
// api-8269990), as the person's Weiban staff id or the bot's with their name before the
// remark. It reads detail first: a closed work order gives ErrAlreadyClosed and one r.To already
// handles ErrWrongState, and neither is sent. A remark over Weiban's 600 characters is refused
// with *providers.TooLongError rather than cut, so nothing the person wrote is lost.
func (p *Provider) Transfer(ctx context.Context, id string, r providers.TransferRequest) error {
	wrap := func(err error) error { return fmt.Errorf("weiban: transfer work order %s: %w", id, err) }
	to := strings.TrimSpace(r.To)
	if to == "" {
		return wrap(errors.New("the next handler's staff id is empty"))
	}
	remark := strings.TrimSpace(r.Remark)
	staff, text := p.actor(r.Actor, remark)
	if n := utf8.RuneCountInString(text); n > maxSwitchText {
		prefix := n - utf8.RuneCountInString(remark) // the name the bot puts before it
		return wrap(&providers.TooLongError{Max: maxSwitchText - prefix, Got: n - prefix})
	}
	w, err := p.detail(ctx, id)
	if err != nil {
		return wrap(err)
	}
	t, _ := p.m.ticket(w, "")
	switch {
	case t.Status.Terminal():
		return wrap(fmt.Errorf("%w (%s)", providers.ErrAlreadyClosed, t.Status))
	case t.HandlerID == to:
		return wrap(fmt.Errorf("%w: %s handles it already", providers.ErrWrongState, to))
	}
	err = p.switchTo(ctx, string(w.OrderNo), staff, to, text)
	if codeOf(err) == codeClosed {
		return wrap(fmt.Errorf("%w (%w)", providers.ErrAlreadyClosed, err))
	}
	if err != nil {
		return wrap(err)
	}
	return nil
}

// Unsupported says why Weiban's API cannot reopen or reject a work order, and what to do
// instead (providers.Explainer).
func (p *Provider) Unsupported(op string) *providers.UnsupportedError {
	switch op {
	case providers.OpReopen:
		return &providers.UnsupportedError{Op: op,
			Reason:   "微伴助手的工单 API 没有重新打开工单的接口（只会通知重新打开的事件）。请在微伴后台重新打开。",
			ReasonEN: "Weiban's work-order API has no way to reopen a work order (it only reports a reopen as an event). Reopen it in Weiban's console."}
	case providers.OpReject:
		return &providers.UnsupportedError{Op: op,
			Reason:   "微伴助手的工单没有驳回。要换人处理，请用「流转 工单号 员工ID」。",
			ReasonEN: "Weiban's work orders cannot be rejected. To have someone else handle it, use \"transfer <ticket> <staff id>\"."}
	}
	return nil
}
