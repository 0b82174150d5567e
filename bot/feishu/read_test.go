package feishu

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
)

// A message someone answers is read with its text (mentions named), files, sender and time;
// the sender's name comes from the contact API where the app may read it.
func TestReadMessage(t *testing.T) {
	at := time.Date(2026, 12, 7, 9, 40, 0, 0, time.UTC)
	tests := []struct {
		name string
		msg  feishutest.ChatMessage
		user string // the contact API knows the sender by this name
		want bot.Quoted
	}{{
		name: "text by a person the app may look up",
		msg: feishutest.ChatMessage{ID: "om_a", Content: `{"text":"@_user_1 数据库 @_user_10 连不上了"}`, SenderID: "ou_wang", CreateTime: at,
			Mentions: []feishutest.Mention{{Key: "@_user_1", OpenID: "ou_li", Name: "李四"}, {Key: "@_user_10", OpenID: "ou_ten", Name: "十"}}},
		user: "王五",
		want: bot.Quoted{Text: "@李四 数据库 @十 连不上了", Author: "王五", At: at},
	}, {
		name: "a person outside the contact scope keeps their id",
		msg:  feishutest.ChatMessage{ID: "om_b", Content: `{"text":"磁盘满了"}`, SenderID: "ou_zhao", CreateTime: at},
		want: bot.Quoted{Text: "磁盘满了", Author: "ou_zhao", At: at},
	}, {
		name: "an alert card from a monitoring app",
		msg: feishutest.ChatMessage{ID: "om_c", MsgType: "interactive", SenderID: "cli_monitor", SenderType: "app", CreateTime: at,
			Content: `{"title":"【P1】CPU 告警","elements":[[{"tag":"text","text":"mysql-prod-01 CPU 97%"}],[{"tag":"a","text":"查看","href":"https://grafana"}]]}`},
		want: bot.Quoted{Text: "【P1】CPU 告警\nmysql-prod-01 CPU 97%\n查看", Author: "cli_monitor", ByApp: true, At: at},
	}, {
		name: "rich text with a screenshot",
		msg: feishutest.ChatMessage{ID: "om_d", MsgType: "post", SenderID: "ou_wang", CreateTime: at,
			Content: `{"title":"报错","content":[[{"tag":"text","text":"见截图"},{"tag":"img","image_key":"img_1"}]]}`},
		user: "王五",
		want: bot.Quoted{Text: "报错\n见截图", Author: "王五", At: at,
			Files: []bot.FileRef{{Key: "img_1", Name: "img_1.png", Kind: "image", MessageID: "om_d"}}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, fake := newClient(t)
			fake.PutMessage(tt.msg)
			if tt.user != "" {
				fake.PutUser(tt.msg.SenderID, tt.user)
			}
			got, err := bot.ReadMessage(context.Background(), f, tt.msg.ID)
			if err != nil {
				t.Fatal(err)
			}
			got.At = got.At.UTC()
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ReadMessage = %+v\nwant          %+v", got, tt.want)
			}
		})
	}
	t.Run("unknown message", func(t *testing.T) {
		f, _ := newClient(t)
		_, err := f.ReadMessage(context.Background(), "om_nope")
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Code != feishutest.CodeNotFound {
			t.Fatalf("ReadMessage of an unknown message = %v, want the API's not-found", err)
		}
	})
	t.Run("the platform says it can", func(t *testing.T) {
		f, _ := newClient(t)
		if !bot.Can(f).Read {
			t.Fatal("Can(feishu).Read is false")
		}
	})
}
