package wecomtest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/silenceper/wechat/v2/util"
)

// postFake POSTs body to the fake and returns WeCom's errcode.
func postFake(t *testing.T, u, body string) int {
	t.Helper()
	resp, err := http.Post(u, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var ce util.CommonError
	if err := json.Unmarshal(b, &ce); err != nil {
		t.Fatalf("answer %s", b)
	}
	return int(ce.ErrCode)
}

func cardWith(f func(map[string]any)) string {
	var c map[string]any
	_ = json.Unmarshal([]byte(testCard), &c)
	c["task_id"] = "tb-" + randomHex(4)
	if f != nil {
		f(c)
	}
	b, _ := json.Marshal(map[string]any{"msgtype": "template_card", "template_card": c})
	return string(b)
}

func TestRobot(t *testing.T) {
	clk := newTestClock(testNow)
	f := New(Config{Now: clk.Now})
	defer f.Close()
	u := f.URL() + "/cgi-bin/webhook/send?key=" + WebhookKey
	notice := `{"msgtype":"template_card","template_card":{"card_type":"text_notice","main_title":{"title":"工单 #T-1024"},"card_action":{"type":1,"url":"https://x"}}}`
	tests := []struct {
		name, url, body string
		code            int
	}{
		{"markdown", u, `{"msgtype":"markdown","markdown":{"content":"**工单** 已关闭"}}`, 0},
		{"text", u, `{"msgtype":"text","text":{"content":"hi"}}`, 0},
		{"text_notice", u, notice, 0},
		{"wrong key", f.URL() + "/cgi-bin/webhook/send?key=nope", `{"msgtype":"text","text":{"content":"hi"}}`, 93000},
		{"button card", u, cardWith(nil), fakeCodeCard},
		{"text_notice without card_action", u, strings.Replace(notice, `,"card_action":{"type":1,"url":"https://x"}`, "", 1), fakeCodeCard},
		{"unknown msgtype", u, `{"msgtype":"stream","stream":{}}`, 40008},
		{"empty markdown", u, `{"msgtype":"markdown","markdown":{"content":""}}`, fakeCodeBadParam},
		{"markdown too long", u, `{"msgtype":"markdown","markdown":{"content":"` + strings.Repeat("a", 4097) + `"}}`, fakeCodeBadParam},
		{"not JSON", u, `{`, fakeCodeBadParam},
	}
	for _, tt := range tests {
		if code := postFake(t, tt.url, tt.body); code != tt.code {
			t.Errorf("%s: errcode %d, want %d", tt.name, code, tt.code)
		}
	}
	// 20 a minute: 3 accepted above, 17 more, then 45009 until the minute has passed.
	for i := range 17 {
		if code := postFake(t, u, `{"msgtype":"text","text":{"content":"x"}}`); code != 0 {
			t.Fatalf("message %d: errcode %d", i+4, code)
		}
	}
	if code := postFake(t, u, `{"msgtype":"text","text":{"content":"x"}}`); code != 45009 {
		t.Fatalf("21st: errcode %d", code)
	}
	clk.Advance(time.Minute)
	if code := postFake(t, u, `{"msgtype":"text","text":{"content":"x"}}`); code != 0 {
		t.Fatalf("a minute later: errcode %d", code)
	}
	if n := len(f.Sent()); n != 21 {
		t.Fatalf("recorded %d", n)
	}
}

func TestResponseURL(t *testing.T) {
	clk := newTestClock(testNow)
	f := New(Config{Now: clk.Now})
	defer f.Close()
	u := f.ResponseURL(testChat)
	md := `{"msgtype":"markdown","markdown":{"content":"ok"}}`
	if code := postFake(t, u, md); code != 0 {
		t.Fatalf("first use: %d", code)
	}
	if code := postFake(t, u, md); code != fakeCodeUsed {
		t.Fatalf("second use: %d", code)
	}
	late := f.ResponseURL(testChat)
	clk.Advance(time.Hour)
	if code := postFake(t, late, md); code != fakeCodeUsed {
		t.Fatalf("an hour later: %d", code)
	}
	if code := postFake(t, f.URL()+"/cgi-bin/aibot/response?response_code=made-up", md); code != fakeCodeUsed {
		t.Fatalf("unknown code: %d", code)
	}
	dup := cardWith(func(c map[string]any) { c["task_id"] = "tb-dup" })
	tests := []struct {
		name, body string
		code       int
	}{
		{"ticket card", cardWith(nil), 0},
		{"task_id once", dup, 0},
		{"task_id twice", dup, fakeCodeTaskID},
		{"no task_id", cardWith(func(c map[string]any) { delete(c, "task_id") }), fakeCodeTaskID},
		{"task_id with a space", cardWith(func(c map[string]any) { c["task_id"] = "tb 1" }), fakeCodeTaskID},
		{"task_id of 129 bytes", cardWith(func(c map[string]any) { c["task_id"] = strings.Repeat("a", 129) }), fakeCodeTaskID},
		{"long title", cardWith(func(c map[string]any) { c["main_title"] = map[string]string{"title": strings.Repeat("长", 27)} }), fakeCodeCard},
		{"seven buttons", cardWith(func(c map[string]any) {
			var bs []map[string]string
			for range 7 {
				bs = append(bs, map[string]string{"text": "b", "key": "k"})
			}
			c["button_list"] = bs
		}), fakeCodeCard},
		{"key of 1025 bytes", cardWith(func(c map[string]any) {
			c["button_list"] = []map[string]string{{"text": "b", "key": strings.Repeat("k", 1025)}}
		}), fakeCodeCard},
		{"unknown card_type", cardWith(func(c map[string]any) { c["card_type"] = "fancy" }), fakeCodeCard},
		{"text msgtype", `{"msgtype":"text","text":{"content":"x"}}`, 40008},
	}
	for _, tt := range tests {
		if code := postFake(t, f.ResponseURL(testChat), tt.body); code != tt.code {
			t.Errorf("%s: errcode %d, want %d", tt.name, code, tt.code)
		}
	}
}

// wsClient is a raw long-connection client of the fake.
func wsClient(t *testing.T, f *Server) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial(f.WSURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func wsRoundTrip(t *testing.T, c *websocket.Conn, cmd, reqID string, body any) ack {
	t.Helper()
	b, _ := json.Marshal(body)
	if err := c.WriteJSON(frame{Cmd: cmd, Headers: frameHeaders{reqID}, Body: b}); err != nil {
		t.Fatal(err)
	}
	for {
		var a struct {
			Cmd string `json:"cmd"`
			ack
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if err := c.ReadJSON(&a); err != nil {
			t.Fatal(err)
		}
		if a.Cmd == "" && a.Headers.ReqID == reqID {
			return a.ack
		}
	}
}

func TestWS(t *testing.T) {
	clk := newTestClock(testNow)
	f := New(Config{Now: clk.Now, StrictPush: true})
	defer f.Close()

	bad := wsClient(t, f)
	if a := wsRoundTrip(t, bad, cmdSubscribe, "s0", map[string]string{"bot_id": BotID, "secret": "nope"}); a.ErrCode != fakeCodeAuth {
		t.Fatalf("wrong secret: %+v", a)
	}

	c := wsClient(t, f)
	if a := wsRoundTrip(t, c, cmdSubscribe, "s1", map[string]string{"bot_id": BotID, "secret": Secret}); a.ErrCode != 0 {
		t.Fatalf("subscribe: %+v", a)
	}
	if a := wsRoundTrip(t, c, cmdPing, "p1", nil); a.ErrCode != 0 {
		t.Fatalf("ping: %+v", a)
	}
	push := map[string]any{"chatid": testChat, "chat_type": 2, "msgtype": "markdown", "markdown": map[string]string{"content": "x"}}
	if a := wsRoundTrip(t, c, cmdSendMsg, "x1", push); a.ErrCode != fakeCodeNoChat {
		t.Fatalf("push to a silent chat: %+v", a)
	}
	reqID, err := f.PushEvent(CardEvent("c1", testChat, testUser, "tb-1", "close x:1"))
	if err != nil {
		t.Fatal(err)
	}
	if a := wsRoundTrip(t, c, cmdSendMsg, "x2", push); a.ErrCode != 0 {
		t.Fatalf("push after a callback: %+v", a)
	}
	stream := map[string]any{"msgtype": "stream", "stream": map[string]any{"id": "s", "finish": true, "content": "x"}}
	if a := wsRoundTrip(t, c, cmdRespondMsg, reqID, stream); a.ErrCode != fakeCodeReqID {
		t.Fatalf("stream on a click's req_id: %+v", a)
	}
	var tc map[string]any
	_ = json.Unmarshal([]byte(testCard), &tc)
	tc["task_id"] = "tb-other"
	update := map[string]any{"response_type": "update_template_card", "template_card": tc}
	if a := wsRoundTrip(t, c, cmdRespondUpdate, reqID, update); a.ErrCode != fakeCodeTaskID {
		t.Fatalf("update of another card: %+v", a)
	}
	tc["task_id"] = "tb-1"
	clk.Advance(6 * time.Second)
	if a := wsRoundTrip(t, c, cmdRespondUpdate, reqID, update); a.ErrCode != fakeCodeReqID {
		t.Fatalf("update after 6 s: %+v", a)
	}
	reqID, _ = f.PushEvent(CardEvent("c2", testChat, testUser, "tb-1", "close x:1"))
	if a := wsRoundTrip(t, c, cmdRespondUpdate, reqID, update); a.ErrCode != 0 {
		t.Fatalf("update in time: %+v", a)
	}
	if a := wsRoundTrip(t, c, cmdRespondUpdate, reqID, update); a.ErrCode != fakeCodeReqID {
		t.Fatalf("second update: %+v", a)
	}
	if a := wsRoundTrip(t, c, "aibot_made_up", "u1", nil); a.ErrCode == 0 {
		t.Fatal("unknown cmd accepted")
	}

	// A newer connection kicks this one with disconnected_event.
	c2 := wsClient(t, f)
	if a := wsRoundTrip(t, c2, cmdSubscribe, "s2", map[string]string{"bot_id": BotID, "secret": Secret}); a.ErrCode != 0 {
		t.Fatalf("second subscribe: %+v", a)
	}
	for {
		var fr frame
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if err := c.ReadJSON(&fr); err != nil {
			t.Fatalf("no disconnected_event: %v", err)
		}
		if fr.Cmd == cmdEventCallback && strings.Contains(string(fr.Body), eventDisconnected) {
			break
		}
	}
	if sent := f.Sent(); len(sent) != 2 || sent[0].Cmd != cmdSendMsg || sent[1].MsgType != "update_template_card" {
		t.Fatalf("%+v", sent)
	}
}

// The fake keeps the 智能机器人's limits per chat, 30 a minute and 1000 an hour, refusing
// with 45009 what is over them (and not spending the response_url), as WeCom does.
func TestChatLimit(t *testing.T) {
	tests := []struct {
		name       string
		perMinute  int
		perHour    int
		sends      int
		advance    time.Duration
		wantRefuse int // which send (1-based) is refused first
	}{
		{"30 a minute", 0, 0, 31, time.Minute, 31},
		{"1000 an hour (here 5)", 100, 5, 6, time.Hour, 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newTestClock(testNow)
			f := New(Config{Now: clk.Now, ChatPerMinute: tc.perMinute, ChatPerHour: tc.perHour})
			defer f.Close()
			md := `{"msgtype":"markdown","markdown":{"content":"x"}}`
			var refusedURL string
			for i := 1; i <= tc.sends; i++ {
				u := f.ResponseURL(testChat)
				code := postFake(t, u, md)
				if i < tc.wantRefuse && code != 0 {
					t.Fatalf("send %d: errcode %d", i, code)
				}
				if i == tc.wantRefuse {
					if code != 45009 {
						t.Fatalf("send %d: errcode %d, want 45009", i, code)
					}
					refusedURL = u
				}
			}
			// Another chat is not affected.
			if code := postFake(t, f.ResponseURL("other-chat"), md); code != 0 {
				t.Fatalf("other chat: errcode %d", code)
			}
			if n := f.FrequencyRefusals(); n != 1 {
				t.Fatalf("%d refusals counted", n)
			}
			// Once the window has passed, the chat takes messages again; the refused
			// response_url was not spent (unless its own hour is over too).
			clk.Advance(tc.advance)
			if tc.advance >= time.Hour {
				refusedURL = f.ResponseURL(testChat)
			}
			if code := postFake(t, refusedURL, md); code != 0 {
				t.Fatalf("after the window: errcode %d", code)
			}
			if n := len(f.Sent()); n != tc.wantRefuse+1 {
				t.Fatalf("recorded %d", n)
			}
		})
	}
}
