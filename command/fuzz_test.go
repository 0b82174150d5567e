package command

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary chat text to the command parser, which sees every message that
// @-mentions the bot. Run it with
//
//	go test ./handlers -run '^$' -fuzz '^FuzzParse$' -fuzztime 60s
//
// Seeds: the f.Add lines below (the README's and the help card's examples, the table tests'
// inputs) and testdata/fuzz/FuzzParse/.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		testEnv.text(false, "help_example", "vendor", "ksyun"),
		testEnv.text(true, "help_example", "vendor", "ksyun"),
		"建单 ksyun 标题\n详情\n优先级: 高",
		"建单 ksyun 数据库连接超时\n生产库 mysql-prod-01 从 09:40 起连接超时，影响下单。\n优先级: 高",
		"/new 金山云 DB timeout\npriority: urgent\ntype: incident\nline two",
		"建单\n第二行的标题\n详情",
		"建单 aliyun ECS 无法登录\n登录报错\n机密: root 密码 Abc#123\nsecret：second",
		"建单 标题\n优先级: 超级高",
		"回复 1 x",
		"回复 ksyun:1204 已重启，请再看看\n第二行",
		"回复 aliyun:77 机密: 只有机密",
		"reply #1204 hello",
		"关闭1204",
		"关闭1204 已解决",
		"CLOSE KSYUN:1204 done",
		"查看 金山云：1204",
		"查看 jira:77",
		"关注 weiban:1471808049579560960",
		"取消关注 #1",
		"取消关注1204",
		"列表",
		"/help",
		"？",
		"\n\n",
		"回复 ../../etc 你好",
		"deploy prod",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(testWords, s)

		// Deterministic: the same text parses the same way (no map-order or state leaks).
		c2, err2 := Parse(testWords, s)
		if !reflect.DeepEqual(c, c2) || errString(err) != errString(err2) {
			t.Fatalf("Parse(%q) not deterministic:\n%+v %v\n%+v %v", s, c, err, c2, err2)
		}

		if err != nil {
			var ue *UsageError
			var nc *NotCommandError
			switch {
			case errors.As(err, &ue):
				if !inTable(ue.Spec) {
					t.Fatalf("Parse(%q): usage error for a spec outside the table: %+v", s, ue.Spec)
				}
				if ue.Problem == "" {
					t.Fatalf("Parse(%q): usage error without a problem", s)
				}
			case errors.As(err, &nc):
				if nc.Word == "" || strings.ContainsFunc(nc.Word, isSpace) {
					t.Fatalf("Parse(%q): NotCommandError word %q", s, nc.Word)
				}
			default:
				t.Fatalf("Parse(%q): error of unexpected type %T: %v", s, err, err)
			}
			return
		}

		// A successful parse names a command of the table.
		if !inTable(c.Spec) {
			t.Fatalf("Parse(%q): spec %+v is not a row of Commands", s, c.Spec)
		}
		// Nothing is made up: every field is a piece of the input.
		for name, v := range map[string]string{"Title": c.Title, "Content": c.Content, "Text": c.Text, "Secret": c.Secret} {
			if len(v) > len(s) {
				t.Fatalf("Parse(%q): %s is longer than the input (%d > %d)", s, name, len(v), len(s))
			}
		}

		switch c.Spec.Op {
		case OpNew:
			if strings.TrimSpace(c.Title) == "" || c.Content == "" {
				t.Fatalf("Parse(%q): new without title or content: %+v", s, c)
			}
			if c.Provider != "" {
				if d, ok := testVendors.Lookup(c.Provider); !ok || d.Name != c.Provider {
					t.Fatalf("Parse(%q): provider %q is not a normalized name", s, c.Provider)
				}
			}
			if !oneOf(c.Priority, "", "urgent", "high", "normal", "low") {
				t.Fatalf("Parse(%q): priority %q not normalized", s, c.Priority)
			}
			if !oneOf(c.Type, "", "incident", "request", "question") {
				t.Fatalf("Parse(%q): type %q not normalized", s, c.Type)
			}
			// Confidential lines never stay in the details, which reach the group.
			if rest, _ := secretLines(c.Content); rest != c.Content {
				t.Fatalf("Parse(%q): a secret line is left in the content %q", s, c.Content)
			}
		case OpReply, OpClose, OpShow, OpWatch, OpUnwatch:
			if c.Ticket.ID == "" || !validID(c.Ticket.ID) {
				t.Fatalf("Parse(%q): %s with ticket id %q", s, c.Spec.Op, c.Ticket.ID)
			}
			if strings.ContainsFunc(c.Ticket.Provider, isSpace) {
				t.Fatalf("Parse(%q): provider %q holds a space", s, c.Ticket.Provider)
			}
			if c.Spec.Op == OpReply {
				if rest, _ := secretLines(c.Text); rest != c.Text {
					t.Fatalf("Parse(%q): a secret line is left in the reply %q", s, c.Text)
				}
			} else if c.Secret != "" {
				t.Fatalf("Parse(%q): %s carries a secret", s, c.Spec.Op)
			}
		case OpList, OpHelp:
			if c.Ticket != (TicketRef{}) || c.Text != "" || c.Title != "" {
				t.Fatalf("Parse(%q): %s with arguments: %+v", s, c.Spec.Op, c)
			}
		default:
			t.Fatalf("Parse(%q): unknown op %q", s, c.Spec.Op)
		}
	})
}

// inTable reports whether spec is a row of Commands (not a copy, not nil).
func inTable(spec *Spec) bool {
	for i := range Commands {
		if spec == &Commands[i] {
			return true
		}
	}
	return false
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func oneOf(s string, set ...string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

func isSpace(r rune) bool { return strings.TrimSpace(string(r)) == "" }
