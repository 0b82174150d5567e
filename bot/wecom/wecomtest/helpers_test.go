package wecomtest

import (
	"sync"
	"time"
)

// The chat and user of the fake's own tests.
const (
	testChat = "wrkSFfCgAAxxxx"
	testUser = "zhangsan"
)

// testCard is a ticket card as templates/wecom/ticket.json.tmpl renders it (no task_id).
const testCard = `{"card_type":"button_interaction","source":{"desc":"金山云工单","desc_color":0},` +
	`"main_title":{"title":"数据库连接超时","desc":"ksyun:1204 · 处理中"},` +
	`"emphasis_content":{"title":"处理中","desc":"工单状态"},` +
	`"sub_title_text":"生产库 mysql-prod-01 从 09:40 起连接超时。",` +
	`"horizontal_content_list":[{"keyname":"工单号","value":"ksyun:1204"},{"keyname":"优先级","value":"高"}],` +
	`"button_list":[{"text":"刷新","style":2,"key":"show ksyun:1204"},{"text":"关闭","style":3,"key":"close ksyun:1204"}]}`

// testNow is the fixed clock of the fake's tests.
var testNow = time.Unix(1700000000, 0)

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock(t time.Time) *testClock { return &testClock{t: t} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
