package command

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/bot"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Command // Spec compared by Op
		op   Op
	}{
		{in: "建单 ksyun 数据库连接超时\n生产库连接超时\n优先级: 高\n类型：咨询", op: OpNew,
			want: Command{Provider: "ksyun", Title: "数据库连接超时", Content: "生产库连接超时", Priority: "high", Type: "question"}},
		{in: "/new 金山云 DB timeout\npriority: urgent\ntype: incident\nline two", op: OpNew,
			want: Command{English: true, Provider: "ksyun", Title: "DB timeout", Content: "line two", Priority: "urgent", Type: "incident"}},
		{in: "建单 只有标题", op: OpNew, want: Command{Title: "只有标题", Content: "只有标题"}},
		{in: "建单\n第二行的标题\n详情", op: OpNew, want: Command{Title: "第二行的标题", Content: "详情"}},
		// A secret on the command's own line is no title: found by FuzzParse.
		{in: "建单 aliyun 机密: root 密码\n实例登录失败", op: OpNew,
			want: Command{Provider: "aliyun", Title: "实例登录失败", Content: "实例登录失败", Secret: "root 密码"}},
		{in: "回复 ksyun:1204 已重启，请再看看\n第二行", op: OpReply,
			want: Command{Ticket: TicketRef{"ksyun", "1204"}, Text: "已重启，请再看看\n第二行"}},
		{in: "reply #1204 hello", op: OpReply, want: Command{English: true, Ticket: TicketRef{"", "1204"}, Text: "hello"}},
		{in: "关闭 1204", op: OpClose, want: Command{Ticket: TicketRef{"", "1204"}}},
		{in: "关闭1204 已解决", op: OpClose, want: Command{Ticket: TicketRef{"", "1204"}, Text: "已解决"}},
		{in: "CLOSE KSYUN:1204 done", op: OpClose, want: Command{English: true, Ticket: TicketRef{"ksyun", "1204"}, Text: "done"}},
		{in: "查看 金山云：1204", op: OpShow, want: Command{Ticket: TicketRef{"ksyun", "1204"}}},
		{in: "取消关注 #1204", op: OpUnwatch, want: Command{Ticket: TicketRef{"", "1204"}}},
		{in: "取消关注1204", op: OpUnwatch, want: Command{Ticket: TicketRef{"", "1204"}}},
		{in: "关注 weiban:1471808049579560960", op: OpWatch, want: Command{Ticket: TicketRef{"weiban", "1471808049579560960"}}},
		{in: "查看 jira:77", op: OpShow, want: Command{Ticket: TicketRef{"jira", "77"}}},
		{in: "建单 aliyun ECS 无法登录\n登录报错\n机密: root 密码 Abc#123\nsecret：second", op: OpNew,
			want: Command{Provider: "aliyun", Title: "ECS 无法登录", Content: "登录报错", Secret: "root 密码 Abc#123\nsecond"}},
		{in: "回复 aliyun:77 请看\n机密：新密码 x", op: OpReply,
			want: Command{Ticket: TicketRef{"aliyun", "77"}, Text: "请看", Secret: "新密码 x"}},
		{in: "回复 aliyun:77 机密: 只有机密", op: OpReply,
			want: Command{Ticket: TicketRef{"aliyun", "77"}, Secret: "只有机密"}},
		{in: "列表", op: OpList},
		{in: "list", op: OpList, want: Command{English: true}},
		{in: "", op: OpHelp},
		{in: "  帮助 ", op: OpHelp},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(testWords, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Spec.Op != tt.op {
				t.Fatalf("op %s, want %s", got.Spec.Op, tt.op)
			}
			got.Spec = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in       string
		usage    Op // "" for NotCommandError
		notCmd   bool
		problemZ string
	}{
		{in: "关闭", usage: OpClose},
		{in: "reply", usage: OpReply},
		{in: "回复 ../../etc 你好", usage: OpReply},
		{in: "建单", usage: OpNew},
		{in: "建单 标题\n优先级: 超级高", usage: OpNew},
		{in: "建单 标题\ntype: rant", usage: OpNew},
		{in: "你好呀", notCmd: true},
		{in: "deploy prod", notCmd: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse(testWords, tt.in)
			var ue *UsageError
			var nc *NotCommandError
			switch {
			case tt.notCmd:
				if !errors.As(err, &nc) {
					t.Fatalf("got %v, want NotCommandError", err)
				}
			case !errors.As(err, &ue):
				t.Fatalf("got %v, want UsageError", err)
			case ue.Spec.Op != tt.usage:
				t.Fatalf("usage for %s, want %s", ue.Spec.Op, tt.usage)
			}
		})
	}
}

func TestHelpCardListsEveryCommand(t *testing.T) {
	h := testEnv.HelpCard(bot.Features{Threads: true}, nil, "ksyun", false)
	var typed []Spec
	for _, c := range Commands {
		if !c.Button {
			typed = append(typed, c)
		}
	}
	if len(h.Commands) != len(typed) {
		t.Fatalf("help has %d rows, table %d", len(h.Commands), len(typed))
	}
	for i, c := range typed {
		if h.Commands[i].Name != c.Zh || h.Commands[i].English != c.En {
			t.Errorf("row %d = %+v", i, h.Commands[i])
		}
	}
	// One command's help: that row only.
	if one := testEnv.HelpCard(bot.Features{}, specFor(OpReply), "ksyun", false); len(one.Commands) != 1 || one.Commands[0].Name != "回复" ||
		!strings.Contains(one.Commands[0].Usage, "引用工单卡片") || strings.Contains(one.Commands[0].Usage, "话题") {
		t.Errorf("help for 回复 on WeCom: %+v", one.Commands)
	}
}

func TestSensitive(t *testing.T) {
	for text, want := range map[string]bool{
		"回复 ksyun:1204 已重启":                     false,
		"回复 ksyun:1204 已重启\n机密: root / hunter2": true,
		"reply ksyun:1204 done\nsecret：pw":      true,
		"这里的机密文件在共享盘":                           false,
	} {
		if got := Sensitive(bot.Message{Text: text}); got != want {
			t.Errorf("Sensitive(%q) = %v, want %v", text, got, want)
		}
	}
}

// lookup's index finds what reading the table row by row finds, for every name and alias in
// every case, glued words and words that are no command.
func TestLookupIndexMatchesTheTable(t *testing.T) {
	byRows := func(word string, button bool) (*Spec, bool) {
		lw := strings.ToLower(word)
		for i := range Commands {
			s := &Commands[i]
			if s.Button && !button {
				continue
			}
			if word == s.Zh {
				return s, false
			}
			if lw == s.En {
				return s, true
			}
			for _, a := range s.Aliases {
				if lw == strings.ToLower(a) {
					return s, isASCII(a)
				}
			}
		}
		return nil, false
	}
	words := []string{"", "frobnicate", "今天下午三点", "关闭1204", "HELP", "Help", "ＨＥＬＰ"}
	for _, s := range Commands {
		for _, n := range append([]string{s.Zh, s.En}, s.Aliases...) {
			words = append(words, n, strings.ToUpper(n), strings.ToLower(n), n+"x")
		}
	}
	for _, w := range words {
		for _, button := range []bool{false, true} {
			gotSpec, gotEn := lookup(w, button)
			wantSpec, wantEn := byRows(w, button)
			if gotSpec != wantSpec || gotEn != wantEn {
				t.Errorf("lookup(%q, %v) = %v, %v; the table says %v, %v", w, button, gotSpec, gotEn, wantSpec, wantEn)
			}
		}
	}
}
