package feishu

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestStripMentions(t *testing.T) {
	bot := mention{Key: "@_user_1", ID: userID{OpenID: "ou_bot"}, Name: "ticketbot", MentionedType: "bot"}
	tom := mention{Key: "@_user_2", ID: userID{OpenID: "ou_tom"}, Name: "Tom", MentionedType: "user"}
	// Older payloads carry no mentioned_type.
	botBare := mention{Key: "@_user_1", ID: userID{OpenID: "ou_bot"}, Name: "ticketbot"}
	tomBare := mention{Key: "@_user_2", ID: userID{OpenID: "ou_tom"}, Name: "Tom"}
	ten := mention{Key: "@_user_10", ID: userID{OpenID: "ou_ten"}, Name: "Ten", MentionedType: "user"}

	tests := []struct {
		name     string
		text     string
		mentions []mention
		botID    string
		want     string
	}{
		{"no mention", "  list  ", nil, "", "list"},
		{"bot first", "@_user_1 建单 ksyun 数据库", []mention{bot}, "", "建单 ksyun 数据库"},
		{"bot in the middle", "please @_user_1 list", []mention{bot}, "", "please list"},
		{"bot last", "list @_user_1", []mention{bot}, "", "list"},
		{"other user becomes @Name", "@_user_1 assign @_user_2 T-1", []mention{bot, tom}, "", "assign @Tom T-1"},
		{"user before bot", "@_user_2 @_user_1 show 1", []mention{bot, tom}, "", "@Tom show 1"},
		{"bot twice", "@_user_1 @_user_1 help", []mention{bot}, "", "help"},
		{"configured open id without type", "@_user_1 help @_user_2", []mention{botBare, tomBare}, "ou_bot", "help @Tom"},
		{"configured open id, bot not first", "@_user_2 @_user_1 help", []mention{botBare, tomBare}, "ou_bot", "@Tom help"},
		{"no info: leading placeholders dropped", "@_user_1 @_user_2 help @_user_2", []mention{botBare, tomBare}, "", "help @Tom"},
		{"no info: later placeholder kept as name", "help @_user_1", []mention{botBare}, "", "help @ticketbot"},
		{"@_user_1 does not eat @_user_10", "@_user_1 ping @_user_10", []mention{bot, ten}, "", "ping @Ten"},
		{"placeholder without mention entry kept", "@_user_1 ping @_user_7", []mention{bot}, "", "ping @_user_7"},
		{"not a placeholder", "@_user_ x", []mention{bot}, "", "@_user_ x"},
		{"nameless user keeps key", "@_user_1 hi @_user_2", []mention{bot, {Key: "@_user_2", MentionedType: "user"}}, "", "hi @_user_2"},
		{"multiline", "@_user_1 reply 12\nline two", []mention{bot}, "", "reply 12\nline two"},
		{"only the mention", "@_user_1", []mention{bot}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stripMentions(tt.text, tt.mentions, tt.botID); got != tt.want {
				t.Errorf("stripMentions(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestFlattenPost(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{
			name: "received shape",
			content: `{"title":"","content":[[{"tag":"at","user_id":"@_user_1","user_name":"ticketbot"},{"tag":"text","text":" 建单 ksyun "},{"tag":"a","href":"https://x","text":"链接"}],` +
				`[{"tag":"img","image_key":"img_1"}],[{"tag":"text","text":"第二行","style":["bold"]},{"tag":"emotion","emoji_type":"SMILE"}],[{"tag":"code_block","language":"GO","text":"panic: x"}]]}`,
			want: "@_user_1 建单 ksyun 链接\n\n第二行\npanic: x",
		},
		{
			name:    "title first",
			content: `{"title":"标题","content":[[{"tag":"text","text":"正文"}]]}`,
			want:    "标题\n正文",
		},
		{
			name:    "locale wrapped",
			content: `{"en_us":{"title":"","content":[[{"tag":"text","text":"english"}]]},"zh_cn":{"title":"","content":[[{"tag":"text","text":"中文"}]]}}`,
			want:    "中文",
		},
		{
			name:    "link without text, at by name",
			content: `{"content":[[{"tag":"a","href":"https://x"},{"tag":"at","user_id":"ou_x","user_name":"Ann"}]]}`,
			want:    "https://x@Ann",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := flattenPost(tt.content)
			if !ok || got != tt.want {
				t.Errorf("flattenPost = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
	if _, ok := flattenPost(`not json`); ok {
		t.Error("accepted invalid content")
	}
}

func TestMessageText(t *testing.T) {
	if got, ok := messageText("text", `{"text":"a \"quoted\" 😀"}`); !ok || got != `a "quoted" 😀` {
		t.Errorf("text: %q %v", got, ok)
	}
	for _, typ := range []string{"image", "file", "sticker", "interactive", ""} {
		if _, ok := messageText(typ, `{"image_key":"x"}`); ok {
			t.Errorf("%s: not ignored", typ)
		}
	}
}

func TestFlattenForm(t *testing.T) {
	var v map[string]any
	if err := json.Unmarshal([]byte(`{"reply_text":"你好","multi":["a","b"],"n":3.5,"b":true,"nil":null,"obj":{"k":"v"}}`), &v); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"reply_text": "你好", "multi": "a,b", "n": "3.5", "b": "true", "nil": "", "obj": `{"k":"v"}`}
	if got := flattenForm(v); !reflect.DeepEqual(got, want) {
		t.Errorf("flattenForm = %v, want %v", got, want)
	}
	if flattenForm(nil) != nil {
		t.Error("empty form not nil")
	}
}

func TestToActionOfficialPayload(t *testing.T) {
	// The official card.action.trigger example (DOC 卡片回传交互), with our value object.
	plain := `{"schema":"2.0","header":{"event_id":"f7984f25108f8137722bb63c*****","token":"066zT6pS4QCbgj5Do145GfDbbag*****","create_time":"1603977298000000","event_type":"card.action.trigger","tenant_key":"2df73991750*****","app_id":"cli_a5fb0ae6a4******"},` +
		`"event":{"operator":{"tenant_key":"2df73991750*****","user_id":"867*****","open_id":"ou_3c14f3a59eaf2825dbe25359f15*****","union_id":"on_cad4860e7af114fb4ff6c5d496d*****"},"token":"c-295ee57216a5dc9de90fefd0aadb4b1d7d******",` +
		`"action":{"value":{"cmd":"close ksyun 1204"},"tag":"button","timezone":"Asia/Shanghai","form_value":{"field name1":["selectDemo1","selectDemo2"],"field name2":"value2","Input_lf4fmxwfrd9":"1234"},"name":"Button_lvkepfu3"},` +
		`"host":"im_message","delivery_type":"url_preview","context":{"url":"xxx","preview_token":"xxx","open_message_id":"om_574d639e4a44e4dd646eaf628e2*****","open_chat_id":"oc_e4d2605ca917e695f54f11aaf56*****"}}}`
	e, err := decodeEnvelope([]byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	a := toAction(&e)
	if a.Command != "close ksyun 1204" || a.MessageID != "om_574d639e4a44e4dd646eaf628e2*****" || a.ChatID != "oc_e4d2605ca917e695f54f11aaf56*****" ||
		a.UserID != "ou_3c14f3a59eaf2825dbe25359f15*****" || a.Token != "c-295ee57216a5dc9de90fefd0aadb4b1d7d******" || a.EventID != "f7984f25108f8137722bb63c*****" {
		t.Errorf("action = %+v", a)
	}
	if a.Form["field name1"] != "selectDemo1,selectDemo2" || a.Form["Input_lf4fmxwfrd9"] != "1234" {
		t.Errorf("form = %v", a.Form)
	}
	if e.token() != "066zT6pS4QCbgj5Do145GfDbbag*****" {
		t.Errorf("token = %q", e.token())
	}
}

// A select menu outside a form calls back with its name and the option chosen (DOC 卡片回传交互,
// select_static: action.tag, action.name, action.option); the choice reaches the bot as a
// form input of that name.
func TestToActionSelectOutsideForm(t *testing.T) {
	plain := `{"schema":"2.0","header":{"event_id":"ev-sel","token":"tok","event_type":"card.action.trigger"},` +
		`"event":{"operator":{"open_id":"ou_1"},"token":"c-1","action":{"value":{"cmd":"newform k1 pick"},"tag":"select_static","option":"ksyun","timezone":"Asia/Shanghai","name":"vendor"},` +
		`"context":{"open_message_id":"om_1","open_chat_id":"oc_1"}}}`
	e, err := decodeEnvelope([]byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	a := toAction(&e)
	if a.Command != "newform k1 pick" || !reflect.DeepEqual(a.Form, map[string]string{"vendor": "ksyun"}) {
		t.Errorf("action = %+v", a)
	}
	// A button's name is no choice.
	e.Event.Action = cardAction{Value: map[string]any{"cmd": "x"}, Name: "btn"}
	if a := toAction(&e); a.Form != nil {
		t.Errorf("a button's click has form %v", a.Form)
	}
}

func TestToMessageOfficialPayload(t *testing.T) {
	// The official im.message.receive_v1 example (DOC 接收消息), whose mention has no
	// mentioned_type: the leading placeholder is taken to be the bot.
	plain := `{"schema":"2.0","header":{"event_id":"5e3702a84e847582be8db7fb73283c02","event_type":"im.message.receive_v1","create_time":"1608725989000","token":"rvaYgkND1GOiu5MM0E1rncYC6PLtF7JV","app_id":"cli_9f5343c580712544","tenant_key":"2ca1d211f64f6438"},` +
		`"event":{"sender":{"sender_id":{"union_id":"on_8ed6aa67826108097d9ee143816345","user_id":"e33ggbyz","open_id":"ou_84aad35d084aa403a838cf73ee18467"},"sender_type":"user","tenant_key":"736588c9260f175e"},` +
		`"message":{"message_id":"om_5ce6d572455d361153b7cb51da133945","root_id":"om_5ce6d572455d361153b7cb5xxfsdfsdfdsf","parent_id":"om_5ce6d572455d361153b7cb5xxfsdfsdfdsf","create_time":"1609073151345","update_time":"1687343654666","chat_id":"oc_5ce6d572455d361153b7xx51da133945","chat_type":"group","message_type":"text","content":"{\"text\":\"@_user_1 hello\"}",` +
		`"mentions":[{"key":"@_user_1","id":{"union_id":"on_8ed6aa67826108097d9ee143816345","user_id":"e33ggbyz","open_id":"ou_84aad35d084aa403a838cf73ee18467"},"name":"Tom","tenant_key":"736588c9260f175e"}],"user_agent":"Mozilla/5.0"}}}`
	e, err := decodeEnvelope([]byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	m, ok := toMessage(&e, "")
	if !ok {
		t.Fatal("ignored")
	}
	want := messageWant("5e3702a84e847582be8db7fb73283c02", "om_5ce6d572455d361153b7cb51da133945", "oc_5ce6d572455d361153b7xx51da133945", "ou_84aad35d084aa403a838cf73ee18467", "hello")
	want.ParentID, want.RootID = "om_5ce6d572455d361153b7cb5xxfsdfsdfdsf", "om_5ce6d572455d361153b7cb5xxfsdfsdfdsf"
	if !reflect.DeepEqual(m, want) {
		t.Errorf("message = %+v\nwant      %+v", m, want)
	}
	e.Event.Sender.SenderType = "app"
	if _, ok := toMessage(&e, ""); ok {
		t.Error("a message from an app was not ignored")
	}
}

// The people a command names are the mentions left in its text as "@Name", with their
// open_id: never the bot, never a placeholder taken to be the bot.
func TestResolveMentionsPeople(t *testing.T) {
	self := mention{Key: "@_user_1", ID: userID{OpenID: "ou_bot"}, Name: "ticketbot", MentionedType: "bot"}
	li := mention{Key: "@_user_2", ID: userID{OpenID: "ou_li"}, Name: "李四", MentionedType: "user"}
	liBare := mention{Key: "@_user_2", ID: userID{OpenID: "ou_li"}, Name: "李四"}
	botBare := mention{Key: "@_user_1", ID: userID{OpenID: "ou_bot"}, Name: "ticketbot"}
	tests := []struct {
		name     string
		text     string
		mentions []mention
		botID    string
		want     []string // "name=open_id"
	}{
		{"bind someone", "@_user_1 绑定 ksyun 40001 @_user_2", []mention{self, li}, "", []string{"李四=ou_li"}},
		{"nobody", "@_user_1 绑定 ksyun 40001", []mention{self}, "", nil},
		{"leading unknown is the bot", "@_user_1 @_user_2 help", []mention{botBare, liBare}, "", nil},
		{"later unknown is a person", "@_user_1 绑定 ksyun 1 @_user_2", []mention{botBare, liBare}, "", []string{"李四=ou_li"}},
		{"no open id", "@_user_1 x @_user_2", []mention{self, {Key: "@_user_2", Name: "王五", MentionedType: "user"}}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, people := resolveMentions(tt.text, tt.mentions, tt.botID)
			var got []string
			for _, p := range people {
				got = append(got, p.Name+"="+p.UserID)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("people = %v, want %v", got, tt.want)
			}
		})
	}
}
