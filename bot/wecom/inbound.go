package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"github.com/ticketbot/ticketbot/bot"
)

// This file is what the two transports share once a callback is authenticated and decoded:
// handing messages and clicks to the sink and shaping a click's card update.

// Toasts for failures. WeCom shows no toast: these reach the chat as a message.
const (
	toastInternal = "内部错误，请稍后再试"
	toastBusy     = "机器人正忙，请稍后再试"
)

var errNoSink = errors.New("wecom: no sink configured")

// deliverMessage hands a message to the sink. bot.ErrBusy comes back as is, so the transport
// can ask WeCom to deliver again.
func (w *WeCom) deliverMessage(ctx context.Context, m bot.Message) error {
	if w.sink == nil {
		w.log.ErrorContext(ctx, "wecom: message without a sink", "event_id", m.MessageID, "chat_id", m.ChatID)
		return errNoSink
	}
	if err := w.sink.HandleMessage(ctx, m); err != nil {
		if errors.Is(err, bot.ErrBusy) {
			if ok, held := w.busyLog.Allow("message"); ok {
				w.log.WarnContext(ctx, "wecom: sink busy", "event_id", m.MessageID, "chat_id", m.ChatID, "suppressed", held)
			}
		} else {
			w.log.ErrorContext(ctx, "wecom: handle message", "event_id", m.MessageID, "chat_id", m.ChatID, "err", err)
		}
		return err
	}
	return nil
}

// clickAnswer is what a click's callback is answered with: the clicked card's replacement
// (the whole update_template_card body, task_id set), and a notice to post to the chat for a
// failure (WeCom shows no toast).
type clickAnswer struct {
	update []byte // {"response_type":"update_template_card","template_card":{…}}, or nil
	notice string // markdown for the chat, or ""
	// pending says the click's result comes later (bot.ActionResult.Pending).
	pending bool
}

// runAction runs a click through the sink. Errors become a notice: WeCom has no toast, and a
// click that fails silently leaves people clicking again.
func (w *WeCom) runAction(ctx context.Context, a bot.Action) clickAnswer {
	if w.sink == nil {
		w.log.ErrorContext(ctx, "wecom: click without a sink", "event_id", a.EventID)
		return clickAnswer{notice: toastBusy}
	}
	// The sink answers within [bot] action_wait, the one card answer deadline (under 3 s).
	// WeCom does not state how long it waits for the passive reply to a click (assumed like
	// classic callbacks, 5 s); the long connection allows 5 s for aibot_respond_update_msg.
	res, err := w.sink.HandleAction(ctx, a)
	if err != nil {
		if errors.Is(err, bot.ErrBusy) {
			if ok, held := w.busyLog.Allow("action"); ok {
				w.log.WarnContext(ctx, "wecom: sink busy", "event_id", a.EventID, "chat_id", a.ChatID, "suppressed", held)
			}
			return clickAnswer{notice: toastBusy}
		}
		w.log.ErrorContext(ctx, "wecom: handle click", "event_id", a.EventID, "chat_id", a.ChatID, "err", err)
		return clickAnswer{notice: toastInternal}
	}
	ans := clickAnswer{pending: res.Pending}
	if res.Card != nil {
		card, err := withTaskID(res.Card, a.MessageID)
		if err != nil {
			w.log.ErrorContext(ctx, "wecom: click result card", "event_id", a.EventID, "chat_id", a.ChatID, "err", err)
			return clickAnswer{notice: toastInternal}
		}
		ans.update = updateBody(card)
	}
	// A success or info toast says what the updated card (or a later message) shows; a
	// failure is said in the chat, since a card redrawn unchanged would not tell it.
	if (res.Toast.Type == "error" || res.Toast.Type == "warning") && res.Toast.Text != "" {
		ans.notice = res.Toast.Text
	}
	return ans
}

// updateBody is the click answer that replaces the clicked card for everyone (DOC 101031
// 更新模版卡片消息; userids left out).
func updateBody(card []byte) []byte {
	b := make([]byte, 0, len(card)+64)
	b = append(b, `{"response_type":"update_template_card","template_card":`...)
	b = append(b, card...)
	return append(b, '}')
}

var errNotCardObject = errors.New("card is not a JSON object")

// withTaskID returns card with its task_id set. It accepts the template_card object itself
// (what the templates render) or a whole message {"msgtype":"template_card",
// "template_card":{…}}. WeCom identifies a card by task_id: an update must carry the clicked
// card's, a new card a fresh one (DOC 101032: unique per bot, [A-Za-z0-9_\-@], ≤ 128 bytes).
func withTaskID(card []byte, taskID string) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(card, &fields); err != nil || fields == nil {
		return nil, errNotCardObject
	}
	if inner, ok := fields["template_card"]; ok {
		fields = nil
		if err := json.Unmarshal(inner, &fields); err != nil || fields == nil {
			return nil, errNotCardObject
		}
	}
	id, _ := json.Marshal(taskID)
	fields["task_id"] = id
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false) // keep the rendered text as it is
	if err := enc.Encode(fields); err != nil {
		return nil, err
	}
	return bytes.TrimRight(out.Bytes(), "\n"), nil
}
