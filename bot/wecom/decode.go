package wecom

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	gojson "github.com/goccy/go-json"

	"github.com/ticketbot/ticketbot/bot"
)

// Message and event types we act on (DOC 100719 接收消息, DOC 101027 接收事件).
const (
	msgTypeText   = "text"
	msgTypeMixed  = "mixed"
	msgTypeVoice  = "voice" // single chat only; content is WeCom's transcription
	msgTypeEvent  = "event"
	msgTypeStream = "stream" // a stream refresh; we never leave a stream open

	eventTemplateCard = "template_card_event"
	eventDisconnected = "disconnected_event" // long connection: kicked by a newer one

	chatTypeSingle = "single"
	chatTypeGroup  = "group"
)

// singlePrefix marks the ChatID of a single chat. WeCom sends chatid only for groups (DOC
// 100719: "仅群聊类型时返回"); a single chat is named by the person's userid, which is also
// what aibot_send_msg takes with chat_type 1. The prefix keeps the two id spaces apart.
const singlePrefix = "single:"

// callback is a decrypted HTTP callback, or the body of a long-connection callback frame:
// both carry the same JSON (DOC 101463). Only the fields we use are decoded.
type callback struct {
	MsgID       string          `json:"msgid"`
	AIBotID     string          `json:"aibotid"`
	ChatID      string          `json:"chatid"`
	ChatType    string          `json:"chattype"`
	From        from            `json:"from"`
	ResponseURL string          `json:"response_url"`
	MsgType     string          `json:"msgtype"`
	Text        *textContent    `json:"text"`
	Mixed       *mixedContent   `json:"mixed"`
	Voice       *textContent    `json:"voice"`
	Quote       json.RawMessage `json:"quote"`
	Event       *event          `json:"event"`
}

type from struct {
	UserID string `json:"userid"`
}

type textContent struct {
	Content string `json:"content"`
}

// mixedContent is a 图文混排 message: text and image items in order.
type mixedContent struct {
	Items []mixedItem `json:"msg_item"`
}

type mixedItem struct {
	MsgType string        `json:"msgtype"`
	Text    *textContent  `json:"text"`
	Image   *mediaContent `json:"image"`
}

// mediaContent is an image or file: a download link good for five minutes whose content is
// encrypted, and on the long connection the link's own key (DOC 100719; the aibot SDK).
type mediaContent struct {
	URL    string `json:"url"`
	AESKey string `json:"aeskey"`
}

// event is the body of msgtype "event"; the event's own fields sit under a key named after
// eventtype (DOC 101027).
type event struct {
	EventType    string     `json:"eventtype"`
	TemplateCard *cardEvent `json:"template_card_event"`
}

type cardEvent struct {
	CardType string `json:"card_type"`
	EventKey string `json:"event_key"`
	TaskID   string `json:"task_id"`
	// SelectedItems are the choices a card's selects carried with the click: a
	// multiple_interaction card's select_list, a vote_interaction card's checkbox, a
	// button_interaction card's button_selection (DOC 101027).
	SelectedItems struct {
		SelectedItem []selectedItem `json:"selected_item"`
	} `json:"selected_items"`
}

// selectedItem is one select's choice: its question_key and the ids of the options chosen.
type selectedItem struct {
	QuestionKey string `json:"question_key"`
	OptionIDs   struct {
		OptionID []string `json:"option_id"`
	} `json:"option_ids"`
}

// decodeCallback parses a decrypted callback.
func decodeCallback(plain []byte) (callback, error) {
	var c callback
	err := unmarshal(plain, &c)
	return c, err
}

var errMalformedJSON = errors.New("wecom: malformed JSON")

// unmarshal decodes with goccy/go-json, for speed, but only well-formed JSON: on malformed
// input it can read past its buffer into pooled leftovers of earlier decodes and panic (a
// key ending in a dangling escape, {"\, after other inputs: goccy/go-json#604, found by
// fuzzing the Feishu decoder). encoding/json's validator costs one fast pass without
// allocating. A panic here would take the whole process down on the long connection, whose
// read loop has no recover.
func unmarshal(data []byte, v any) error {
	if !json.Valid(data) {
		return errMalformedJSON
	}
	return gojson.Unmarshal(data, v)
}

// chatID is the ChatID of the callback's conversation.
func (c *callback) chatID() string {
	if c.ChatType == chatTypeSingle || c.ChatID == "" {
		return singlePrefix + c.From.UserID
	}
	return c.ChatID
}

// isMessage reports a message that may carry a command.
func (c *callback) isMessage() bool {
	switch c.MsgType {
	case msgTypeText, msgTypeMixed, msgTypeVoice:
		return true
	}
	return false
}

// isClick reports a template_card_event.
func (c *callback) isClick() bool {
	return c.MsgType == msgTypeEvent && c.Event != nil && c.Event.EventType == eventTemplateCard && c.Event.TemplateCard != nil
}

// toMessage turns a message callback into a bot.Message. EventID stays empty: WeCom's msgid
// is the one delivery key (DOC 100719: "开发者需据此进行事件排重").
func toMessage(c *callback) bot.Message {
	chatType := chatTypeGroup
	if c.ChatType == chatTypeSingle {
		chatType = "p2p" // bot.Message's word for a one-to-one chat
	}
	m := bot.Message{
		Platform:  Platform,
		MessageID: c.MsgID,
		ChatID:    c.chatID(),
		ChatType:  chatType,
		UserID:    c.From.UserID,
		Text:      stripMentions(messageText(c.MsgType, c.Text, c.Mixed, c.Voice)),
		Files:     mixedImages(c.Mixed, "image"),
	}
	m.Quote, m.QuoteFiles = quoted(c.Quote)
	return m
}

// mixedImages are the images of a mixed message, named prefix-1.png, prefix-2.png, … (the
// payload names none).
func mixedImages(m *mixedContent, prefix string) []bot.FileRef {
	if m == nil {
		return nil
	}
	var out []bot.FileRef
	for _, it := range m.Items {
		if it.MsgType == "image" && it.Image != nil && it.Image.URL != "" {
			out = append(out, bot.FileRef{Key: it.Image.URL, AESKey: it.Image.AESKey, Kind: "image",
				Name: fmt.Sprintf("%s-%d.png", prefix, len(out)+1)})
		}
	}
	return out
}

// toAction turns a template_card_event into a bot.Action: the button's key carries the
// command text, the card's task_id identifies the card, and the selects' choices are its Form.
func toAction(c *callback) bot.Action {
	ev := c.Event.TemplateCard
	return bot.Action{
		Platform:  Platform,
		EventID:   c.MsgID,
		ChatID:    c.chatID(),
		MessageID: ev.TaskID,
		UserID:    c.From.UserID,
		Command:   strings.TrimSpace(ev.EventKey),
		Form:      selections(ev.SelectedItems.SelectedItem),
	}
}

// maxSelections caps the choices read from one click: a card has at most 3 selects (DOC
// 101032); more come from no card of ours.
const maxSelections = 8

// selections are a click's choices as a form: question_key → the option id chosen, several
// (a vote's multiple choice) joined by ","; nil when the click carries none. A select without
// a key or without a choice is left out.
func selections(items []selectedItem) map[string]string {
	var form map[string]string
	for _, it := range items {
		if it.QuestionKey == "" || len(it.OptionIDs.OptionID) == 0 {
			continue
		}
		if form == nil {
			form = make(map[string]string, len(items))
		}
		if len(form) == maxSelections {
			break
		}
		form[it.QuestionKey] = strings.Join(it.OptionIDs.OptionID, ",")
	}
	return form
}

// messageText is the text of a text, mixed or voice message; a mixed message's text items
// are joined by newlines, its images dropped.
func messageText(msgType string, text *textContent, mixed *mixedContent, voice *textContent) string {
	switch msgType {
	case msgTypeText:
		if text != nil {
			return text.Content
		}
	case msgTypeVoice:
		if voice != nil {
			return voice.Content
		}
	case msgTypeMixed:
		if mixed == nil {
			return ""
		}
		var parts []string
		for _, it := range mixed.Items {
			if it.MsgType == msgTypeText && it.Text != nil && strings.TrimSpace(it.Text.Content) != "" {
				parts = append(parts, it.Text.Content)
			}
		}
		return strings.Join(parts, "\n")
	}
	return ""
}

// stripMentions removes the @-mentions in front of the text. In a group the content starts
// with the bot's mention, as typed ("@RobotA hello", DOC 100719); the payload does not say
// which words are mentions, so every leading "@word" goes, up to the first word that is not
// one. WeCom's clients end a mention with a space or U+2005 (a four-per-em space), both
// spaces to unicode.IsSpace. A mention further in stays: it may be an argument ("指派
// @张三").
func stripMentions(s string) string {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	for strings.HasPrefix(s, "@") {
		i := strings.IndexFunc(s, unicode.IsSpace)
		if i < 0 {
			return ""
		}
		s = strings.TrimLeftFunc(s[i:], unicode.IsSpace)
	}
	return strings.TrimRightFunc(s, unicode.IsSpace)
}

// quoted is the text of a quoted message (DOC 100719 "quote") and its images and files, read
// in one decoding: a text's content, a mixed message's text items and images, a voice's
// transcription, an image or a file. Other types (a quoted template card) are not documented;
// every string in them except ids and links is collected in document order, so a ticket
// reference on a quoted card is still found.
func quoted(raw json.RawMessage) (string, []bot.FileRef) {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", nil
	}
	var q struct {
		MsgType string        `json:"msgtype"`
		Text    *textContent  `json:"text"`
		Mixed   *mixedContent `json:"mixed"`
		Voice   *textContent  `json:"voice"`
		Image   *mediaContent `json:"image"`
		File    *mediaContent `json:"file"`
	}
	if err := unmarshal(raw, &q); err != nil {
		return "", nil
	}
	var files []bot.FileRef
	switch {
	case q.MsgType == "image" && q.Image != nil && q.Image.URL != "":
		files = []bot.FileRef{{Key: q.Image.URL, AESKey: q.Image.AESKey, Kind: "image", Name: "quoted-1.png"}}
	case q.MsgType == "file" && q.File != nil && q.File.URL != "":
		files = []bot.FileRef{{Key: q.File.URL, AESKey: q.File.AESKey, Kind: "file", Name: "quoted-file"}}
	default:
		files = mixedImages(q.Mixed, "quoted")
	}
	if t := messageText(q.MsgType, q.Text, q.Mixed, q.Voice); t != "" {
		return strings.TrimSpace(t), files
	}
	return strings.Join(collectStrings(raw), "\n"), files
}

// skipKeys are quote fields that hold no readable text.
var skipKeys = map[string]bool{
	"msgtype": true, "url": true, "aeskey": true, "task_id": true, "card_type": true,
	"icon_url": true, "image_url": true, "pic_url": true, "media_id": true, "appid": true,
	"pagepath": true, "userid": true, "md5": true, "base64": true, "filename": true,
}

// collectStrings returns the string values of a JSON document in order, leaving out those
// under skipKeys.
func collectStrings(raw []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var out []string
	var key string      // the object key the next value belongs to
	var inObject []bool // per open container: an object (true) or an array
	expectKey := false  // inside an object, the next string is a key
	for {
		tok, err := dec.Token()
		if err == io.EOF || err != nil {
			return out
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				inObject = append(inObject, true)
				expectKey = true
			case '[':
				inObject = append(inObject, false)
				expectKey = false
			default:
				inObject = inObject[:len(inObject)-1]
				expectKey = len(inObject) > 0 && inObject[len(inObject)-1]
			}
			continue
		case string:
			if expectKey {
				key = t
				expectKey = false
				continue
			}
			if s := strings.TrimSpace(t); s != "" && !skipKeys[key] {
				out = append(out, s)
			}
		}
		// A value was read: inside an object the next string is a key again.
		expectKey = len(inObject) > 0 && inObject[len(inObject)-1]
	}
}
