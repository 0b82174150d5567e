package handlers

import (
	"strings"

	"github.com/ticketbot/ticketbot/templates"
)

// Op names a command independent of the language it was typed in.
type Op string

// The commands of the bot.
const (
	OpNew     Op = "new"
	OpReply   Op = "reply"
	OpClose   Op = "close"
	OpShow    Op = "show"
	OpList    Op = "list"
	OpWatch   Op = "watch"
	OpUnwatch Op = "unwatch"
	OpHelp    Op = "help"
)

// Spec is one row of the command table: its names in both languages, how to use it, and what
// it does. The parser, the usage hints and the help card all come from this table.
type Spec struct {
	Op      Op
	Zh      string   // the Chinese name, shown first
	En      string   // the English name
	Aliases []string // other accepted names
	Usage   string
	UsageEN string
	Summary string
}

// Commands is the command table, in the order the help card lists it.
var Commands = []Spec{
	{Op: OpNew, Zh: "建单", En: "new", Aliases: []string{"新建", "提单", "create"},
		Usage:   "建单 [供应商] 标题（换行后写详情，可加「优先级: 高」「类型: 咨询」）",
		UsageEN: "new [provider] title (details on the next lines; optional \"priority: high\", \"type: question\")",
		Summary: "在供应商处新建工单，并在群里发出工单卡片"},
	{Op: OpReply, Zh: "回复", En: "reply", Aliases: []string{"评论", "comment"},
		Usage:   "回复 工单号 内容（在工单卡片的话题里直接回复也可以）",
		UsageEN: "reply ticket text (or answer in the ticket card's thread)",
		Summary: "把回复作为评论发送到工单"},
	{Op: OpClose, Zh: "关闭", En: "close", Aliases: []string{"关单"},
		Usage:   "关闭 工单号 [备注]",
		UsageEN: "close ticket [remark]",
		Summary: "关闭工单（仅创建人或群管理员）"},
	{Op: OpShow, Zh: "查看", En: "show", Aliases: []string{"刷新", "refresh"},
		Usage:   "查看 工单号",
		UsageEN: "show ticket",
		Summary: "查看工单最新状态和回复"},
	{Op: OpList, Zh: "列表", En: "list", Aliases: []string{"工单列表", "ls"},
		Usage:   "列表",
		UsageEN: "list",
		Summary: "列出本群关注的工单及状态"},
	{Op: OpWatch, Zh: "关注", En: "watch", Aliases: []string{"follow"},
		Usage:   "关注 工单号",
		UsageEN: "watch ticket",
		Summary: "本群关注工单，状态变化时通知"},
	{Op: OpUnwatch, Zh: "取消关注", En: "unwatch", Aliases: []string{"unfollow"},
		Usage:   "取消关注 工单号",
		UsageEN: "unwatch ticket",
		Summary: "本群不再关注工单"},
	{Op: OpHelp, Zh: "帮助", En: "help", Aliases: []string{"?", "？", "h"},
		Usage:   "帮助",
		UsageEN: "help",
		Summary: "显示本帮助"},
}

// Example is the sample command shown on the help card.
const Example = "@ticketbot 建单 ksyun 数据库连接超时\n生产库从 09:40 起连接超时，影响下单。\n优先级: 高"

// lookup finds the spec for a typed command name and whether it was typed in English.
func lookup(word string) (*Spec, bool) {
	lw := strings.ToLower(word)
	for i := range Commands {
		s := &Commands[i]
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

// lookupPrefix finds a Chinese command name glued to its argument ("关闭1204"), preferring the
// longest name so "取消关注" is not read as "取消" + "关注".
func lookupPrefix(word string) (*Spec, string) {
	var best *Spec
	var bestName string
	for i := range Commands {
		s := &Commands[i]
		for _, name := range append([]string{s.Zh}, s.Aliases...) {
			if isASCII(name) || !strings.HasPrefix(word, name) || len(name) <= len(bestName) {
				continue
			}
			best, bestName = s, name
		}
	}
	if best == nil {
		return nil, ""
	}
	return best, strings.TrimPrefix(word, bestName)
}

func specFor(op Op) *Spec {
	for i := range Commands {
		if Commands[i].Op == op {
			return &Commands[i]
		}
	}
	return nil
}

// HelpCard is the help card's data, generated from the table.
func HelpCard() templates.HelpCard {
	h := templates.HelpCard{Example: Example}
	for _, s := range Commands {
		h.Commands = append(h.Commands, templates.HelpCommand{Name: s.Zh, English: s.En, Usage: s.Usage, Summary: s.Summary})
	}
	return h
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
