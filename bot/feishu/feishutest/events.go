package feishutest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// This file builds the plaintext payloads Feishu delivers, for tests and the demo: seal them
// with SealRequest to get what the webhook receives, or feed them to the long connection's
// dispatcher as they are. Their shape follows the official examples (DOC 接收消息
// im.message.receive_v1, 卡片回传交互).

// Identities the builders use unless told otherwise.
const (
	BotOpenID     = "ou_fake_ticketbot"
	fakeAppID     = "cli_fake"
	fakeTenantKey = "fake_tenant"
	fakeEventTime = "1700000000000" // ms; the builders are deterministic
)

// EventOpt changes an event built by TextMessageEvent or CardActionEvent.
type EventOpt func(*eventOpts)

type eventOpts struct {
	token       string
	parentID    string
	rootID      string
	chatType    string
	senderType  string
	botOpenID   string
	cardToken   string
	selectName  string
	selectValue string
	messageType string
	content     string
	mentions    []Mention
}

// WithVerificationToken sets header.token, which the webhook compares with the configured
// verification token.
func WithVerificationToken(token string) EventOpt { return func(o *eventOpts) { o.token = token } }

// WithParentID makes the message a reply to parentID.
func WithParentID(parentID string) EventOpt { return func(o *eventOpts) { o.parentID = parentID } }

// WithRootID sets the thread root of a reply.
func WithRootID(rootID string) EventOpt { return func(o *eventOpts) { o.rootID = rootID } }

// WithChatType sets chat_type ("group" by default, or "p2p").
func WithChatType(chatType string) EventOpt { return func(o *eventOpts) { o.chatType = chatType } }

// WithSenderType sets sender_type ("user" by default; "app" for a message of another bot).
func WithSenderType(senderType string) EventOpt {
	return func(o *eventOpts) { o.senderType = senderType }
}

// WithBotOpenID sets the open_id of the bot mention (BotOpenID by default).
func WithBotOpenID(openID string) EventOpt { return func(o *eventOpts) { o.botOpenID = openID } }

// WithCardToken sets a card callback's event.token, the delayed-update token ("c-" plus the
// event id by default).
func WithCardToken(token string) EventOpt { return func(o *eventOpts) { o.cardToken = token } }

// WithSelect makes a card callback the change of a select menu outside a form: the menu
// named name now shows option (action.tag "select_static", action.name and action.option,
// as Feishu sends them), rather than a button's click.
func WithSelect(name, option string) EventOpt {
	return func(o *eventOpts) { o.selectName, o.selectValue = name, option }
}

// Mention is one entry of a message's mentions for WithContent: the placeholder Key
// ("@_user_1") in the content, who it is, and Type "user" or "bot" ("" leaves mentioned_type
// out, as older payloads do).
type Mention struct {
	Key, OpenID, Name, Type string
}

// WithContent replaces the message's type and content (a JSON document, such as a post), with
// the given mentions in place of the bot mention.
func WithContent(messageType, content string, mentions ...Mention) EventOpt {
	return func(o *eventOpts) {
		o.messageType, o.content = messageType, content
		o.mentions = append([]Mention{}, mentions...)
	}
}

func buildOpts(opts []EventOpt) eventOpts {
	o := eventOpts{chatType: "group", senderType: "user", botOpenID: BotOpenID}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Wire shapes, with the fields Feishu sends that we do not read, so payloads look real.
type (
	wireHeader struct {
		EventID    string `json:"event_id"`
		EventType  string `json:"event_type"`
		CreateTime string `json:"create_time"`
		Token      string `json:"token"`
		AppID      string `json:"app_id"`
		TenantKey  string `json:"tenant_key"`
	}
	wireUserID struct {
		UnionID string `json:"union_id,omitempty"`
		UserID  string `json:"user_id,omitempty"`
		OpenID  string `json:"open_id"`
	}
	wireMention struct {
		Key           string     `json:"key"`
		ID            wireUserID `json:"id"`
		Name          string     `json:"name"`
		MentionedType string     `json:"mentioned_type,omitempty"`
		TenantKey     string     `json:"tenant_key"`
	}
	wireMessage struct {
		MessageID   string        `json:"message_id"`
		RootID      string        `json:"root_id,omitempty"`
		ParentID    string        `json:"parent_id,omitempty"`
		CreateTime  string        `json:"create_time"`
		UpdateTime  string        `json:"update_time"`
		ChatID      string        `json:"chat_id"`
		ChatType    string        `json:"chat_type"`
		MessageType string        `json:"message_type"`
		Content     string        `json:"content"`
		Mentions    []wireMention `json:"mentions,omitempty"`
	}
	wireSender struct {
		SenderID   wireUserID `json:"sender_id"`
		SenderType string     `json:"sender_type"`
		TenantKey  string     `json:"tenant_key"`
	}
)

// TextMessageEvent is an im.message.receive_v1 event of a text message that @-mentions the
// bot first, as a person types a command in a group: content {"text":"@_user_1 <text>"} with
// a mentions entry of mentioned_type "bot".
func TextMessageEvent(eventID, messageID, chatID, openID, text string, opts ...EventOpt) []byte {
	o := buildOpts(opts)
	msgType, content := "text", ""
	mentions := []wireMention{{
		Key: "@_user_1", ID: wireUserID{OpenID: o.botOpenID}, Name: "ticketbot",
		MentionedType: "bot", TenantKey: fakeTenantKey,
	}}
	if o.content != "" || o.messageType != "" {
		msgType, content = o.messageType, o.content
		mentions = nil
		for _, m := range o.mentions {
			mentions = append(mentions, wireMention{Key: m.Key, ID: wireUserID{OpenID: m.OpenID}, Name: m.Name,
				MentionedType: m.Type, TenantKey: fakeTenantKey})
		}
	} else {
		c, _ := json.Marshal(struct {
			Text string `json:"text"`
		}{"@_user_1 " + text})
		content = string(c)
	}
	ev := struct {
		Schema string     `json:"schema"`
		Header wireHeader `json:"header"`
		Event  struct {
			Sender  wireSender  `json:"sender"`
			Message wireMessage `json:"message"`
		} `json:"event"`
	}{Schema: "2.0", Header: wireHeader{
		EventID: eventID, EventType: eventMessage, CreateTime: fakeEventTime,
		Token: o.token, AppID: fakeAppID, TenantKey: fakeTenantKey,
	}}
	ev.Event.Sender = wireSender{SenderID: wireUserID{OpenID: openID}, SenderType: o.senderType, TenantKey: fakeTenantKey}
	ev.Event.Message = wireMessage{
		MessageID: messageID, RootID: o.rootID, ParentID: o.parentID,
		CreateTime: fakeEventTime, UpdateTime: fakeEventTime,
		ChatID: chatID, ChatType: o.chatType, MessageType: msgType, Content: content, Mentions: mentions,
	}
	b, _ := json.Marshal(ev)
	return b
}

// CardActionEvent is a card.action.trigger callback: openID clicked a button of the card
// messageID whose callback value is {"cmd": command}, submitting form (nil for a plain
// button). token is the verification token (header.token); the delayed-update token in
// event.token is "c-"+eventID unless WithCardToken says otherwise.
func CardActionEvent(eventID, chatID, messageID, openID, command string, form map[string]string, token string, opts ...EventOpt) []byte {
	o := buildOpts(opts)
	cardToken := o.cardToken
	if cardToken == "" {
		cardToken = "c-" + eventID
	}
	type action struct {
		Value     map[string]string `json:"value"`
		Tag       string            `json:"tag"`
		Timezone  string            `json:"timezone"`
		FormValue map[string]string `json:"form_value,omitempty"`
		Name      string            `json:"name"`
		Option    string            `json:"option,omitempty"`
	}
	ev := struct {
		Schema string     `json:"schema"`
		Header wireHeader `json:"header"`
		Event  struct {
			Operator struct {
				TenantKey string `json:"tenant_key"`
				OpenID    string `json:"open_id"`
			} `json:"operator"`
			Token   string `json:"token"`
			Action  action `json:"action"`
			Host    string `json:"host"`
			Context struct {
				OpenMessageID string `json:"open_message_id"`
				OpenChatID    string `json:"open_chat_id"`
			} `json:"context"`
		} `json:"event"`
	}{Schema: "2.0", Header: wireHeader{
		EventID: eventID, EventType: eventCardAction, CreateTime: fakeEventTime + "000", // μs, as in the official example
		Token: token, AppID: fakeAppID, TenantKey: fakeTenantKey,
	}}
	ev.Event.Operator.TenantKey = fakeTenantKey
	ev.Event.Operator.OpenID = openID
	ev.Event.Token = cardToken
	ev.Event.Action = action{Value: map[string]string{"cmd": command}, Tag: "button", Timezone: "Asia/Shanghai", FormValue: form, Name: "btn"}
	if o.selectName != "" {
		ev.Event.Action.Tag, ev.Event.Action.Name, ev.Event.Action.Option = "select_static", o.selectName, o.selectValue
	}
	ev.Event.Host = "im_message"
	ev.Event.Context.OpenMessageID = messageID
	ev.Event.Context.OpenChatID = chatID
	b, _ := json.Marshal(ev)
	return b
}

// ChallengeEvent is the URL check Feishu sends when the request URL is saved in the console.
func ChallengeEvent(challenge, token string) []byte {
	b, _ := json.Marshal(struct {
		Challenge string `json:"challenge"`
		Token     string `json:"token"`
		Type      string `json:"type"`
	}{challenge, token, typeURLVerification})
	return b
}

// SealRequest makes the body and headers of a webhook request exactly as Feishu sends them:
// plaintext encrypted with encryptKey into {"encrypt": …} and signed with the timestamp and
// nonce. Feishu does not sign the URL check; delete the X-Lark-* headers to imitate that.
// With an empty key the body is the plaintext and there is no signature, as Feishu does for
// an app without an Encrypt Key.
func SealRequest(encryptKey string, plaintext []byte, ts time.Time, nonce string) (body []byte, header http.Header) {
	header = http.Header{}
	header.Set("Content-Type", "application/json; charset=utf-8")
	header.Set(headerTimestamp, strconv.FormatInt(ts.Unix(), 10))
	header.Set(headerNonce, nonce)
	if encryptKey == "" {
		return bytes.Clone(plaintext), header
	}
	body, _ = json.Marshal(struct {
		Encrypt string `json:"encrypt"`
	}{encrypt(encryptKey, plaintext)})
	header.Set(headerSignature, signature(header.Get(headerTimestamp), nonce, []byte(encryptKey), body))
	return body, header
}
