package wecom

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"
)

func TestStripMentions(t *testing.T) {
	tests := []struct{ in, want string }{
		{"@RobotA hello robot", "hello robot"},
		{"  @RobotA   close ksyun:1204  ", "close ksyun:1204"},
		{"@RobotA\u2005建单 ksyun 超时", "建单 ksyun 超时"},
		{"@RobotA @张三 跟进", "跟进"},
		{"@RobotA", ""},
		{"@RobotA\n多行\n命令", "多行\n命令"},
		{"list", "list"},
		{"指派 @张三", "指派 @张三"},
		{"close ksyun:1 @RobotA", "close ksyun:1 @RobotA"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := stripMentions(tt.in); got != tt.want {
			t.Errorf("stripMentions(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestQuoteText(t *testing.T) {
	tests := []struct {
		name, quote, want string
	}{
		{"none", ``, ""},
		{"null", `null`, ""},
		{"text (official)", `{"msgtype":"text","text":{"content":"这是今日的测试情况"}}`, "这是今日的测试情况"},
		{"mixed", `{"msgtype":"mixed","mixed":{"msg_item":[{"msgtype":"text","text":{"content":"工单 ksyun:1204"}},{"msgtype":"image","image":{"url":"https://x/1"}},{"msgtype":"text","text":{"content":"截图"}}]}}`, "工单 ksyun:1204\n截图"},
		{"voice", `{"msgtype":"voice","voice":{"content":"语音转文字"}}`, "语音转文字"},
		{"image", `{"msgtype":"image","image":{"url":"https://x/1","aeskey":"k"}}`, ""},
		{"template card (undocumented shape)", `{"msgtype":"template_card","template_card":{"card_type":"button_interaction","main_title":{"title":"数据库连接超时","desc":"ksyun:1204 · 处理中"},"task_id":"tb-1","button_list":[{"text":"关闭","key":"close ksyun:1204"}]}}`,
			"数据库连接超时\nksyun:1204 · 处理中\n关闭\nclose ksyun:1204"},
		{"markdown", `{"msgtype":"markdown","markdown":{"content":"**工单** ksyun:7"}}`, "**工单** ksyun:7"},
		{"broken", `{"msgtype":`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := quoted(json.RawMessage(tt.quote)); got != tt.want {
				t.Errorf("quoted = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDecodeOfficialPayloads(t *testing.T) {
	// DOC 100719 and DOC 101027, as printed (escaped slash included).
	msg := `{"msgid":"CAIQ16HMjQYY\/NGagIOAgAMgq4KM0AI=","aibotid":"AIBOTID","chatid":"CHATID","chattype":"group",
		"from":{"userid":"USERID"},"response_url":"RESPONSEURL","msgtype":"text","text":{"content":"@RobotA hello robot"},
		"quote":{"msgtype":"text","text":{"content":"这是今日的测试情况"}}}`
	c, err := decodeCallback([]byte(msg))
	if err != nil || !c.isMessage() || c.isClick() {
		t.Fatalf("%+v %v", c, err)
	}
	m := toMessage(&c)
	if m.MessageID != "CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=" || m.Text != "hello robot" || m.Quote != "这是今日的测试情况" ||
		m.ChatID != "CHATID" || m.UserID != "USERID" || m.EventID != "" || c.ResponseURL != "RESPONSEURL" {
		t.Fatalf("%+v", m)
	}
	ev := `{"msgid":"CAIQ16HMjQYY\/NGagIOAgAMgq4KM0AI=","create_time":1700000000,"aibotid":"AIBOTID",
		"from":{"corpid":"CORPID","userid":"USERID"},"chatid":"CHATID","chattype":"group","response_url":"RESPONSEURL",
		"msgtype":"event","event":{"eventtype":"template_card_event","template_card_event":{"card_type":"button_interaction",
		"event_key":"button_replace_text","task_id":"fBmjTL7ErRCQSNA6GZKMlcFiWX1shOvg","selected_items":{"selected_item":
		[{"question_key":"button_selection_key1","option_ids":{"option_id":["button_selection_id1"]}}]}}}}`
	c, err = decodeCallback([]byte(ev))
	if err != nil || !c.isClick() || c.isMessage() {
		t.Fatalf("%+v %v", c, err)
	}
	a := toAction(&c)
	if a.EventID != "CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=" || a.MessageID != "fBmjTL7ErRCQSNA6GZKMlcFiWX1shOvg" ||
		a.Command != "button_replace_text" || a.ChatID != "CHATID" || a.UserID != "USERID" {
		t.Fatalf("%+v", a)
	}
	// The official example's selected_items: its one select's choice is the action's form.
	if len(a.Form) != 1 || a.Form["button_selection_key1"] != "button_selection_id1" {
		t.Fatalf("form %v, want button_selection_key1 → button_selection_id1", a.Form)
	}
}

// A multiple_interaction card's submit (the shape of DOC 101027's selected_items, one item per
// select of the card) carries each select's choice; a vote's several choices are joined; what
// names no select or chooses nothing is left out; a click without selects has no form.
func TestDecodeSelections(t *testing.T) {
	ev := func(items string) string {
		return `{"msgid":"m1","aibotid":"AIBOTID","from":{"userid":"zhangsan"},"chatid":"wrkGroup","chattype":"group",
			"msgtype":"event","event":{"eventtype":"template_card_event","template_card_event":{"card_type":"multiple_interaction",
			"event_key":"newform 5f3a9c0e1b2d4f60","task_id":"tb-1"` + items + `}}}`
	}
	for _, tt := range []struct {
		name, items string
		want        map[string]string
	}{
		{"three selects", `,"selected_items":{"selected_item":[
			{"question_key":"vendor","option_ids":{"option_id":["ksyun"]}},
			{"question_key":"priority","option_ids":{"option_id":["high"]}},
			{"question_key":"type","option_ids":{"option_id":["question"]}}]}`,
			map[string]string{"vendor": "ksyun", "priority": "high", "type": "question"}},
		{"a vote's several choices", `,"selected_items":{"selected_item":[{"question_key":"q","option_ids":{"option_id":["a","b"]}}]}`,
			map[string]string{"q": "a,b"}},
		{"no key, no choice", `,"selected_items":{"selected_item":[{"option_ids":{"option_id":["x"]}},{"question_key":"q","option_ids":{"option_id":[]}},{"question_key":"r"}]}`,
			nil},
		{"no selected_items", ``, nil},
		{"selected_items empty", `,"selected_items":{}`, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := decodeCallback([]byte(ev(tt.items)))
			if err != nil || !c.isClick() {
				t.Fatalf("%+v %v", c, err)
			}
			a := toAction(&c)
			if a.Command != "newform 5f3a9c0e1b2d4f60" || a.MessageID != "tb-1" || !maps.Equal(a.Form, tt.want) || (tt.want == nil) != (a.Form == nil) {
				t.Fatalf("action %+v, want form %v", a, tt.want)
			}
		})
	}
	// However many items a forged click carries, the form stays small.
	var items []string
	for i := range 100 {
		items = append(items, fmt.Sprintf(`{"question_key":"q%d","option_ids":{"option_id":["x"]}}`, i))
	}
	c, err := decodeCallback([]byte(ev(`,"selected_items":{"selected_item":[` + strings.Join(items, ",") + `]}`)))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(toAction(&c).Form); n != maxSelections {
		t.Fatalf("a click with 100 selections made a form of %d", n)
	}
}

func TestWithTaskID(t *testing.T) {
	for _, in := range []string{testCard, `{"msgtype":"template_card","template_card":` + testCard + `}`, `{"task_id":"old","card_type":"text_notice"}`} {
		out, err := withTaskID([]byte(in), "tb-9")
		if err != nil {
			t.Fatal(err)
		}
		var c map[string]any
		if err := json.Unmarshal(out, &c); err != nil || c["task_id"] != "tb-9" || c["template_card"] != nil {
			t.Fatalf("%s %v", out, err)
		}
	}
	for _, bad := range []string{``, `[]`, `null`, `"x"`, `{"template_card":3}`} {
		if _, err := withTaskID([]byte(bad), "x"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	// Text is kept as rendered: no \u003c escapes.
	out, _ := withTaskID([]byte(`{"sub_title_text":"<font> & é"}`), "x")
	if string(out) != `{"sub_title_text":"<font> & é","task_id":"x"}` {
		t.Fatalf("%s", out)
	}
}
