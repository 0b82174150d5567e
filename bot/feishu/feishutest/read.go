package feishutest

import (
	"net/http"
	"strconv"
	"time"
)

// ChatMessage is a message a person or another app posted in a chat, which the fake serves to
// GET /open-apis/im/v1/messages/{id} (DOC 获取指定消息的内容): what a 建单 answering it reads.
type ChatMessage struct {
	ID, ChatID string
	MsgType    string // "text" unless set
	Content    string // the content JSON, {"text":"…"} for text
	SenderID   string // an open_id, or an app's cli_ id
	SenderType string // "user" unless set, or "app"
	CreateTime time.Time
	Mentions   []Mention
}

// PutMessage makes m readable by its id, as if it had been posted in its chat.
func (f *Server) PutMessage(m ChatMessage) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.posted == nil {
		f.posted = map[string]ChatMessage{}
	}
	f.posted[m.ID] = m
}

// PutUser gives the contact API the name of an open_id (DOC 获取单个用户信息); any other
// user is outside the app's contact scope, as for an app without contact permissions.
func (f *Server) PutUser(openID, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.users == nil {
		f.users = map[string]string{}
	}
	f.users[openID] = name
}

// userIDTypes are the values of user_id_type Feishu accepts.
var userIDTypes = map[string]bool{"": true, "open_id": true, "union_id": true, "user_id": true}

// getMessage serves GET /open-apis/im/v1/messages/{id}: the message as items[0], with its
// sender and mentions; the bot's own messages are readable too, sent by the app.
func (f *Server) getMessage(r *http.Request, _ []byte) fakeAnswer {
	if !userIDTypes[r.URL.Query().Get("user_id_type")] {
		return fakeErr(CodeParam, "field validation failed: user_id_type")
	}
	id := r.PathValue("id")
	var item map[string]any
	if m, ok := f.posted[id]; ok {
		msgType, senderType := m.MsgType, m.SenderType
		if msgType == "" {
			msgType = "text"
		}
		if senderType == "" {
			senderType = "user"
		}
		idType := "open_id"
		if senderType == "app" {
			idType = "app_id"
		}
		var mentions []map[string]any
		for _, mm := range m.Mentions {
			mentions = append(mentions, map[string]any{"key": mm.Key, "id": mm.OpenID, "id_type": "open_id", "name": mm.Name, "tenant_key": "fake-tenant"})
		}
		item = map[string]any{
			"message_id": m.ID, "msg_type": msgType, "chat_id": m.ChatID,
			"create_time": strconv.FormatInt(m.CreateTime.UnixMilli(), 10), "deleted": false, "updated": false,
			"sender":   map[string]any{"id": m.SenderID, "id_type": idType, "sender_type": senderType, "tenant_key": "fake-tenant"},
			"body":     map[string]string{"content": m.Content},
			"mentions": mentions,
		}
	} else if m, ok := f.byID[id]; ok {
		item = messageJSON(m)
		item["sender"] = map[string]any{"id": f.appID, "id_type": "app_id", "sender_type": "app", "tenant_key": "fake-tenant"}
	} else {
		return fakeErr(CodeNotFound, "message not found")
	}
	return fakeAnswer{data: map[string]any{"items": []map[string]any{item}}}
}

// getUser serves GET /open-apis/contact/v3/users/{id}?user_id_type=open_id: the user's name,
// or a refusal for a user outside the contact scope.
func (f *Server) getUser(r *http.Request, _ []byte) fakeAnswer {
	if !userIDTypes[r.URL.Query().Get("user_id_type")] {
		return fakeErr(CodeParam, "field validation failed: user_id_type")
	}
	name, ok := f.users[r.PathValue("id")]
	if !ok {
		return fakeErr(CodeNoUser, "no user authority error")
	}
	return fakeAnswer{data: map[string]any{"user": map[string]any{"open_id": r.PathValue("id"), "name": name}}}
}
