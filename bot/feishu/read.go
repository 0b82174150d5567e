package feishu

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"

	"github.com/ticketbot/ticketbot/bot"
)

// pathUser reads one user's profile (DOC 获取单个用户信息; contact:user.base:readonly).
const pathUser = "/open-apis/contact/v3/users/:user_id"

var _ bot.MessageReader = (*Feishu)(nil)

// ReadMessage reads a message by its id (DOC 获取指定消息的内容, GET im/v1/messages/:id;
// permissions im:message or im:message:readonly, and im:message.group_msg for a group's
// messages): its text with mentions as @Name, images and files, sender and time. The sender's
// name comes from the contact API where the app may read it; elsewhere the sender's id stands.
func (f *Feishu) ReadMessage(ctx context.Context, messageID string) (bot.Quoted, error) {
	const op = "read message"
	var data struct {
		Items []struct {
			MsgType    string `json:"msg_type"`
			CreateTime string `json:"create_time"` // milliseconds, as a string
			Sender     struct {
				ID         string `json:"id"`
				SenderType string `json:"sender_type"`
			} `json:"sender"`
			Body struct {
				Content string `json:"content"`
			} `json:"body"`
			Mentions []struct {
				Key  string `json:"key"`
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"mentions"`
		} `json:"items"`
	}
	if err := f.call(ctx, op, &data, f.do(&larkcore.ApiReq{
		HttpMethod:  http.MethodGet,
		ApiPath:     pathMessage,
		PathParams:  larkcore.PathParams{"message_id": messageID},
		QueryParams: larkcore.QueryParams{"user_id_type": []string{"open_id"}},
	})); err != nil {
		return bot.Quoted{}, err
	}
	if len(data.Items) == 0 {
		return bot.Quoted{}, &APIError{Op: op, Msg: "no message in the answer"}
	}
	it := data.Items[0]
	text, _ := quotedText(it.MsgType, it.Body.Content)
	// Every mention of a quoted message is named, the bot's own included: it is what was said.
	ms := make([]mention, len(it.Mentions))
	for i, m := range it.Mentions {
		ms[i] = mention{Key: m.Key, ID: userID{OpenID: m.ID}, Name: m.Name, MentionedType: "user"}
	}
	text, _ = resolveMentions(text, ms, "")
	q := bot.Quoted{Text: text, Author: it.Sender.ID, ByApp: it.Sender.SenderType == "app"}
	if ms, err := strconv.ParseInt(it.CreateTime, 10, 64); err == nil {
		q.At = time.UnixMilli(ms)
	}
	for _, file := range messageFiles(it.MsgType, it.Body.Content) {
		file.MessageID = messageID
		q.Files = append(q.Files, file)
	}
	if !q.ByApp && q.Author != "" {
		if name, err := f.userName(ctx, q.Author); err == nil && name != "" {
			q.Author = name
		} else if err != nil {
			f.log.DebugContext(ctx, "feishu: no name for the quoted sender", "open_id", q.Author, "err", err)
		}
	}
	return q, nil
}

// quotedText is the text of a message as the message API gives it: text and post as they
// arrive in events, a card as its title and text elements (the API returns cards in the
// post's shape, {"title", "elements": [[…]]}).
func quotedText(msgType, content string) (string, bool) {
	if msgType != "interactive" {
		return messageText(msgType, content)
	}
	var c struct {
		Title    string       `json:"title"`
		Elements [][]postElem `json:"elements"`
	}
	if err := json.Unmarshal([]byte(content), &c); err != nil {
		return "", false
	}
	return renderPost(postBody{Title: c.Title, Content: c.Elements}), true
}

// userName is a user's name by open_id, where the app's contact scope covers them.
func (f *Feishu) userName(ctx context.Context, openID string) (string, error) {
	var data struct {
		User struct {
			Name string `json:"name"`
		} `json:"user"`
	}
	err := f.call(ctx, "read user", &data, f.do(&larkcore.ApiReq{
		HttpMethod:  http.MethodGet,
		ApiPath:     pathUser,
		PathParams:  larkcore.PathParams{"user_id": openID},
		QueryParams: larkcore.QueryParams{"user_id_type": []string{"open_id"}},
	}))
	return data.User.Name, err
}
