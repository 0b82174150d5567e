// Package wecomtest is a fake WeCom (企业微信) for tests and the demo, the way
// net/http/httptest serves HTTP: New starts a Server on loopback with the group webhook
// robot, the 智能机器人's response_url and its long connection, checking what WeCom checks;
// its URL and WSURL are the wecom.Config.APIBaseURL and WSURL that point the bot at it. It
// also builds the callbacks WeCom sends (TextMessage, CardEvent, SubmitEvent,
// DisconnectedEvent) and seals them as WeCom signs and encrypts them (SealCallback, SealEcho;
// OpenReply opens the bot's passive reply), with internal/msgcrypt.
package wecomtest

import (
	"encoding/json"
)

// The fake's own copy of what WeCom's documents publish (DOC 91770 group robot, 100719 and
// 101027 智能机器人 callbacks, 101032 template cards, 101138 response_url, 101463 long
// connection). It is written out here rather than taken from package wecom, so the fake
// checks the bot against the docs and not against the bot's own reading of them.

// The HTTP paths the fake serves.
const (
	pathRobotSend   = "/cgi-bin/webhook/send"
	pathRobotUpload = "/cgi-bin/webhook/upload_media"
	pathResponseURL = "/cgi-bin/aibot/response"
)

// A robot's upload takes 5 bytes to 20 MB (DOC 91770 文件上传接口).
const (
	minRobotUpload = 5
	maxRobotUpload = 20 << 20
)

// codeFrequency is WeCom's errcode for a rate exceeded (api freq out of limit).
const codeFrequency = 45009

// The send limits: the group robot's per key (DOC 91770) and the 智能机器人's per chat (DOC
// 101463).
const (
	robotPerMinute = 20
	chatPerMinute  = 30
	chatPerHour    = 1000
)

// The channels a Sent record names: how the bot sent it.
const (
	channelRobot       = "robot"
	channelResponseURL = "response_url"
	channelWS          = "ws"
	// channelPassive is a message callback's own HTTP response (DOC 101031), which WeCom shows
	// in the chat as the bot's answer.
	channelPassive = "passive"
)

// The long connection's frame (DOC 101463), in either direction, and its commands.
type frame struct {
	Cmd     string          `json:"cmd,omitempty"`
	Headers frameHeaders    `json:"headers"`
	Body    json.RawMessage `json:"body,omitempty"`
	ErrCode int             `json:"errcode,omitempty"`
	ErrMsg  string          `json:"errmsg,omitempty"`
}

type frameHeaders struct {
	ReqID string `json:"req_id"`
}

const (
	cmdSubscribe     = "aibot_subscribe"
	cmdPing          = "ping"
	cmdMsgCallback   = "aibot_msg_callback"
	cmdEventCallback = "aibot_event_callback"
	cmdRespondMsg    = "aibot_respond_msg"
	cmdRespondUpdate = "aibot_respond_update_msg"
	cmdSendMsg       = "aibot_send_msg"
)

// aibot_send_msg's chat_type: 1 a single chat, 2 a group.
const (
	chatTypeSingleNum = 1
	chatTypeGroupNum  = 2
)

// The callbacks' msgtype, eventtype and chattype values (DOC 100719, 101027).
const (
	msgTypeText       = "text"
	msgTypeMixed      = "mixed"
	msgTypeEvent      = "event"
	eventTemplateCard = "template_card_event"
	eventDisconnected = "disconnected_event"
	chatTypeSingle    = "single"
	chatTypeGroup     = "group"
)

// singlePrefix marks a single chat's id in the fake's records and in the builders' chatID
// arguments: "single:<userid>", as package wecom names a single chat.
const singlePrefix = "single:"

// callback is what the fake reads of a callback it pushes over the long connection.
type callback struct {
	MsgType  string `json:"msgtype"`
	ChatID   string `json:"chatid"`
	ChatType string `json:"chattype"`
	From     struct {
		UserID string `json:"userid"`
	} `json:"from"`
	Event *struct {
		EventType    string `json:"eventtype"`
		TemplateCard *struct {
			TaskID string `json:"task_id"`
		} `json:"template_card_event"`
	} `json:"event"`
}

// botAnswer is the bot's answer to a message (DOC 101031): a stream, markdown or a card.
type botAnswer struct {
	MsgType string `json:"msgtype"`
	Stream  *struct {
		ID      string `json:"id"`
		Finish  bool   `json:"finish"`
		Content string `json:"content"`
	} `json:"stream"`
	Markdown     *struct{ Content *string } `json:"markdown"`
	TemplateCard json.RawMessage            `json:"template_card"`
}

func decodeCallback(plain []byte) (callback, error) {
	var c callback
	err := json.Unmarshal(plain, &c)
	return c, err
}

// chatID is the chat the callback came from: its chatid, or "single:<userid>".
func (c *callback) chatID() string {
	if c.ChatType == chatTypeSingle || c.ChatID == "" {
		return singlePrefix + c.From.UserID
	}
	return c.ChatID
}

// isClick reports a template_card_event.
func (c *callback) isClick() bool {
	return c.MsgType == msgTypeEvent && c.Event != nil && c.Event.EventType == eventTemplateCard && c.Event.TemplateCard != nil
}
