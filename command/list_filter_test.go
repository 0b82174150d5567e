package command

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// The chat follows 12 open tickets made this week, one waiting on us that ou_zhang created
// here 40 days ago, one to confirm and one closed.
func followingMany(t *testing.T, h *harness, v *fakeVendor) {
	now := time.Now()
	for i := range 12 {
		id := fmt.Sprint(2001 + i)
		tk := v.ticket(id)
		tk.Title, tk.CreatedAt, tk.UpdatedAt = fmt.Sprintf("订单服务告警 %d", i+1), now, now.Add(time.Duration(i)*time.Minute)
		remember(t, h, tk, "")
		follow(t, h, id)
	}
	waiting := v.ticket("1204")
	waiting.Title, waiting.Status, waiting.CreatedAt = "数据库连接超时", providers.StatusWaitingOnUs, now.AddDate(0, 0, -40)
	confirm := v.ticket("1205")
	confirm.Title, confirm.Status = "磁盘扩容", providers.StatusPendingConfirm
	confirm.LatestNote = &providers.Note{Body: "已扩容到 2T，请确认"}
	closed := v.ticket("1206")
	closed.Title, closed.Status = "证书过期", providers.StatusClosed
	remember(t, h, waiting, "feishu:ou_zhang")
	remember(t, h, confirm, "feishu:ou_li")
	remember(t, h, closed, "")
	for _, id := range []string{"1204", "1205", "1206"} {
		follow(t, h, id)
	}
}

// 列表 with a filter and 搜索: the chat's tickets narrowed by state, vendor, who created them
// and when, or a keyword; ten to a page, the next page a button (or the words to type where
// cards hold none); nothing asked of a vendor.
func TestListFilters(t *testing.T) {
	runCases(t, []cmdCase{{
		name:  "by state",
		setup: followingMany,
		text:  "列表 待确认",
		want:  []string{"本群关注的工单 · 待确认（1）", "磁盘扩容"},
		not:   []string{"数据库连接超时", "订单服务告警"},
		calls: []string{},
	}, {
		name:  "mine: the ones I created here",
		setup: followingMany,
		text:  "列表 我的",
		want:  []string{"本群关注的工单 · 我的（1）", "数据库连接超时"},
		not:   []string{"磁盘扩容", "订单服务告警"},
	}, {
		name:  "created this week",
		setup: followingMany,
		text:  "列表 本周 待我方补充",
		want:  []string{"没有符合条件的工单。"},
		not:   []string{"数据库连接超时"},
	}, {
		name:  "a closed state lists closed ones",
		setup: followingMany,
		text:  "list closed",
		want:  []string{"Tickets this chat watches · Closed (1)", "证书过期"},
		not:   []string{"磁盘扩容"},
	}, {
		name:  "another vendor's",
		setup: followingMany,
		text:  "列表 aliyun",
		want:  []string{"本群关注的工单 · 阿里云（0）", "没有符合条件的工单。"},
	}, {
		name:  "ten to a page, the next a button",
		setup: followingMany,
		text:  "列表 ksyun",
		want:  []string{"第 1/2 页，共 14 个", `"cmd":"list page=2 ksyun"`, "数据库连接超时", "磁盘扩容"},
		not:   []string{"ksyun:2001"},
	}, {
		name:  "the next page",
		setup: followingMany,
		click: "list page=2 ksyun",
		want:  []string{"第 2/2 页，共 14 个", "ksyun:2001"},
		not:   []string{"数据库连接超时", `"cmd":"list page=3`},
	}, {
		name:  "search: the title, the id, the latest reply",
		setup: followingMany,
		text:  "搜索 扩容",
		want:  []string{"搜索 「扩容」：1 个工单", "磁盘扩容"},
		not:   []string{"数据库连接超时"},
	}, {
		name:  "search finds closed ones and by id",
		setup: followingMany,
		text:  "search 1206",
		want:  []string{"证书过期"},
	}, {
		name:  "search finds nothing",
		setup: followingMany,
		text:  "搜索 ksyun 打印机",
		want:  []string{"没有符合条件的工单。", "金山云"},
	}, {
		name:  "search pages carry the keyword",
		setup: followingMany,
		text:  "搜索 订单服务",
		want:  []string{`"cmd":"search page=2 订单服务"`, "第 1/2 页，共 12 个"},
	}})
}

// A filter's words survive the round trip through the next page's button.
func TestFilterWords(t *testing.T) {
	for _, in := range []string{"列表 aliyun 待确认 我的 本周 第3页", "list page=3 aliyun confirm mine week"} {
		c, err := Parse(testWords, in)
		if err != nil {
			t.Fatal(in, err)
		}
		got := strings.Join(c.Filter.words(), " ")
		if got != "aliyun confirm mine week" || c.Filter.Page != 3 {
			t.Errorf("%s: words %q page %d", in, got, c.Filter.Page)
		}
		// The words to type on a platform without buttons read back as the same filter.
		typed, err := Parse(testWords, "列表 "+strings.Join(c.Filter.wordsIn(true), " "))
		if err != nil || strings.Join(typed.Filter.words(), " ") != got {
			t.Errorf("%s: typed %v reads back as %v (%v)", in, c.Filter.wordsIn(true), typed.Filter.words(), err)
		}
	}
}

// searchVendor is a vendor whose list finds tickets by a keyword: 25 of them hold "告警".
type searchVendor struct{ *fakeVendor }

func (s searchVendor) Capabilities() providers.Capabilities {
	c := s.fakeVendor.Capabilities()
	c.Search = true
	return c
}

func (s searchVendor) Search(_ context.Context, keyword string, page, size int) ([]providers.Ticket, int64, error) {
	s.record(fmt.Sprintf("search %s page %d size %d", keyword, page, size))
	if keyword != "告警" {
		return nil, 0, nil
	}
	var out []providers.Ticket
	for i := (page - 1) * size; i < min(page*size, 25); i++ {
		tk := s.ticket(fmt.Sprint(3001 + i))
		tk.Title = fmt.Sprintf("控制台告警 %d", i+1)
		out = append(out, tk)
	}
	return out, 25, nil
}

// 搜索 <vendor>: the vendor's own list where it can search, a page at a time; where it
// cannot, the chat's tickets of that vendor and why.
func TestSearchAtTheVendor(t *testing.T) {
	runCases(t, []cmdCase{{
		name:   "the vendor searches its whole account",
		search: true,
		text:   "搜索 ksyun 告警",
		want:   []string{"在金山云搜索「告警」：25 个工单", "控制台告警 1", "第 1/3 页，共 25 个", `"cmd":"search page=2 ksyun 告警"`},
		calls:  []string{"search 告警 page 1 size 10"},
	}, {
		name:   "its next page",
		search: true,
		click:  "search page=3 ksyun 告警",
		want:   []string{"控制台告警 21", "控制台告警 25", "第 3/3 页"},
		not:    []string{"ksyun:3020", `"cmd":"search page=4`},
		calls:  []string{"search 告警 page 3 size 10"},
	}, {
		name:  "a vendor whose list cannot search: the chat's own, and why",
		setup: followingMany,
		vendor: func(v *fakeVendor) {
			v.why = map[string]*providers.UnsupportedError{providers.OpSearch: {Op: providers.OpSearch, Reason: "金山云的工单列表不能按关键字筛选。", ReasonEN: "no keyword filter."}}
		},
		text:  "搜索 ksyun 扩容",
		want:  []string{"金山云的工单列表不能按关键字筛选。 以下是本群关注的工单中的结果。", "磁盘扩容"},
		calls: []string{},
	}, {
		name:  "a vendor not configured",
		text:  "搜索 aliyun 扩容",
		want:  []string{"阿里云"},
		calls: []string{},
	}})
}
