package command

import (
	"context"
	"testing"
	"time"
)

// 帮助: the help card, drawn from the command table and the catalog, in the platform's words;
// a command's name limits it to that command. Everyone in the chat may ask.
func TestHelpCommand(t *testing.T) {
	runCases(t, []cmdCase{{
		name: "success",
		text: "帮助",
		want: []string{"send: ", "标题（换行后写详情", "在供应商处新建工单", "关闭工单（仅创建人或群管理员）",
			"本群不再关注工单", "也可以在工单卡片的话题里直接回复"},
		not:   []string{"确认 关闭 工单号", "卡片 工单号"},
		calls: []string{},
		check: noAuditRow,
	}, {
		name:     "on WeCom, quoting instead of threads",
		platform: "wecom",
		text:     "帮助",
		want:     []string{"send: ", "也可以引用工单卡片直接回复"},
		not:      []string{"话题"},
	}, {
		name:     "typed in English, in English",
		platform: "wecom",
		text:     "help",
		want:     []string{"send: ", "**ticketbot help**", "**new**: Create a ticket", "or quote the ticket card", "@ticketbot new ksyun"},
		not:      []string{"thread", "建单"},
	}, {
		name: "one command",
		text: "帮助 关闭",
		want: []string{"关闭 工单号 &#91;备注&#93;"},
		not:  []string{"标题（换行后写详情"},
	}, {
		name: "nothing at all is help",
		text: "",
		want: []string{"标题（换行后写详情"},
	}, {
		name:  "usage: words that do not belong",
		text:  "帮助 怎么用",
		want:  []string{"多余的内容「怎么用」。用法：帮助 [命令]"},
		calls: []string{},
	}, {
		name: "a non-member may ask",
		cfg:  membersOnly,
		text: "帮助",
		want: []string{"标题（换行后写详情"},
		not:  []string{saidMembersOnly},
	}, {
		name: "no such command",
		text: "frobnicate",
		want: []string{"There is no command \"frobnicate\". Commands: new / reply / close"},
	}})
}

// noAuditRow checks that the help left no audit row: it changes nothing (Spec.Unaudited).
func noAuditRow(t *testing.T, h *harness, _ *fakeVendor) {
	t.Helper()
	entries, err := h.store.Audit(context.Background(), time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil || len(entries) != 0 {
		t.Errorf("help wrote audit rows %+v (%v)", entries, err)
	}
}
