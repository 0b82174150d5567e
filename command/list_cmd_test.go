package command

import (
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

// 列表: the tickets the chat follows, from what the bot last saw, never asking a vendor;
// closed ones only counted unless 全部 is asked for. Everyone in the chat may list.
func TestListCommand(t *testing.T) {
	following := func(t *testing.T, h *harness, v *fakeVendor) {
		open := v.ticket("1204")
		open.Title = "数据库连接超时"
		closed := v.ticket("1205")
		closed.Title, closed.Status = "磁盘告警", providers.StatusClosed
		remember(t, h, open, "")
		remember(t, h, closed, "feishu:ou_zhang")
		follow(t, h, "1204")
		follow(t, h, "1205")
		follow(t, h, "1206") // followed, never seen: listed as unknown
	}
	runCases(t, []cmdCase{{
		name:  "success",
		setup: following,
		text:  "列表",
		want:  []string{"send: ", "数据库连接超时", "ksyun:1206"},
		not:   []string{"磁盘告警"},
		calls: []string{},
	}, {
		name:  "全部 lists the closed ones too",
		setup: following,
		text:  "列表 全部",
		want:  []string{"数据库连接超时", "磁盘告警"},
		calls: []string{},
	}, {
		name:     "on WeCom, as markdown",
		platform: "wecom",
		text:     "list",
		want:     []string{"send: "},
		calls:    []string{},
	}, {
		name:  "usage: words that do not belong",
		text:  "列表 ksyun 明天",
		want:  []string{"不认识「明天」：可以写供应商、待我方补充、待确认、处理中、待处理、已关闭、我的、今天、本周、本月或「全部」。用法：列表 [全部] [供应商]"},
		calls: []string{},
	}, {
		name:  "a non-member may list",
		cfg:   membersOnly,
		setup: following,
		text:  "列表",
		want:  []string{"数据库连接超时"},
		not:   []string{saidMembersOnly},
		calls: []string{},
	}})
}
