package handlers

import (
	"strings"

	"github.com/ticketbot/ticketbot/bot"
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
	// Button-only steps of a card: redraw it quietly (the reply box's 取消), and ask before
	// a close where the platform has no confirmation dialog (WeCom).
	OpCard    Op = "card"
	OpConfirm Op = "confirm"
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
	// Button marks a step only a card's button takes; typing its name is no command, and the
	// help card does not list it.
	Button bool
}

// Commands is the command table, in the order the help card lists it.
var Commands = []Spec{
	{Op: OpNew, Zh: "建单", En: "new", Aliases: []string{"新建", "提单", "create"},
		Usage:   "建单 [供应商] 标题（换行后写详情，可加「优先级: 高」「类型: 咨询」）",
		UsageEN: "new [provider] title (details on the next lines; optional \"priority: high\", \"type: question\")",
		Summary: "在供应商处新建工单，并在群里发出工单卡片"},
	{Op: OpReply, Zh: "回复", En: "reply", Aliases: []string{"评论", "comment"},
		Usage:   "回复 工单号 内容",
		UsageEN: "reply ticket text",
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
		Usage:   "列表 [全部]",
		UsageEN: "list [all]",
		Summary: "列出本群关注的未关闭工单及状态；加「全部」连已关闭的一起列出"},
	{Op: OpWatch, Zh: "关注", En: "watch", Aliases: []string{"follow"},
		Usage:   "关注 工单号",
		UsageEN: "watch ticket",
		Summary: "本群关注工单，状态变化时通知"},
	{Op: OpUnwatch, Zh: "取消关注", En: "unwatch", Aliases: []string{"unfollow"},
		Usage:   "取消关注 工单号",
		UsageEN: "unwatch ticket",
		Summary: "本群不再关注工单"},
	{Op: OpHelp, Zh: "帮助", En: "help", Aliases: []string{"?", "？", "h"},
		Usage:   "帮助 [命令]",
		UsageEN: "help [command]",
		Summary: "显示本帮助；加命令名只看这个命令的用法"},
	{Op: OpCard, Zh: "卡片", En: "card", Button: true, Usage: "卡片 工单号", UsageEN: "card ticket"},
	{Op: OpConfirm, Zh: "确认", En: "confirm", Button: true, Usage: "确认 关闭 工单号", UsageEN: "confirm close ticket"},
}

// Example is the sample command shown on the help card.
const Example = "@ticketbot 建单 ksyun 数据库连接超时\n生产库从 09:40 起连接超时，影响下单。\n优先级: 高"

// lookup finds the spec for a command name and whether it was typed in English; button-only
// steps are found only for buttons.
func lookup(word string, button bool) (*Spec, bool) {
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

// lookupPrefix finds a Chinese command name glued to its argument ("关闭1204"), preferring the
// longest name so "取消关注" is not read as "取消" + "关注".
func lookupPrefix(word string) (*Spec, string) {
	var best *Spec
	var bestName string
	for i := range Commands {
		s := &Commands[i]
		if s.Button {
			continue
		}
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

// HelpCard is the help card's data, generated from the table, in the words of the platform
// (a card's thread on Feishu, a quote on WeCom). topic, when set, limits it to one command.
func HelpCard(f bot.Features, topic *Spec) templates.HelpCard {
	h := templates.HelpCard{Example: Example}
	if topic != nil {
		h.Example = ""
	}
	for i := range Commands {
		s := &Commands[i]
		if s.Button || (topic != nil && topic != s) {
			continue
		}
		usage := s.Usage
		if s.Op == OpReply {
			usage += "（" + answerInCard(f, false) + "）"
		}
		h.Commands = append(h.Commands, templates.HelpCommand{Name: s.Zh, English: s.En, Usage: usage, Summary: s.Summary})
	}
	return h
}

// answerInCard says how people answer a ticket right on its card, in the platform's words:
// WeCom has no threads, people quote the card there.
func answerInCard(f bot.Features, en bool) string {
	if f.Threads {
		return say(en, "也可以在工单卡片的话题里直接回复", "or answer in the ticket card's thread")
	}
	return say(en, "也可以引用工单卡片直接回复", "or quote the ticket card and write your answer")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
