package feishu

import (
	"context"
	"fmt"

	larkevent "github.com/larksuite/oapi-sdk-go/v3/event"
	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher"
	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher/callback"
	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"
	"github.com/larksuite/oapi-sdk-go/v3/ws"
)

// Run holds the long connection (长连接, mode "websocket") open and delivers events and card
// callbacks to the sink until ctx is done; it then returns nil. It returns an error when the
// connection cannot be made (bad credentials, long connection not enabled for the app) or
// is lost for good.
//
// Over the long connection Feishu authenticates the app when connecting; frames are neither
// signed nor encrypted, and no verification token is checked. Delivery is at-least-once
// like over HTTP, and with several replicas each event goes to one of them at random. A
// handler error (the sink busy) answers the frame with 500, and Feishu redelivers.
func (f *Feishu) Run(ctx context.Context) error {
	if f.cfg.Mode != ModeWebsocket {
		return fmt.Errorf("feishu: Run needs feishu.mode %q, configured %q", ModeWebsocket, f.cfg.Mode)
	}
	up := func() { f.connected.Store(true) }
	down := func() { f.connected.Store(false) }
	defer down()
	cli := ws.NewClient(f.cfg.AppID, f.cfg.AppSecret.Reveal(),
		ws.WithEventHandler(f.eventDispatcher()),
		ws.WithDomain(f.cfg.BaseURL),
		ws.WithHttpClient(f.hc),
		ws.WithLogger(sdkLogger{f.log}),
		ws.WithOnReady(up), ws.WithOnReconnected(up),
		ws.WithOnReconnecting(down), ws.WithOnDisconnected(down),
	)
	err := cli.Start(ctx)
	if ctx.Err() != nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("feishu: long connection: %w", err)
	}
	return nil
}

// Connected reports whether the long connection is up now, for the app's readiness: from the
// SDK's own ready, reconnecting and disconnected signals.
func (f *Feishu) Connected() bool { return f.connected.Load() }

// eventDispatcher is the SDK dispatcher the long connection feeds (through its Do method).
// Its handlers convert the SDK's structs into the same small structs the HTTP path decodes,
// so both transports share toMessage, toAction and the sink calls.
//
// Only the two event types below are handled; the SDK answers any other subscribed type
// with an error (and Feishu retries it), so subscribe to no others.
func (f *Feishu) eventDispatcher() *dispatcher.EventDispatcher {
	d := dispatcher.NewEventDispatcher("", "")
	d.InitConfig(larkevent.WithLogger(sdkLogger{f.log}))
	d.OnP2MessageReceiveV1(func(ctx context.Context, ev *larkim.P2MessageReceiveV1) error {
		e := envelopeFromSDKMessage(ev)
		return f.deliverMessage(ctx, &e)
	})
	d.OnP2CardActionTrigger(func(ctx context.Context, ev *callback.CardActionTriggerEvent) (*callback.CardActionTriggerResponse, error) {
		e := envelopeFromSDKCard(ev)
		return f.answerAction(ctx, &e), nil
	})
	return d
}

func envelopeHeader(base *larkevent.EventV2Base) (e envelope) {
	if base != nil && base.Header != nil {
		h := base.Header
		e.Header = eventHeader{EventID: h.EventID, EventType: h.EventType, Token: h.Token, CreateTime: h.CreateTime}
	}
	return e
}

// envelopeFromSDKMessage copies the fields we use from the SDK's im.message.receive_v1.
func envelopeFromSDKMessage(ev *larkim.P2MessageReceiveV1) envelope {
	e := envelopeHeader(ev.EventV2Base)
	if ev.Event == nil {
		return e
	}
	if s := ev.Event.Sender; s != nil {
		e.Event.Sender.SenderType = str(s.SenderType)
		if s.SenderId != nil {
			e.Event.Sender.SenderID.OpenID = str(s.SenderId.OpenId)
		}
	}
	if m := ev.Event.Message; m != nil {
		e.Event.Message = message{
			MessageID:   str(m.MessageId),
			RootID:      str(m.RootId),
			ParentID:    str(m.ParentId),
			ChatID:      str(m.ChatId),
			ChatType:    str(m.ChatType),
			MessageType: str(m.MessageType),
			Content:     str(m.Content),
		}
		for _, mm := range m.Mentions {
			if mm == nil {
				continue
			}
			x := mention{Key: str(mm.Key), Name: str(mm.Name), MentionedType: str(mm.MentionedType)}
			if mm.Id != nil {
				x.ID.OpenID = str(mm.Id.OpenId)
			}
			e.Event.Message.Mentions = append(e.Event.Message.Mentions, x)
		}
	}
	return e
}

// envelopeFromSDKCard copies the fields we use from the SDK's card.action.trigger.
func envelopeFromSDKCard(ev *callback.CardActionTriggerEvent) envelope {
	e := envelopeHeader(ev.EventV2Base)
	r := ev.Event
	if r == nil {
		return e
	}
	e.Event.Token = r.Token
	if r.Operator != nil {
		e.Event.Operator.OpenID = r.Operator.OpenID
	}
	if r.Action != nil {
		e.Event.Action = cardAction{Value: r.Action.Value, FormValue: r.Action.FormValue, Name: r.Action.Name, Option: r.Action.Option}
	}
	if r.Context != nil {
		e.Event.Context = cardContext{OpenMessageID: r.Context.OpenMessageID, OpenChatID: r.Context.OpenChatID}
	}
	return e
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
