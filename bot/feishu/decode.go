package feishu

import (
	"encoding/json"
	"errors"

	gojson "github.com/goccy/go-json"
	"sort"
	"strconv"
	"strings"

	"github.com/ticketbot/ticketbot/bot"
)

// Event and request types we act on.
const (
	typeURLVerification = "url_verification"
	eventMessage        = "im.message.receive_v1"
	eventCardAction     = "card.action.trigger"
)

// envelope is a decrypted request: an event v2.0 ({"schema":"2.0",header,event}) or the URL
// check ({"challenge","token","type":"url_verification"}). Only the fields we use are
// decoded; everything else is skipped by the decoder.
type envelope struct {
	Type      string      `json:"type"`
	Challenge string      `json:"challenge"`
	Token     string      `json:"token"` // the URL check's (and old v1 events') token
	Header    eventHeader `json:"header"`
	Event     eventBody   `json:"event"`
}

// eventHeader is the schema 2.0 header.
type eventHeader struct {
	EventID    string `json:"event_id"`
	EventType  string `json:"event_type"`
	Token      string `json:"token"`
	CreateTime string `json:"create_time"`
}

// token is the verification token the request carries, wherever its schema puts it.
func (e *envelope) token() string {
	if e.Header.Token != "" {
		return e.Header.Token
	}
	return e.Token
}

// eventBody holds the fields we use of both event types we handle, so that a single decoding
// pass reads either: im.message.receive_v1 fills Sender and Message, card.action.trigger
// fills Operator, Token, Action and Context.
type eventBody struct {
	Sender  sender  `json:"sender"`
	Message message `json:"message"`

	Operator userID      `json:"operator"`
	Token    string      `json:"token"` // the card's delayed-update token (30 min, 2 uses)
	Action   cardAction  `json:"action"`
	Context  cardContext `json:"context"`
}

type sender struct {
	SenderID   userID `json:"sender_id"`
	SenderType string `json:"sender_type"` // "user", or "app"/"bot" for applications
}

type userID struct {
	OpenID string `json:"open_id"`
}

type message struct {
	MessageID   string    `json:"message_id"`
	RootID      string    `json:"root_id"`
	ParentID    string    `json:"parent_id"`
	ChatID      string    `json:"chat_id"`
	ChatType    string    `json:"chat_type"`
	MessageType string    `json:"message_type"`
	Content     string    `json:"content"` // a JSON document inside a JSON string
	Mentions    []mention `json:"mentions"`
}

// mention resolves one @_user_N placeholder of the text.
type mention struct {
	Key           string `json:"key"` // "@_user_1"
	ID            userID `json:"id"`
	Name          string `json:"name"`
	MentionedType string `json:"mentioned_type"` // "user" or "bot"; absent on older payloads
}

type cardAction struct {
	// Value is the clicked component's callback value. Feishu's SDK only supports objects
	// here ("仅支持对象类型的卡片回传参数"); ours carry {"cmd": "<command text>"}.
	Value     map[string]any `json:"value"`
	FormValue map[string]any `json:"form_value"`
	// Name and Option are a select menu's outside a form: its name and what it now shows.
	Name   string `json:"name"`
	Option string `json:"option"`
}

type cardContext struct {
	OpenMessageID string `json:"open_message_id"`
	OpenChatID    string `json:"open_chat_id"`
}

// decodeEnvelope parses a decrypted request.
func decodeEnvelope(plain []byte) (envelope, error) {
	var e envelope
	err := unmarshal(plain, &e)
	return e, err
}

var errMalformedJSON = errors.New("feishu: malformed JSON")

// unmarshal decodes with goccy/go-json, for speed, but only well-formed JSON: on malformed
// input it can read past its buffer into pooled leftovers of earlier decodes and panic (a
// key ending in a dangling escape, {"\, after other inputs: goccy/go-json#604, found by
// FuzzWebhookSealed). encoding/json's validator costs one fast pass without allocating.
func unmarshal(data []byte, v any) error {
	if !json.Valid(data) {
		return errMalformedJSON
	}
	return gojson.Unmarshal(data, v)
}

// toMessage turns an im.message.receive_v1 event into a bot.Message. It reports false for
// what the bot ignores: messages sent by applications (including itself) and message types
// that carry no text.
func toMessage(e *envelope, botOpenID string) (bot.Message, bool) {
	ev := &e.Event
	if ev.Sender.SenderType != "user" {
		return bot.Message{}, false
	}
	text, ok := messageText(ev.Message.MessageType, ev.Message.Content)
	files := messageFiles(ev.Message.MessageType, ev.Message.Content)
	if !ok && len(files) == 0 {
		return bot.Message{}, false
	}
	overheard := ev.Message.ChatType != "p2p" && !mentionsBot(text, ev.Message.Mentions, botOpenID)
	text, people := resolveMentions(text, ev.Message.Mentions, botOpenID)
	return bot.Message{
		Platform:  Platform,
		EventID:   e.Header.EventID,
		MessageID: ev.Message.MessageID,
		ChatID:    ev.Message.ChatID,
		ChatType:  ev.Message.ChatType,
		UserID:    ev.Sender.SenderID.OpenID,
		Text:      text,
		ParentID:  ev.Message.ParentID,
		RootID:    ev.Message.RootID,
		Files:     files,
		Mentions:  people,
		Overheard: overheard,
	}, true
}

// mentionsBot reports whether the message @-mentions the bot: a mention that is the bot
// (mentioned_type "bot", or the configured bot_open_id), or, where nothing says who a mention
// is, one that leads the text, as stripMentions reads it ("@bot command").
func mentionsBot(text string, mentions []mention, botOpenID string) bool {
	lead := strings.TrimSpace(text)
	for i := range mentions {
		m := &mentions[i]
		if m.isBot(botOpenID) {
			return true
		}
		if m.unknown(botOpenID) && m.Key != "" && strings.HasPrefix(lead, m.Key) {
			return true
		}
	}
	return false
}

// messageFiles finds what a message carries besides text: an image or file message, or the
// images of a rich-text (post) message.
func messageFiles(msgType, content string) []bot.FileRef {
	switch msgType {
	case "image":
		var c struct {
			ImageKey string `json:"image_key"`
		}
		if json.Unmarshal([]byte(content), &c) == nil && c.ImageKey != "" {
			return []bot.FileRef{{Key: c.ImageKey, Name: c.ImageKey + ".png", Kind: "image"}}
		}
	case "file":
		var c struct {
			FileKey  string `json:"file_key"`
			FileName string `json:"file_name"`
		}
		if json.Unmarshal([]byte(content), &c) == nil && c.FileKey != "" {
			return []bot.FileRef{{Key: c.FileKey, Name: c.FileName, Kind: "file"}}
		}
	case "post":
		var p struct {
			Content [][]postElem `json:"content"`
		}
		if json.Unmarshal([]byte(content), &p) != nil {
			return nil
		}
		var out []bot.FileRef
		for _, line := range p.Content {
			for _, el := range line {
				if el.Tag == "img" && el.ImageKey != "" {
					out = append(out, bot.FileRef{Key: el.ImageKey, Name: el.ImageKey + ".png", Kind: "image"})
				}
			}
		}
		return out
	}
	return nil
}

// toAction turns a card.action.trigger callback into a bot.Action.
func toAction(e *envelope) bot.Action {
	ev := &e.Event
	cmd, _ := ev.Action.Value["cmd"].(string)
	return bot.Action{
		Platform:  Platform,
		EventID:   e.Header.EventID,
		ChatID:    ev.Context.OpenChatID,
		MessageID: ev.Context.OpenMessageID,
		UserID:    ev.Operator.OpenID,
		Command:   cmd,
		Form:      actionForm(&ev.Action),
		Token:     ev.Token,
	}
}

// messageText extracts the text of a "text" or "post" message, placeholders still in.
func messageText(msgType, content string) (string, bool) {
	switch msgType {
	case "text":
		var c struct {
			Text string `json:"text"`
		}
		if !json.Valid([]byte(content)) { // see unmarshal
			return "", false
		}
		if err := gojson.UnmarshalNoEscape([]byte(content), &c); err != nil {
			return "", false
		}
		return c.Text, true
	case "post":
		return flattenPost(content)
	}
	return "", false
}

// postElem is one inline element of a rich-text (post) line.
type postElem struct {
	Tag      string `json:"tag"`
	Text     string `json:"text"`
	Href     string `json:"href"`
	UserID   string `json:"user_id"`
	UserName string `json:"user_name"`
	ImageKey string `json:"image_key"`
}

type postBody struct {
	Title   string       `json:"title"`
	Content [][]postElem `json:"content"`
}

// flattenPost renders rich text as plain text, one line per paragraph. Received posts are
// {"title","content":[[elem…]…]}; the send format wraps that in a locale key
// ({"zh_cn":{…}}), which is accepted too. Text, link and code-block text are kept, @ elements
// become their placeholder (resolved with the mentions like in plain text), images and
// emoji are dropped.
func flattenPost(content string) (string, bool) {
	var p postBody
	if err := json.Unmarshal([]byte(content), &p); err != nil {
		return "", false
	}
	if p.Title == "" && p.Content == nil {
		var byLocale map[string]postBody
		if err := json.Unmarshal([]byte(content), &byLocale); err != nil || len(byLocale) == 0 {
			return "", false
		}
		p = pickLocale(byLocale)
	}
	return renderPost(p), true
}

// renderPost is flattenPost's rendering of a parsed post.
func renderPost(p postBody) string {
	var b strings.Builder
	if p.Title != "" {
		b.WriteString(p.Title)
	}
	for _, line := range p.Content {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		for _, el := range line {
			switch el.Tag {
			case "text", "code_block":
				b.WriteString(el.Text)
			case "a":
				if el.Text != "" {
					b.WriteString(el.Text)
				} else {
					b.WriteString(el.Href)
				}
			case "at":
				switch {
				case strings.HasPrefix(el.UserID, "@_"):
					b.WriteString(el.UserID)
				case el.UserName != "":
					b.WriteString("@" + el.UserName)
				}
			}
		}
	}
	return b.String()
}

// pickLocale prefers Chinese, then English, then whatever comes first by name.
func pickLocale(m map[string]postBody) postBody {
	for _, l := range []string{"zh_cn", "en_us", "ja_jp"} {
		if p, ok := m[l]; ok {
			return p
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return m[keys[0]]
}

const placeholderPrefix = "@_user_"

// stripMentions resolves the @_user_N placeholders Feishu puts in the text for each mention:
// the bot's own mention is removed (mentioned_type "bot", or the configured bot open_id), any
// other becomes "@Name". When a mention says neither who it is nor the bot's open_id is
// configured, a placeholder at the very start of the text is taken to be the bot (people
// write "@bot command"), and one further in becomes "@Name".
//
// Placeholders are matched as whole tokens so that @_user_1 never eats into @_user_10.
func stripMentions(text string, mentions []mention, botOpenID string) string {
	s, _ := resolveMentions(text, mentions, botOpenID)
	return s
}

// resolveMentions is stripMentions that also returns the people the text names ("@Name" left
// in it) whose open_id Feishu gave: whom a command such as 绑定 … @Name is about.
func resolveMentions(text string, mentions []mention, botOpenID string) (string, []bot.Mention) {
	if !strings.Contains(text, placeholderPrefix) {
		return strings.TrimSpace(text), nil
	}
	var people []bot.Mention
	var b strings.Builder
	b.Grow(len(text))
	leading := true // nothing but placeholders and spaces so far
	for i := 0; i < len(text); {
		j := strings.Index(text[i:], placeholderPrefix)
		if j < 0 {
			b.WriteString(text[i:])
			break
		}
		pre := text[i : i+j]
		if strings.TrimSpace(pre) != "" {
			leading = false
		}
		b.WriteString(pre)
		start := i + j
		end := start + len(placeholderPrefix)
		for end < len(text) && text[end] >= '0' && text[end] <= '9' {
			end++
		}
		key := text[start:end]
		m := findMention(mentions, key)
		switch {
		case end == start+len(placeholderPrefix) || m == nil:
			// Not a placeholder, or one without a mention entry: keep it as written.
			b.WriteString(key)
			leading = false
		case m.isBot(botOpenID) || (leading && m.unknown(botOpenID)):
			// Drop it, with one following space when the output already ends in a space
			// (or is empty), so "a @bot b" reads "a b".
			if end < len(text) && text[end] == ' ' && (b.Len() == 0 || strings.HasSuffix(b.String(), " ")) {
				end++
			}
		default:
			if m.Name != "" {
				b.WriteString("@" + m.Name)
				if m.ID.OpenID != "" {
					people = append(people, bot.Mention{Name: m.Name, UserID: m.ID.OpenID})
				}
			} else {
				b.WriteString(key)
			}
			leading = false
		}
		i = end
	}
	return strings.TrimSpace(b.String()), people
}

func findMention(ms []mention, key string) *mention {
	for i := range ms {
		if ms[i].Key == key {
			return &ms[i]
		}
	}
	return nil
}

func (m *mention) isBot(botOpenID string) bool {
	return m.MentionedType == "bot" || (botOpenID != "" && m.ID.OpenID == botOpenID)
}

// unknown reports that nothing tells whether this mention is the bot.
func (m *mention) unknown(botOpenID string) bool {
	return m.MentionedType == "" && botOpenID == ""
}

// actionForm is what a callback submitted: a form's inputs, or the choice of a select menu
// outside a form, keyed by its name as a form's input would be.
func actionForm(a *cardAction) map[string]string {
	form := flattenForm(a.FormValue)
	if a.Name != "" && a.Option != "" {
		if form == nil {
			form = map[string]string{}
		}
		form[a.Name] = a.Option
	}
	return form
}

// flattenForm turns form_value into strings: multi-selects (arrays) are joined with ",",
// numbers and booleans formatted, nested objects kept as JSON.
func flattenForm(v map[string]any) map[string]string {
	if len(v) == 0 {
		return nil
	}
	out := make(map[string]string, len(v))
	for k, x := range v {
		out[k] = formString(x)
	}
	return out
}

func formString(x any) string {
	switch x := x.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = formString(e)
		}
		return strings.Join(parts, ",")
	case []string:
		return strings.Join(x, ",")
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}
