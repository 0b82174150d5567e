package wecomtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/internal/msgcrypt"
)

// This file builds what WeCom sends, for tests and the demo: the decrypted callback payloads
// of the 智能机器人 (shapes of the official examples, DOC 100719 and 101027), and the signed,
// encrypted HTTP requests that carry them (DOC 101033). Over the long connection the same
// payloads are a frame's body as they are (Server.PushMessage).

// BotName is the bot's display name in built messages: the content starts "@RobotA ", as
// in the official example.
const BotName = "RobotA"

const fakeAIBotID = "AIBOTID"

// PayloadOpt changes a payload built by TextMessage or CardEvent.
type PayloadOpt func(*payloadOpts)

type payloadOpts struct {
	responseURL string
	cardType    string
	selections  []Selection
	quote       any
	mention     *string
	mixed       []string
	images      [][2]string // link, aeskey of a mixed message's images (WithMixedImages)
	msgType     string
	createTime  int64
}

// WithResponseURL sets the callback's response_url (where the bot answers later).
func WithResponseURL(u string) PayloadOpt { return func(o *payloadOpts) { o.responseURL = u } }

// WithQuote makes the message quote a text message with this content.
func WithQuote(text string) PayloadOpt {
	return func(o *payloadOpts) {
		o.quote = map[string]any{"msgtype": "text", "text": map[string]string{"content": text}}
	}
}

// WithQuoteJSON makes the message quote the given quote object (any msgtype).
func WithQuoteJSON(quote json.RawMessage) PayloadOpt {
	return func(o *payloadOpts) { o.quote = quote }
}

// WithMention sets the name in the leading @-mention ("" for none).
func WithMention(name string) PayloadOpt { return func(o *payloadOpts) { o.mention = &name } }

// WithMixed makes the message a mixed (图文混排) message: the text (with the mention) first,
// then an image, then each further text item.
func WithMixed(more ...string) PayloadOpt {
	return func(o *payloadOpts) { o.msgType, o.mixed = msgTypeMixed, more }
}

// WithMixedImages makes the message a mixed (图文混排) message: the text (with the mention),
// then an image item for each link, with its aeskey where one is given ("" for none).
func WithMixedImages(links ...[2]string) PayloadOpt {
	return func(o *payloadOpts) { o.msgType, o.images = msgTypeMixed, links }
}

// WithMsgType sets msgtype as is, with the text under that key (voice carries its
// transcription like text; any other type is ignored by the bot).
func WithMsgType(msgType string) PayloadOpt { return func(o *payloadOpts) { o.msgType = msgType } }

// WithCardType sets a CardEvent's card_type (button_interaction by default).
func WithCardType(t string) PayloadOpt { return func(o *payloadOpts) { o.cardType = t } }

// Selection is one select's choice in a click: its question_key and the option ids chosen.
type Selection struct {
	QuestionKey string
	OptionIDs   []string
}

// WithSelections makes a CardEvent carry the choices of the card's selects, as
// selected_items (DOC 101027).
func WithSelections(s ...Selection) PayloadOpt { return func(o *payloadOpts) { o.selections = s } }

// WithCreateTime sets an event's create_time (seconds).
func WithCreateTime(t time.Time) PayloadOpt { return func(o *payloadOpts) { o.createTime = t.Unix() } }

func buildPayloadOpts(opts []PayloadOpt) payloadOpts {
	name := BotName
	o := payloadOpts{mention: &name, msgType: msgTypeText, createTime: 1700000000, cardType: "button_interaction"}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// conversation fills chatid and chattype: chatID "single:<userid>" is a single chat, which
// has no chatid (DOC 100719).
func conversation(p map[string]any, chatID string) {
	if strings.HasPrefix(chatID, singlePrefix) {
		p["chattype"] = chatTypeSingle
		return
	}
	p["chatid"] = chatID
	p["chattype"] = chatTypeGroup
}

// TextMessage is a message callback in which userID writes text to the bot in chatID (a
// group id, or "single:<userid>" for a single chat), the content starting with the bot's
// @-mention as WeCom sends it.
func TextMessage(msgID, chatID, userID, text string, opts ...PayloadOpt) []byte {
	o := buildPayloadOpts(opts)
	content := text
	if *o.mention != "" {
		content = "@" + *o.mention + " " + text
	}
	p := map[string]any{
		"msgid":   msgID,
		"aibotid": fakeAIBotID,
		"from":    map[string]string{"userid": userID},
		"msgtype": o.msgType,
	}
	conversation(p, chatID)
	if o.responseURL != "" {
		p["response_url"] = o.responseURL
	}
	switch o.msgType {
	case msgTypeMixed:
		items := []any{map[string]any{"msgtype": "text", "text": map[string]string{"content": content}}}
		if o.images == nil {
			items = append(items, map[string]any{"msgtype": "image", "image": map[string]string{"url": "https://example.invalid/image"}})
		}
		for _, im := range o.images {
			image := map[string]string{"url": im[0]}
			if im[1] != "" {
				image["aeskey"] = im[1]
			}
			items = append(items, map[string]any{"msgtype": "image", "image": image})
		}
		for _, t := range o.mixed {
			items = append(items, map[string]any{"msgtype": "text", "text": map[string]string{"content": t}})
		}
		p["mixed"] = map[string]any{"msg_item": items}
	default:
		p[o.msgType] = map[string]string{"content": content}
	}
	if o.quote != nil {
		p["quote"] = o.quote
	}
	b, _ := json.Marshal(p)
	return b
}

// CardEvent is a template_card_event callback: userID clicked the button whose key is
// eventKey on the card taskID in chatID.
func CardEvent(msgID, chatID, userID, taskID, eventKey string, opts ...PayloadOpt) []byte {
	o := buildPayloadOpts(opts)
	event := map[string]any{"card_type": o.cardType, "event_key": eventKey, "task_id": taskID}
	if len(o.selections) > 0 {
		var items []any
		for _, s := range o.selections {
			items = append(items, map[string]any{"question_key": s.QuestionKey, "option_ids": map[string]any{"option_id": s.OptionIDs}})
		}
		event["selected_items"] = map[string]any{"selected_item": items}
	}
	p := map[string]any{
		"msgid":       msgID,
		"create_time": o.createTime,
		"aibotid":     fakeAIBotID,
		"from":        map[string]string{"userid": userID},
		"msgtype":     msgTypeEvent,
		"event": map[string]any{
			"eventtype":       eventTemplateCard,
			eventTemplateCard: event,
		},
	}
	conversation(p, chatID)
	if o.responseURL != "" {
		p["response_url"] = o.responseURL
	}
	b, _ := json.Marshal(p)
	return b
}

// SubmitEvent is the template_card_event WeCom sends when userID submits the
// multiple_interaction card (the template_card object as the bot sent it, task_id included)
// in chatID: its submit button's key, and for every select of the card the option chosen in
// choices (question_key → option id), else the one the card shows (its selected_id, else its
// first option), as WeCom's client submits them. A choice the card does not offer is an error:
// no person could make it.
func SubmitEvent(card json.RawMessage, msgID, chatID, userID string, choices map[string]string, opts ...PayloadOpt) ([]byte, error) {
	var c fakeCard
	var id struct {
		TaskID string `json:"task_id"`
	}
	if err := json.Unmarshal(card, &c); err != nil || json.Unmarshal(card, &id) != nil {
		return nil, fmt.Errorf("wecomtest: submit: the card is not a JSON object")
	}
	if c.CardType != "multiple_interaction" || c.Submit == nil {
		return nil, fmt.Errorf("wecomtest: submit: a %s card has no submit button of selects", c.CardType)
	}
	var sel []Selection
	offered := map[string]bool{}
	for _, s := range c.Selects {
		offered[s.QuestionKey] = true
		want, chosen := choices[s.QuestionKey]
		if !chosen {
			want = s.SelectedID
		}
		pick := ""
		for _, o := range s.Options {
			if o.ID == want {
				pick = o.ID
				break
			}
		}
		if pick == "" && !chosen && len(s.Options) > 0 {
			pick = s.Options[0].ID // no selected_id, or one the card lacks: WeCom shows the first
		}
		if pick == "" {
			return nil, fmt.Errorf("wecomtest: submit: select %s offers no option %q", s.QuestionKey, want)
		}
		sel = append(sel, Selection{QuestionKey: s.QuestionKey, OptionIDs: []string{pick}})
	}
	for k := range choices {
		if !offered[k] {
			return nil, fmt.Errorf("wecomtest: submit: the card has no select %q", k)
		}
	}
	opts = append([]PayloadOpt{WithCardType("multiple_interaction"), WithSelections(sel...)}, opts...)
	return CardEvent(msgID, chatID, userID, id.TaskID, c.Submit.Key, opts...), nil
}

// DisconnectedEvent is the event a long connection receives when a newer connection of the
// same bot takes over (DOC 101463 连接断开事件).
func DisconnectedEvent(msgID string) []byte {
	b, _ := json.Marshal(map[string]any{
		"msgid":       msgID,
		"create_time": time.Now().Unix(),
		"aibotid":     fakeAIBotID,
		"msgtype":     msgTypeEvent,
		"event":       map[string]string{"eventtype": eventDisconnected},
	})
	return b
}

// SealCallback makes a POST callback exactly as WeCom sends it to a 智能机器人 (empty
// receiveid): plaintext encrypted into {"encrypt":…}, and the query msg_signature,
// timestamp and nonce.
func SealCallback(token, encodingAESKey string, plaintext []byte, ts time.Time, nonce string) (url.Values, []byte, error) {
	c, err := msgcrypt.New(encodingAESKey)
	if err != nil {
		return nil, nil, fmt.Errorf("wecom: encoding_aes_key: %w", err)
	}
	enc := c.Encrypt(plaintext, "")
	tss := strconv.FormatInt(ts.Unix(), 10)
	body, _ := json.Marshal(map[string]string{"encrypt": enc})
	return url.Values{"msg_signature": {msgcrypt.Signature(token, tss, nonce, enc)}, "timestamp": {tss}, "nonce": {nonce}}, body, nil
}

// SealEcho makes the query of the URL check WeCom sends when the callback URL is saved:
// echo encrypted into echostr, signed.
func SealEcho(token, encodingAESKey, echo string, ts time.Time, nonce string) (url.Values, error) {
	c, err := msgcrypt.New(encodingAESKey)
	if err != nil {
		return nil, fmt.Errorf("wecom: encoding_aes_key: %w", err)
	}
	enc := c.Encrypt([]byte(echo), "")
	tss := strconv.FormatInt(ts.Unix(), 10)
	return url.Values{"msg_signature": {msgcrypt.Signature(token, tss, nonce, enc)}, "timestamp": {tss}, "nonce": {nonce}, "echostr": {enc}}, nil
}

// OpenReply checks a passive reply as WeCom does (its msgsignature over token, timestamp,
// nonce and encrypt, and the nonce it was given) and returns the decrypted plaintext. An
// empty reply opens to nil.
func OpenReply(token, encodingAESKey, nonce string, reply []byte) ([]byte, error) {
	if len(strings.TrimSpace(string(reply))) == 0 {
		return nil, nil
	}
	c, err := msgcrypt.New(encodingAESKey)
	if err != nil {
		return nil, fmt.Errorf("wecom: encoding_aes_key: %w", err)
	}
	var r struct {
		Encrypt      string          `json:"encrypt"`
		MsgSignature string          `json:"msgsignature"`
		Timestamp    json.RawMessage `json:"timestamp"`
		Nonce        string          `json:"nonce"`
	}
	if err := json.Unmarshal(reply, &r); err != nil {
		return nil, fmt.Errorf("wecom: reply is not JSON: %w", err)
	}
	ts := strings.Trim(string(r.Timestamp), `"`) // a number per the doc; the official library sends a string
	if r.Nonce != nonce {
		return nil, errors.New("wecom: reply nonce is not the callback's")
	}
	if !msgcrypt.Verify(r.MsgSignature, token, ts, r.Nonce, r.Encrypt) {
		return nil, errors.New("wecom: reply msgsignature does not verify")
	}
	plain, err := c.DecryptFor(nil, []byte(r.Encrypt), "")
	if err != nil {
		return nil, fmt.Errorf("wecom: reply: %w", err)
	}
	return plain, nil
}
