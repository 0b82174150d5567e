package command

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/ticketbot/ticketbot/bot"
)

// Every usage mistake of every command, typed in Chinese and in English, is caught where the
// command is parsed and answered with that command's usage line in the language it was typed
// in: a missing ticket, a missing text, a ticket written wrongly, words where none belong.
func TestEveryUsageMistakeOfEveryCommand(t *testing.T) {
	// args are what follows the command's name; want is the problem's Missing ("" when the
	// problem is not a missing argument) and a piece of the Chinese problem.
	mistakes := map[Op][]struct {
		args, missing, problem string
	}{
		OpNew: {
			{"", "title", "缺少工单标题"},
			{"标题\n优先级: 超级高", "", "优先级"},
			{"标题\n类型: 吐槽", "", "类型"},
		},
		OpReply: {
			{"", "ticket", "缺少工单号"},
			{"../../etc 你好", "", "不是工单号"},
			{"ksyun:1204", "text", "缺少回复内容"},
			{"ksyun:1204   \n  ", "text", "缺少回复内容"},
			{"#", "", "不是工单号"},
		},
		OpClose: {
			{"", "ticket", "缺少工单号"},
			{"工单一二零四", "", "不是工单号"},
			{"ksyun:", "", "不是工单号"},
		},
		OpReopen: {
			{"", "ticket", "缺少工单号"},
			{"工单一二零四 说明", "", "不是工单号"},
		},
		OpReject: {
			{"", "ticket", "缺少工单号"},
			{"ksyun:1204", "text", "缺少驳回理由"},
			{"ksyun:1204  \n ", "text", "缺少驳回理由"},
			{"ksyun:12/04 理由", "", "不是工单号"},
		},
		OpTransfer: {
			{"", "ticket", "缺少工单号"},
			{"weiban:1471808049579560960", "handler", "缺少接手人"},
			{"weiban:#", "", "不是工单号"},
		},
		OpShow: {
			{"", "ticket", "缺少工单号"},
			{"ksyun:12/04", "", "不是工单号"},
			{"ksyun:1204 顺便看看", "", "多余的内容"},
			{"ksyun:1204\n第二行", "", "多余的内容"},
		},
		OpWatch: {
			{"", "ticket", "缺少工单号"},
			{"😀", "", "不是工单号"},
			{"1204 1205", "", "多余的内容"},
		},
		OpUnwatch: {
			{"", "ticket", "缺少工单号"},
			{"<at>", "", "不是工单号"},
			{"1204 请", "", "多余的内容"},
		},
		OpList: {
			{"明天", "", "不认识「明天」"},
			{"全部 ksyun 催一下", "", "不认识「催一下」"},
			{"第0页", "", "不认识「第0页」"},
			{"\n第二行", "", "多余的内容"},
		},
		OpSubscribe: {
			{"腾讯云", "vendor", "「腾讯云」不是供应商"},
			{"ksyun 客户", "filter", "「客户」不是筛选条件"},
			{"ksyun =金山", "filter", "不是筛选条件"},
			{"ksyun\n第二行", "", "多余的内容"},
		},
		OpUnsubscribe: {
			{"", "number", "缺少要取消的订阅编号"},
			{"第一个", "number", "缺少要取消的订阅编号"},
			{"#0", "number", "缺少要取消的订阅编号"},
			{"2 3", "", "多余的内容"},
		},
		OpTake: {
			{"", "ticket", "缺少工单号"},
			{"1204 现在", "", "多余的内容"},
		},
		OpAssign: {
			{"", "ticket", "缺少工单号"},
			{"1204", "person", "缺少要转派给谁"},
			{"1204 @李四 马上", "", "多余的内容"},
		},
		OpMine: {
			{"明天", "", "不认识「明天」"},
		},
		OpSearch: {
			{"", "keyword", "缺少要搜索的关键字"},
			{"第2页", "keyword", "缺少要搜索的关键字"},
			{"数据库\n第二行", "", "多余的内容"},
		},
		OpReport: {
			{"上周", "", "多余的内容「上周」"},
			{"ksyun 本月", "", "多余的内容「ksyun 本月」"},
			{"\n第二行", "", "多余的内容"},
		},
		OpWhoami: {
			{"张三", "", "多余的内容"},
			{"\n第二行", "", "多余的内容"},
		},
		OpLanguage: {
			{"fr", "", "不认识的语言「fr」"},
			{"群", "", "不认识的语言「群」"},
			{"en 群 现在", "", "多余的内容「现在」"},
		},
		OpBind: {
			{"", "vendor", "缺少供应商和身份 ID"},
			{"ksyun", "id", "缺少你在ksyun的身份 ID"},
			{"ksyun:", "id", "缺少你在ksyun的身份 ID"},
			{"腾讯云 38361", "", "「腾讯云」不是供应商"},
			{"ksyun 38361\n第二行", "", "多余的内容"},
		},
		OpUnbind: {
			{"", "vendor", "缺少供应商"},
			{"tencent", "", "「tencent」不是供应商"},
			{"ksyun\n第二行", "", "多余的内容"},
		},
		OpHelp: {
			{"怎么用", "", "多余的内容"},
			{"建单 更多", "", "多余的内容"},
		},
	}
	for i := range Commands {
		spec := &Commands[i]
		if spec.Button {
			continue
		}
		cases := mistakes[spec.Op]
		if len(cases) == 0 {
			t.Errorf("command %s has no usage mistakes in this table", spec.Op)
		}
		for _, name := range []string{spec.Zh, spec.En} {
			en := name == spec.En
			for _, m := range cases {
				in := strings.TrimRight(name+" "+m.args, " ")
				t.Run(in, func(t *testing.T) {
					_, err := Parse(testWords, in)
					var ue *UsageError
					if !errors.As(err, &ue) {
						t.Fatalf("Parse = %v, want a usage error", err)
					}
					if ue.Spec != spec || ue.English != en || ue.Missing != m.missing || !strings.Contains(ue.Problem, m.problem) || ue.ProblemEN == "" {
						t.Fatalf("usage error %+v, want %s (english %v) missing %q problem ~%q", ue, spec.Op, en, m.missing, m.problem)
					}
					for _, f := range []bot.Features{{Threads: true}, {}} {
						hint := testEnv.usageHint(err, f, typedEnglish(err))
						if en {
							if !strings.Contains(hint, "Usage: "+testEnv.text(true, spec.UsageKey)) || hasHan(quotedOut.ReplaceAllString(hint, "")) {
								t.Errorf("english hint %q", hint)
							}
						} else if !strings.Contains(hint, "用法："+testEnv.text(false, spec.UsageKey)) || !strings.Contains(hint, ue.Problem) {
							t.Errorf("chinese hint %q", hint)
						}
					}
				})
			}
		}
	}
}

// quotedOut removes what an English hint quotes of the input (the words that were wrong).
var quotedOut = regexp.MustCompile(`"[^"]*"`)

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// What parses: a reply needs its text, show takes nothing after the ticket, list takes
// 全部/all, help takes a command name; "ksyun 1204" is a ticket written as two words.
func TestParseArgumentsThatBelong(t *testing.T) {
	tests := []struct {
		in    string
		check func(Command) bool
	}{
		{"列表 全部", func(c Command) bool { return c.Spec.Op == OpList && c.All }},
		{"list all", func(c Command) bool { return c.Spec.Op == OpList && c.All && c.English }},
		{"列表", func(c Command) bool { return c.Spec.Op == OpList && !c.All }},
		{"帮助 建单", func(c Command) bool { return c.Spec.Op == OpHelp && c.Topic == specFor(OpNew) }},
		{"help reply", func(c Command) bool { return c.Spec.Op == OpHelp && c.Topic == specFor(OpReply) }},
		{"关闭 ksyun 1204 已解决", func(c Command) bool {
			return c.Ticket == TicketRef{"ksyun", "1204"} && c.Text == "已解决"
		}},
		{"查看 金山云 1204", func(c Command) bool { return c.Ticket == TicketRef{"ksyun", "1204"} }},
		{"回复 aliyun:77 机密: 只有机密", func(c Command) bool { return c.Secret == "只有机密" && c.Text == "" }},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := Parse(testWords, tt.in)
			if err != nil || !tt.check(c) {
				t.Fatalf("Parse(%q) = %+v, %v", tt.in, c, err)
			}
		})
	}
	// The cards' own steps are buttons only: typed, they are no command.
	for _, in := range []string{"card ksyun:1204", "confirm close ksyun:1204"} {
		var nc *NotCommandError
		if _, err := Parse(testWords, in); !errors.As(err, &nc) {
			t.Errorf("typed %q parsed: %v", in, err)
		}
		if c, err := parseButton(testWords, in); err != nil || !c.Spec.Button || c.Ticket != (TicketRef{"ksyun", "1204"}) {
			t.Errorf("button %q = %+v, %v", in, c, err)
		}
	}
}
