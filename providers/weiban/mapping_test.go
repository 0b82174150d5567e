package weiban

import (
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

func flow(id int64, at int64, typeName, creator, text string) wireFlow {
	return wireFlow{ID: flexInt(id), CreatedAt: flexTime{time.Unix(at, 0)}, TypeName: flexString(typeName),
		CreatorID: flexString(creator), CreatorName: flexString(creator), Content: wireContent{Text: flexString(text)}}
}

func TestResolve(t *testing.T) {
	sm := map[string]providers.Status{"10": providers.StatusOpen, "40": providers.StatusPendingConfirm}
	created := flow(1, 100, "新建工单", "a", "")
	pending := flow(2, 100, "待处理", "a", "")
	closed := wireButtons{Reopen: true, Close: false}
	tests := []struct {
		name     string
		w        wireOrder
		hint     string
		want     providers.Status
		reopened bool
	}{
		{"10 is open", wireOrder{Status: "10"}, "", providers.StatusOpen, false},
		{"configured", wireOrder{Status: "40"}, "close", providers.StatusPendingConfirm, false},
		{"map beats flows", wireOrder{Status: "10", ProcessingFlows: []wireFlow{flow(3, 200, "关闭工单", "a", "")}}, "", providers.StatusOpen, false},
		{"create flow", wireOrder{Status: "99", ProcessingFlows: []wireFlow{pending, created}}, "", providers.StatusOpen, false},
		{"newest flow wins", wireOrder{Status: "99", ProcessingFlows: []wireFlow{flow(5, 300, "流转工单", "a", ""), created}}, "", providers.StatusInProgress, false},
		{"replies change nothing", wireOrder{Status: "99", ProcessingFlows: []wireFlow{flow(6, 400, "评论", "a", "x"), flow(5, 300, "关闭工单", "a", "")}}, "", providers.StatusClosed, false},
		{"reopen flow", wireOrder{Status: "99", ProcessingFlows: []wireFlow{flow(6, 400, "重新打开", "a", ""), flow(5, 300, "关闭工单", "a", "")}}, "", providers.StatusInProgress, true},
		{"same second, id decides", wireOrder{Status: "99", ProcessingFlows: []wireFlow{flow(7, 500, "关闭工单", "a", ""), flow(8, 500, "重新打开", "a", "")}}, "", providers.StatusInProgress, true},
		{"event hint", wireOrder{Status: "99"}, "switch", providers.StatusInProgress, false},
		{"close hint", wireOrder{Status: "99", ProcessingFlows: []wireFlow{created}}, "close", providers.StatusClosed, false},
		{"reopen hint", wireOrder{Status: "99"}, "reopen", providers.StatusInProgress, true},
		{"reply hint falls through", wireOrder{Status: "99", ProcessingFlows: []wireFlow{created}}, "reply", providers.StatusOpen, false},
		{"switch hint on closed buttons", wireOrder{Status: "99", ButtonOperate: closed}, "switch", providers.StatusClosed, false},
		{"buttons", wireOrder{Status: "99", ButtonOperate: closed}, "", providers.StatusClosed, false},
		{"reopen field", wireOrder{Status: "10", Reopen: true}, "", providers.StatusOpen, true},
		{"unknown", wireOrder{Status: "99", ProcessingFlows: []wireFlow{pending}}, "", providers.StatusUnknown, false},
		{"empty", wireOrder{}, "", providers.StatusUnknown, false},
		{"string status", wireOrder{Status: "closed"}, "", providers.StatusUnknown, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := resolve(&tc.w, sm, tc.hint)
			if r.status != tc.want || r.reopened != tc.reopened || r.mapped != (tc.want != providers.StatusUnknown) {
				t.Errorf("resolve = %+v, want %s reopened=%v", r, tc.want, tc.reopened)
			}
		})
	}
}

func TestFlowSignal(t *testing.T) {
	for in, want := range map[string]signal{
		"新建工单": sigCreate, "待处理": sigNone, "流转工单": sigSwitch, "转交": sigSwitch, "评论": sigNone,
		"回复": sigNone, "关闭工单": sigClose, "重新打开": sigReopen, "重新打开已关闭工单": sigReopen, "": sigNone,
	} {
		if got := flowSignal(in); got != want {
			t.Errorf("flowSignal(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestContentRendering(t *testing.T) {
	w := wireOrder{
		Content:   wireContent{Text: "服务器宕机", Pic: flexStrings{"http://p/1.png", "http://p/2.png"}},
		TotalTime: 93784, // 1 天 2 小时 3 分 4 秒
		Components: []wireComponent{
			{Sort: 3, ComponentType: "checked", Title: "影响", Values: flexStrings{"生产", "测试"}},
			{Sort: 1, ComponentType: "input", Title: "电话", Value: "123"},
			{Sort: 2, ComponentType: "select", Title: "城市", Values: flexStrings{"上海"}},
			{Sort: 4, ComponentType: "selectMultiple", Title: "空的"},
			{Sort: 5, ComponentType: "file", Title: "附件", Values: flexStrings{"http://f/a/日志.zip", "截图.png"}},
			{Sort: 6, ComponentType: "textarea", Title: "备注", Value: flexString(strings.Repeat("长", 100))},
		},
	}
	for i := range 7 {
		w.ProcessingFlows = append(w.ProcessingFlows, flow(int64(i), 1639741382+int64(i)*60, "评论", "张三", "x"))
	}
	want := "服务器宕机\n" +
		"图片：2 张\n" +
		"电话：123\n" +
		"城市：上海\n" +
		"影响：生产、测试\n" +
		"附件：2 个文件（日志.zip、截图.png）\n" +
		"备注：" + strings.Repeat("长", 79) + "…\n" +
		"流程：… → 12-17 19:45 评论（张三） → 12-17 19:46 评论（张三） → 12-17 19:47 评论（张三） → 12-17 19:48 评论（张三） → 12-17 19:49 评论（张三）\n" +
		"持续时间：1天2小时"
	if got := content(&w); got != want {
		t.Errorf("content =\n%s\nwant\n%s", got, want)
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "不足1分钟", 59 * time.Second: "不足1分钟", time.Minute: "1分钟", 90 * time.Minute: "1小时30分钟",
		3 * time.Hour: "3小时", 49 * time.Hour: "2天1小时", 48*time.Hour + 5*time.Minute: "2天",
	} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestCustomer(t *testing.T) {
	for _, tc := range []struct{ name, corp, want string }{
		{"大大怪", "", "大大怪"}, {"大大怪", "怪兽公司", "大大怪（怪兽公司）"}, {"", "怪兽公司", "怪兽公司"}, {"同名", "同名", "同名"},
	} {
		w := wireOrder{RelationName: flexString(tc.name), RelationCorpName: flexString(tc.corp)}
		if got := customer(&w); got != tc.want {
			t.Errorf("customer(%q, %q) = %q", tc.name, tc.corp, got)
		}
	}
}
