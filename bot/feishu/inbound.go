package feishu

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher/callback"

	"github.com/ticketbot/ticketbot/bot"
)

// This file is what the two transports share once a request is authenticated and decoded:
// handing messages and clicks to the sink and building the click's answer.

// CardAnswerLimit is how long Feishu waits for a card callback's answer (DOC 卡片回传交互);
// it shows an error after that. The sink answers within [bot] action_wait, the one card
// answer deadline, which `ticketbot check` keeps below this limit, with room for the network.
const CardAnswerLimit = 3 * time.Second

// Toasts for failures; internal errors never reach the chat.
const (
	toastInternal = "内部错误，请稍后再试"
	toastBusy     = "机器人正忙，请稍后再试"
)

var errNoSink = errors.New("feishu: no sink configured")

// deliverMessage hands an im.message.receive_v1 event to the sink. Ignored messages (from
// applications, without text) return nil. bot.ErrBusy comes back as is, so the transport
// can ask Feishu to redeliver.
func (f *Feishu) deliverMessage(ctx context.Context, e *envelope) error {
	m, ok := toMessage(e, f.cfg.BotOpenID)
	if !ok {
		f.log.DebugContext(ctx, "feishu: message ignored", "event_id", e.Header.EventID,
			"message_type", e.Event.Message.MessageType, "sender_type", e.Event.Sender.SenderType)
		return nil
	}
	if f.sink == nil {
		f.log.ErrorContext(ctx, "feishu: message without a sink", "event_id", m.EventID, "chat_id", m.ChatID)
		return errNoSink
	}
	if err := f.sink.HandleMessage(ctx, m); err != nil {
		if errors.Is(err, bot.ErrBusy) {
			if ok, held := f.busyLog.Allow("message"); ok {
				f.log.WarnContext(ctx, "feishu: sink busy, asking for redelivery", "event_id", m.EventID, "chat_id", m.ChatID, "suppressed", held)
			}
		} else {
			f.log.ErrorContext(ctx, "feishu: handle message", "event_id", m.EventID, "chat_id", m.ChatID, "err", err)
		}
		return err
	}
	return nil
}

// answerAction runs a card click through the sink and builds the callback's answer:
// {"toast":{…},"card":{"type":"raw","data":<card>}}. It always returns an answer, since
// Feishu shows anything but a 200 with a body as a failure; errors become an error toast.
func (f *Feishu) answerAction(ctx context.Context, e *envelope) *callback.CardActionTriggerResponse {
	a := toAction(e)
	if f.sink == nil {
		f.log.ErrorContext(ctx, "feishu: card action without a sink", "event_id", a.EventID)
		return errorAnswer(toastBusy)
	}
	res, err := f.sink.HandleAction(ctx, a) // answers within [bot] action_wait
	if err != nil {
		if errors.Is(err, bot.ErrBusy) {
			if ok, held := f.busyLog.Allow("action"); ok {
				f.log.WarnContext(ctx, "feishu: sink busy", "event_id", a.EventID, "chat_id", a.ChatID, "suppressed", held)
			}
			return errorAnswer(toastBusy)
		}
		f.log.ErrorContext(ctx, "feishu: handle action", "event_id", a.EventID, "chat_id", a.ChatID, "err", err)
		return errorAnswer(toastInternal)
	}
	resp := &callback.CardActionTriggerResponse{}
	if res.Toast.Text != "" {
		typ := res.Toast.Type
		if typ == "" {
			typ = "info"
		}
		resp.Toast = &callback.Toast{Type: typ, Content: res.Toast.Text}
	}
	if res.Card != nil {
		if !json.Valid(res.Card) {
			f.log.ErrorContext(ctx, "feishu: action result card is not valid JSON", "event_id", a.EventID, "chat_id", a.ChatID)
			return errorAnswer(toastInternal)
		}
		// The card is rendered elsewhere; it goes out verbatim.
		resp.Card = &callback.Card{Type: "raw", Data: json.RawMessage(res.Card)}
	}
	return resp
}

func errorAnswer(text string) *callback.CardActionTriggerResponse {
	return &callback.CardActionTriggerResponse{Toast: &callback.Toast{Type: "error", Content: text}}
}
