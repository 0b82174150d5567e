package templates

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

var update = flag.Bool("update", false, "rewrite golden files")

var (
	created = time.Date(2026, 11, 21, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
	noted   = time.Date(2026, 11, 21, 3, 5, 0, 0, time.UTC)
)

func openTicket() providers.Ticket {
	return providers.Ticket{
		Provider: "ksyun", ID: "1204", Title: "数据库连接超时",
		Content: "生产库 mysql-prod-01 从 09:40 起连接超时。\n影响下单。",
		Status:  providers.StatusOpen, RawStatus: "1", RawLabel: "待处理",
		Priority: "高", PriorityLevel: "high", Type: "问题排查", Customer: "北京金山云网络技术有限公司",
		Creator: "姜程", CreatorID: "38361", CreatedAt: created, UpdatedAt: created,
	}
}

func normalButtons(say func(zh, en string) string, ref string) []Button {
	return []Button{
		{Text: say("回复", "Reply"), Type: "primary", Command: "reply " + ref},
		{Text: say("关闭", "Close"), Type: "danger", Command: "close " + ref, Confirm: &Confirm{Title: say("关闭工单？", "Close the ticket?"),
			Text: say("关闭后金山云将不再处理此工单。", "Once closed, Kingsoft Cloud stops working on this ticket.")}},
		{Text: say("刷新", "Refresh"), Command: "show " + ref},
		{Text: say("取消关注", "Unwatch"), Command: "unwatch " + ref},
	}
}

// fixtures are the cards' data, with what the bot itself words (vendor names, buttons,
// titles, headlines) in English when en; the tickets' own data stays as the vendor has it.
func fixtures(en bool) map[string]struct {
	tmpl string
	data any
} {
	say := func(zh, e string) string {
		if en {
			return e
		}
		return zh
	}
	ks, ali := say("金山云", "Kingsoft Cloud"), say("阿里云", "Aliyun")
	waiting := openTicket()
	waiting.Status, waiting.RawStatus, waiting.RawLabel = providers.StatusWaitingOnUs, "wait_feedback", ""
	waiting.Flags = []providers.Flag{providers.FlagOnHold}
	waiting.LatestNote = &providers.Note{ID: "9", Author: "金山云工程师", Official: true, Body: "请提供慢查询日志。", At: noted}

	closed := openTicket()
	closed.Status, closed.RawStatus, closed.RawLabel = providers.StatusClosed, "3", "已关闭"

	unknown := openTicket()
	unknown.Status, unknown.RawStatus = providers.StatusUnknown, "7"

	nasty := openTicket()
	nasty.Title = strings.Repeat("长", 180) + "\"quote\" <at id=all></at> 🚨\n**bold**"
	nasty.Content = "line1 \"q\" \\ back\nline2 <font color='red'>x</font> `code` [link](http://x)\n😀"
	nasty.Customer = "Acme \"Inc\" & <Co>"
	nasty.LatestNote = &providers.Note{Author: "**admin**", Body: strings.Repeat("很长的回复。", 100), At: noted}

	out := map[string]struct {
		tmpl string
		data any
	}{
		"ticket_open":    {"ticket", TicketCard{Ticket: openTicket(), ProviderLabel: ks, Buttons: normalButtons(say, "ksyun:1204")}},
		"ticket_waiting": {"ticket", TicketCard{Ticket: waiting, ProviderLabel: ks, Buttons: normalButtons(say, "ksyun:1204")}},
		"ticket_closed":  {"ticket", TicketCard{Ticket: closed, ProviderLabel: ks, Footer: say("张三 关闭了工单", "张三 closed the ticket"), Buttons: []Button{{Text: say("刷新", "Refresh"), Command: "show ksyun:1204"}}}},
		"ticket_unknown": {"ticket", TicketCard{Ticket: unknown, ProviderLabel: ks}},
		"ticket_owner": {"ticket", TicketCard{Ticket: withHandler(waiting, "王工"), ProviderLabel: ks, Buttons: normalButtons(say, "ksyun:1204"),
			Owner: &Person{ID: "ou_84aad35d084aa403a838cf73ee18467", Mention: true}}},
		"ticket_owner_named": {"ticket", TicketCard{Ticket: openTicket(), ProviderLabel: ks, Owner: &Person{ID: "lisi", Name: say("李四", "Li Si")}}},
		"ticket_reply": {"ticket", TicketCard{Ticket: openTicket(), ProviderLabel: ks,
			Form: &Form{Name: "reply", Placeholder: say("写下回复，发送到工单", "Write a reply to send to the ticket"), Submit: say("发送回复", "Send reply"), Command: "reply ksyun:1204"}}},
		"ticket_nasty": {"ticket", TicketCard{Ticket: nasty, ProviderLabel: ks, Buttons: normalButtons(say, "ksyun:1204"), Footer: "<at id=all></at> 张三"}},
		"help": {"help", HelpCard{Commands: []HelpCommand{
			{Name: say("建单", "new"), English: say("new", ""), Usage: say("建单 [供应商] 标题", "new [provider] title"), Summary: say("创建工单", "Create a ticket")},
			{Name: say("关闭", "close"), English: say("close", ""), Usage: say("关闭 工单 [备注]", "close ticket [remark]"), Summary: say("关闭工单", "Close the ticket")},
		}, Example: say("@ticketbot 建单 ksyun 数据库连接超时", "@ticketbot new ksyun Database connections time out")}},
		"help_new": {"help", HelpCard{Commands: []HelpCommand{
			{Name: say("建单", "new"), English: say("new", ""), Usage: say("建单 [供应商] 标题", "new [provider] title"), Summary: say("创建工单", "Create a ticket")},
		}, New: &Button{Text: say("建单", "New ticket"), Type: "primary", Command: "new"}}},
		"newform": {"newform", NewForm{Vendors: []Choice{{"ksyun", ks}, {"aliyun", ali}}, Vendor: "ksyun",
			Priorities: []Choice{{"urgent", say("紧急", "Urgent")}, {"high", say("高", "High")}, {"normal", say("中", "Normal")}, {"low", say("低", "Low")}},
			Types:      []Choice{{"incident", say("问题", "Incident")}, {"request", say("需求", "Request")}, {"question", say("咨询", "Question")}},
			Command:    "newform 5f3a9c0e1b2d4f60"}},
		"newform_problem": {"newform", NewForm{Vendors: []Choice{{"ksyun", ks}}, Title: say("ECS 无法登录 \"quote\"", "ECS login fails \"quote\""), Content: say("报错\nPermission denied", "Error:\nPermission denied"),
			Priority: "high", Type: "incident", Problem: say("阿里云已不再配置在本部署中，请另选供应商；已填写的内容已保留。", "Aliyun is no longer configured here; choose another vendor. What you filled in is kept."),
			Priorities: []Choice{{"high", say("高", "High")}}, Types: []Choice{{"incident", say("问题", "Incident")}},
			Command: "newform 5f3a9c0e1b2d4f61"}},
		"newform_fields": {"newform", NewForm{Vendors: []Choice{{"ksyun", ks}, {"aliyun", ali}}, Vendor: "aliyun",
			Priorities: []Choice{{"high", say("高", "High")}, {"normal", say("中", "Normal")}}, Types: []Choice{{"incident", say("问题", "Incident")}},
			Fields: []FormField{
				{Name: "product", Label: say("产品", "Product"), Pick: true, Value: "1301",
					Choices: []Choice{{"1273", say("云服务器 ECS", "ECS")}, {"1301", say("云数据库 RDS \"quote\"", "RDS \"quote\"")}}},
				{Name: "category", Label: say("问题分类", "Category"), Value: "2302",
					Choices: []Choice{{"2301", say("连接数已满", "Too many connections")}, {"2302", say("慢查询", "Slow queries")}}},
			},
			PickFirst: say("先选供应商和产品，再填写下面的内容。", "Choose the vendor and product first, then fill in the rest."),
			Notes:     []string{say("暂时读不到阿里云的工单模板列表，将按默认值建单。", "Aliyun's template list cannot be read now; the ticket will be filed with the default.")},
			Command:   "newform 5f3a9c0e1b2d4f62 product=1301 vendor=aliyun", Pick: "newform 5f3a9c0e1b2d4f62 pick product=1301 vendor=aliyun"}},
		"list_empty": {"list", ListCard{}},
		"list_page": {"list", ListCard{Title: say("本群关注的工单 · 待确认（12）", "Tickets this chat watches · To confirm (12)"), Filtered: true,
			Items: []ListItem{{Ticket: openTicket(), ProviderLabel: ks}}, Total: 12, Page: 1, Pages: 2,
			Next:      &Button{Text: say("下一页（2/2）", "Next page (2/2)"), Command: "list page=2 confirm"},
			NextTyped: say("列表 待确认 第2页", "list confirm page=2")}},
		"search_note": {"list", ListCard{Title: say("搜索 金山云 · 「扩容」：1 个工单", "Search Kingsoft Cloud · “disk”: 1 found"), Filtered: true,
			Note:  say("金山云的工单列表不能按关键字筛选（只能按状态、类型、创建人、时间）。 以下是本群关注的工单中的结果。", "Kingsoft's ticket list cannot be searched by a keyword. Here are the matches among the tickets this chat watches."),
			Items: []ListItem{{Ticket: openTicket(), ProviderLabel: ks}}, Total: 1, Page: 1, Pages: 1}},
		"list_filtered_empty": {"list", ListCard{Title: say("本群关注的工单 · 待确认（0）", "Tickets this chat watches · To confirm (0)"), Filtered: true}},
		"list_new":            {"list", ListCard{Items: []ListItem{{Ticket: openTicket(), ProviderLabel: ks}}, New: &Button{Text: say("建单", "New ticket"), Type: "primary", Command: "new"}}},
		"summary":             {"list", ListCard{Title: say("每日汇总：本群 1 个未关闭的工单", "Daily summary: open tickets in this chat (1)"), Items: []ListItem{{Ticket: openTicket(), ProviderLabel: ks}}}},
		"notice_waiting": {"notice", NoticeCard{Title: say("工单状态更新", "Ticket status changed"), Color: "orange", Items: []NoticeItem{{
			Ticket: waiting, ProviderLabel: ks, Headline: say("处理中 → 待我方补充：供应商在等我们补充信息", "Underway → Our turn: the vendor waits for our information"),
			Note: waiting.LatestNote, Hint: say("在工单卡片的话题里回复，或输入「回复 ksyun:1204 内容」。", "Answer in the ticket card's thread, or type \"reply ksyun:1204 your text\"."),
			Mention: "ou_84aad35d084aa403a838cf73ee18467"}}}},
		"notice_new": {"notice", NoticeCard{Title: say("订阅的新工单", "New ticket from a subscription"), Color: "blue", Items: []NoticeItem{{
			Ticket: openTicket(), ProviderLabel: ks, Headline: say("新工单 · 订阅 #2", "New ticket · subscription #2"),
			Hint: say("「查看 ksyun:1204」查看详情，「认领 ksyun:1204」认领", "\"show ksyun:1204\" for details, \"claim ksyun:1204\" to take it")}}}},
		"notice_merged": {"notice", NoticeCard{Title: say("2 个工单有更新", "2 tickets changed"), Color: "orange", Items: []NoticeItem{
			{Ticket: closed, ProviderLabel: ks, Headline: say("处理中 → 已关闭", "Underway → Closed")},
			{Ticket: nasty, ProviderLabel: ks, Headline: say("新回复", "New reply"), Note: nasty.LatestNote}}}},
		"list":        {"list", ListCard{All: true, Items: []ListItem{{Ticket: waiting, ProviderLabel: ks}, {Ticket: openTicket(), ProviderLabel: ks}, {Ticket: closed, ProviderLabel: ks}}}},
		"list_open":   {"list", ListCard{Closed: 2, Items: []ListItem{{Ticket: waiting, ProviderLabel: ks}, {Ticket: openTicket(), ProviderLabel: ks}}}},
		"list_closed": {"list", ListCard{Closed: 1}},
		"confirm_close": {"confirm", ConfirmCard{Ticket: openTicket(), ProviderLabel: ks, Title: say("确认关闭 ksyun:1204？", "Close ksyun:1204?"),
			Text: say("关闭后供应商将不再处理此工单。仅工单创建人可以关闭。", "Once closed, the vendor stops working on this ticket. Only its creator may close it."), Buttons: []Button{
				{Text: say("确认关闭", "Close it"), Type: "danger", Command: "close ksyun:1204 #v3"}, {Text: say("取消", "Cancel"), Command: "card ksyun:1204"}}}},
	}
	// The weekly report: two vendors, one without a close; the tickets waiting on us longest,
	// one with a nasty title. A week with replies only draws no chart; an empty one says so.
	weekFrom, weekTo := time.Date(2026, 11, 23, 1, 30, 0, 0, time.UTC), time.Date(2026, 11, 30, 1, 30, 0, 0, time.UTC)
	aliWaiting := providers.Ticket{Provider: "aliyun", ID: "70001234", Title: "ECS 无法登录", Status: providers.StatusWaitingOnUs}
	nastyWaiting := nasty
	nastyWaiting.Status = providers.StatusWaitingOnUs
	out["report"] = struct {
		tmpl string
		data any
	}{"report", ReportCard{Since: weekFrom, Until: weekTo, Chart: true,
		Vendors: []ReportRow{
			{Label: ali, Opened: 2, Waiting: 2, FirstReply: say("30分钟 / 30分钟", "30 min / 30 min"), Close: "—"},
			{Label: ks, Opened: 3, Closed: 4, Waiting: 1, FirstReply: say("3小时 / 3天", "3h / 3d"), Close: say("4天12小时 / 18天", "4d 12h / 18d")},
		},
		Total: ReportRow{Label: say("合计", "Total"), Opened: 5, Closed: 4, Waiting: 3,
			FirstReply: say("2小时 / 3天", "2h / 3d"), Close: say("4天12小时 / 18天", "4d 12h / 18d")},
		Waiting: []ReportWait{
			{Ticket: aliWaiting, ProviderLabel: ali, For: say("10天", "10d")},
			{Ticket: nastyWaiting, ProviderLabel: ks, For: say("3天23小时", "3d 23h")},
		}}}
	out["report_replies_only"] = struct {
		tmpl string
		data any
	}{"report", ReportCard{Since: weekFrom, Until: weekTo,
		Vendors: []ReportRow{{Label: ks, FirstReply: say("1小时20分 / 1小时20分", "1h 20m / 1h 20m"), Close: "—"}},
		Total:   ReportRow{Label: say("合计", "Total"), FirstReply: say("1小时20分 / 1小时20分", "1h 20m / 1h 20m"), Close: "—"}}}
	out["report_empty"] = struct {
		tmpl string
		data any
	}{"report", ReportCard{Since: weekFrom, Until: weekTo, Empty: true, Total: ReportRow{FirstReply: "—", Close: "—"}}}

	// The transitions beyond close (重开, 驳回, 流转): their buttons where the vendor can and the
	// status allows, their inputs, and their confirmation cards, as command/ draws them.
	// Drawn in Chinese: their fixtures are written in it.
	if !en {
		for name, f := range transitionFixtures() {
			out[name] = f
		}
	}
	// Aliyun's seven statuses, as the old API's cards show them (no close button: 2016-08-30
	// has no close).
	for _, a := range []struct {
		raw, label string
		st         providers.Status
		flags      []providers.Flag
	}{
		{"assigned", "已分派", providers.StatusOpen, nil},
		{"dealing", "处理中", providers.StatusInProgress, nil},
		{"wait_feedback", "待反馈", providers.StatusWaitingOnUs, nil},
		{"feedback", "已反馈", providers.StatusInProgress, []providers.Flag{providers.FlagCustomerReplied}},
		{"wait_confirm", "待确认", providers.StatusPendingConfirm, nil},
		{"confirmed", "已确认", providers.StatusClosed, nil},
		{"score", "已评价", providers.StatusClosed, []providers.Flag{providers.FlagRated}},
	} {
		tk := providers.Ticket{Provider: "aliyun", ID: "70001234", Title: "ECS 无法登录", Content: "登录 ECS 报错 Permission denied",
			Status: a.st, RawStatus: a.raw, RawLabel: a.label, Flags: a.flags, Customer: "1234567890123456", Creator: "张三", CreatedAt: created,
			LatestNote: &providers.Note{ID: "1", Author: "阿里云小二", Official: true, Body: "请提供实例 ID", At: noted}}
		buttons := []Button{{Text: say("刷新", "Refresh"), Command: "show aliyun:70001234"}}
		if !a.st.Terminal() {
			buttons = append([]Button{{Text: say("回复", "Reply"), Type: "primary", Command: "reply aliyun:70001234"}}, buttons...)
		}
		if a.raw == "wait_feedback" {
			out["aliyun_notes"] = struct {
				tmpl string
				data any
			}{"ticket", TicketCard{Ticket: tk, ProviderLabel: ali, Buttons: buttons, Notes: []NoteLine{
				{Who: say("用户", "Us"), Note: providers.Note{Author: "张三", Body: "登录 ECS 报错 Permission denied", At: created}},
				{Who: say("小二", "Staff"), Note: providers.Note{Author: "阿里云小二", Official: true, Body: "请提供实例 ID", At: noted}},
			}}}
		}
		out["aliyun_"+a.raw] = struct {
			tmpl string
			data any
		}{"ticket", TicketCard{Ticket: tk, ProviderLabel: ali, Buttons: buttons}}
	}
	return out
}

// transitionFixtures are the cards of the transitions beyond close.
func transitionFixtures() map[string]struct {
	tmpl string
	data any
} {
	type fixture = struct {
		tmpl string
		data any
	}
	ksyun := "ksyun:1204"
	weiban := openTicket()
	weiban.Provider, weiban.ID, weiban.Handler, weiban.HandlerID = "weiban", "1471808049579560960", "张伟", "zhangwei"
	aliyun := providers.Ticket{Provider: "aliyun", ID: "0005PYGCW", Title: "ECS 无法登录", Content: "登录 ECS 报错 Permission denied",
		Status: providers.StatusClosed, RawStatus: "6", RawLabel: "已完成", Creator: "张三", CreatedAt: created}
	// The acting buttons ask first: in Feishu's dialog, with WeCom's confirmation card.
	acting := func(platform, text, typ, cmd, title, warning string) Button {
		if platform == "wecom" {
			return Button{Text: text, Type: typ, Command: "confirm " + cmd}
		}
		return Button{Text: text, Type: typ, Command: cmd, Confirm: &Confirm{Title: title, Text: warning}}
	}
	closeButton := func(platform, ref string) Button {
		return acting(platform, "关闭", "danger", "close "+ref+" #v3", "确认关闭工单 "+ref+"？", "关闭后供应商将不再处理此工单。")
	}
	out := map[string]fixture{
		// Feishu has forms: 驳回 and 流转 open their input; WeCom has none, and they are typed.
		"ticket_open_reject@feishu": {"ticket", TicketCard{Ticket: openTicket(), ProviderLabel: "金山云", Buttons: []Button{
			{Text: "回复", Type: "primary", Command: "reply " + ksyun}, closeButton("feishu", ksyun),
			{Text: "驳回", Type: "default", Command: "reject " + ksyun},
			{Text: "刷新", Command: "show " + ksyun}, {Text: "关注", Command: "watch " + ksyun}}}},
		"ticket_open_reject@wecom": {"ticket", TicketCard{Ticket: openTicket(), ProviderLabel: "金山云", Buttons: []Button{
			closeButton("wecom", ksyun), {Text: "刷新", Command: "show " + ksyun}, {Text: "关注", Command: "watch " + ksyun}}}},
		"ticket_open_transfer@feishu": {"ticket", TicketCard{Ticket: weiban, ProviderLabel: "微伴助手", Buttons: []Button{
			{Text: "回复", Type: "primary", Command: "reply " + weiban.Ref()}, closeButton("feishu", weiban.Ref()),
			{Text: "流转", Type: "default", Command: "transfer " + weiban.Ref()},
			{Text: "刷新", Command: "show " + weiban.Ref()}, {Text: "关注", Command: "watch " + weiban.Ref()}}}},
		"ticket_open_transfer@wecom": {"ticket", TicketCard{Ticket: weiban, ProviderLabel: "微伴助手", Buttons: []Button{
			closeButton("wecom", weiban.Ref()), {Text: "刷新", Command: "show " + weiban.Ref()}, {Text: "关注", Command: "watch " + weiban.Ref()}}}},
		"ticket_reject_form@feishu": {"ticket", TicketCard{Ticket: openTicket(), ProviderLabel: "金山云", Form: &Form{Name: "reject",
			Placeholder: "写下驳回理由，供应商会看到", Submit: "确认驳回", Command: "reject " + ksyun + " #v3",
			Confirm: &Confirm{Title: "确认驳回工单 " + ksyun + "？", Text: "驳回后，供应商会看到理由，并退回对此工单的分派。"}}}},
		"ticket_transfer_form@feishu": {"ticket", TicketCard{Ticket: weiban, ProviderLabel: "微伴助手", Form: &Form{Name: "transfer",
			Placeholder: "接手人 ID（空格后可写说明）", Submit: "确认流转", Command: "transfer " + weiban.Ref() + " #v3",
			Confirm: &Confirm{Title: "确认流转工单 " + weiban.Ref() + "？", Text: "流转后，工单将由接手人处理。"}}}},
		"confirm_reopen": {"confirm", ConfirmCard{Ticket: aliyun, ProviderLabel: "阿里云", Title: "确认重新打开 aliyun:0005PYGCW？",
			Text: "重新打开后，供应商会继续处理此工单。", Buttons: []Button{
				{Text: "确认重新打开", Type: "danger", Command: "reopen aliyun:0005PYGCW #v5"}, {Text: "取消", Command: "card aliyun:0005PYGCW"}}}},
		"confirm_reject": {"confirm", ConfirmCard{Ticket: openTicket(), ProviderLabel: "金山云", Title: "确认驳回 " + ksyun + "？",
			Text: "驳回后，供应商会看到理由，并退回对此工单的分派。\n非本产品线问题，请转网络组 \"quote\" 😀", Buttons: []Button{
				{Text: "确认驳回", Type: "danger", Command: "reject " + ksyun + "\n非本产品线问题，请转网络组 \"quote\" 😀 #v3"},
				{Text: "取消", Command: "card " + ksyun}}}},
		"confirm_transfer": {"confirm", ConfirmCard{Ticket: weiban, ProviderLabel: "微伴助手", Title: "确认流转 " + weiban.Ref() + "？",
			Text: "流转后，工单将由接手人处理。\nlina 请跟进", Buttons: []Button{
				{Text: "确认流转", Type: "danger", Command: "transfer " + weiban.Ref() + " lina\n请跟进 #v3"},
				{Text: "取消", Command: "card " + weiban.Ref()}}}},
	}
	// 重新打开: on a closed ticket of a vendor that can reopen (Aliyun 2021), both platforms.
	for _, platform := range []string{"feishu", "wecom"} {
		out["ticket_reopen@"+platform] = fixture{"ticket", TicketCard{Ticket: aliyun, ProviderLabel: "阿里云", Footer: "张三 关闭了工单", Buttons: []Button{
			acting(platform, "重新打开", "primary", "reopen aliyun:0005PYGCW #v5", "确认重新打开工单 aliyun:0005PYGCW？", "重新打开后，供应商会继续处理此工单。"),
			{Text: "刷新", Command: "show aliyun:0005PYGCW"}, {Text: "关注", Command: "watch aliyun:0005PYGCW"}}}}
	}
	return out
}

// TestGolden draws every fixture on both platforms in both languages: the Chinese cards in
// testdata/<platform>/, the English ones in testdata/<platform>/en/, where no word of the
// bot's own may be Chinese (noChinese).
func TestGolden(t *testing.T) {
	r, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]func(*testing.T, []byte){"feishu": checkFeishuCard, "wecom": checkWeComCard}
	for _, en := range []bool{false, true} {
		dir, lr := "", r.In(en)
		if en {
			dir = "en"
		}
		for _, platform := range []string{"feishu", "wecom"} {
			for name, f := range fixtures(en) {
				// "name@platform" is drawn for that platform only, as the bot draws it there.
				name, only, _ := strings.Cut(name, "@")
				if only != "" && only != platform {
					continue
				}
				path := filepath.Join("testdata", platform, dir, name)
				if r.Has(platform, f.tmpl) {
					t.Run(path, func(t *testing.T) {
						got, err := lr.Render(platform, f.tmpl, f.data)
						if err != nil {
							t.Fatal(err)
						}
						goldenJSON(t, path+".golden.json", got)
						checks[platform](t, got)
						if en {
							noChinese(t, string(got), f.data)
						}
					})
				}
				if r.Has(platform, f.tmpl+".md") {
					t.Run(path+".md", func(t *testing.T) {
						got, err := lr.RenderMarkdown(platform, f.tmpl, f.data)
						if err != nil {
							t.Fatal(err)
						}
						golden(t, path+".golden.md", []byte(got+"\n"))
						if strings.Contains(got, "<at id=all") || strings.Contains(got, "<@all") {
							t.Errorf("markdown carries a mention people wrote: %s", got)
						}
						if len(got) > 4096 {
							t.Errorf("markdown is %d bytes; WeCom takes 4096", len(got))
						}
						if en {
							noChinese(t, got, f.data)
						}
					})
				}
			}
		}
	}
}

// golden compares got with the file, rewriting it under -update.
// goldenJSON compares a rendered card, indented, with its golden file.
func goldenJSON(t *testing.T, path string, got []byte) {
	t.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	golden(t, path, pretty.Bytes())
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./templates -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test ./templates -update and review the diff\n%s", path, got)
	}
}

// checkWeComCard asserts WeCom's template card limits (DOC 101032): a card over them is
// rejected, so it must never be produced.
func checkWeComCard(t *testing.T, card []byte) {
	t.Helper()
	var c struct {
		CardType  string `json:"card_type"`
		MainTitle struct {
			Title string `json:"title"`
			Desc  string `json:"desc"`
		} `json:"main_title"`
		Emphasis struct {
			Title string `json:"title"`
		} `json:"emphasis_content"`
		Sub  string `json:"sub_title_text"`
		Rows []struct {
			Key   string `json:"keyname"`
			Value string `json:"value"`
		} `json:"horizontal_content_list"`
		Buttons []struct {
			Text string `json:"text"`
			Key  string `json:"key"`
		} `json:"button_list"`
	}
	if err := json.Unmarshal(card, &c); err != nil {
		t.Fatal(err)
	}
	runes := func(s string) int { return len([]rune(s)) }
	limits := []struct {
		what   string
		n, max int
	}{
		{"main_title.title", runes(c.MainTitle.Title), 26},
		{"main_title.desc", runes(c.MainTitle.Desc), 30},
		{"emphasis_content.title", runes(c.Emphasis.Title), 10},
		{"sub_title_text", runes(c.Sub), 112},
		{"horizontal_content_list", len(c.Rows), 6},
		{"button_list", len(c.Buttons), 6},
	}
	for _, r := range c.Rows {
		limits = append(limits, struct {
			what   string
			n, max int
		}{"keyname " + r.Key, runes(r.Key), 5}, struct {
			what   string
			n, max int
		}{"value of " + r.Key, runes(r.Value), 26})
	}
	for _, b := range c.Buttons {
		if len(b.Key) > 1024 {
			t.Errorf("button key is %d bytes; WeCom takes 1024", len(b.Key))
		}
	}
	for _, l := range limits {
		if l.n > l.max {
			t.Errorf("%s is %d long; WeCom's limit is %d", l.what, l.n, l.max)
		}
	}
	if c.CardType == "multiple_interaction" {
		checkWeComSelects(t, card) // the create card of choices (draft_golden_test.go)
		return
	}
	if c.CardType != "button_interaction" || len(c.Buttons) == 0 {
		t.Errorf("card_type %q with %d buttons; a button_interaction card needs buttons", c.CardType, len(c.Buttons))
	}
}

// checkFeishuCard asserts what Feishu itself would reject: not schema 2.0, update_multi off,
// over 30 KB, or markdown that would @ everyone.
func checkFeishuCard(t *testing.T, card []byte) {
	t.Helper()
	if len(card) > 30*1024 {
		t.Errorf("card is %d bytes, Feishu's limit is 30 KB", len(card))
	}
	var c struct {
		Schema string `json:"schema"`
		Config struct {
			UpdateMulti bool `json:"update_multi"`
		} `json:"config"`
		Body struct {
			Elements []map[string]any `json:"elements"`
		} `json:"body"`
	}
	if err := json.Unmarshal(card, &c); err != nil {
		t.Fatal(err)
	}
	if c.Schema != "2.0" || !c.Config.UpdateMulti {
		t.Errorf("schema %q update_multi %v; want 2.0 and true", c.Schema, c.Config.UpdateMulti)
	}
	for _, e := range c.Body.Elements {
		// Only mentions the bot chose may render; text people wrote must never @ everyone.
		if e["tag"] == "markdown" && strings.Contains(e["content"].(string), "<at id=all") {
			t.Errorf("markdown carries an unescaped @all: %q", e["content"])
		}
	}
}

func TestTruncateCountsRunes(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"短", 5, "短"},
		{"一二三四五六", 4, "一二三…"},
		{"abc", 3, "abc"},
		{"abcd", 1, "…"},
	}
	for _, tt := range tests {
		if got := truncate(tt.n, tt.in); got != tt.want {
			t.Errorf("truncate(%d, %q) = %q, want %q", tt.n, tt.in, got, tt.want)
		}
	}
}

func TestOverrideReplacesTemplateAndBrokenOverrideFailsAtBoot(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "feishu"), 0o755); err != nil {
		t.Fatal(err)
	}
	over := filepath.Join(dir, "feishu", "list.json.tmpl")
	if err := os.WriteFile(over, []byte(`{"schema":"2.0","custom":{{json (len .Items)}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Render("feishu", "list", ListCard{})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"schema":"2.0","custom":0}` {
		t.Errorf("override not used: %s", got)
	}
	if err := os.WriteFile(over, []byte(`{{json .Items`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(dir); err == nil {
		t.Error("a broken override must fail New")
	}
}

func TestRenderRejectsInvalidJSON(t *testing.T) {
	dir := t.TempDir()
	_ = os.MkdirAll(filepath.Join(dir, "feishu"), 0o755)
	_ = os.WriteFile(filepath.Join(dir, "feishu", "list.json.tmpl"), []byte(`{"a": {{len .Items}},}`), 0o644)
	r, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Render("feishu", "list", ListCard{}); err == nil {
		t.Error("invalid JSON must not render")
	}
}

func BenchmarkRenderTicketCard(b *testing.B) {
	r, err := New("")
	if err != nil {
		b.Fatal(err)
	}
	data := fixtures(false)["ticket_waiting"].data
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Render("feishu", "ticket", data); err != nil {
			b.Fatal(err)
		}
	}
}

// withHandler is t handled by name at the vendor.
func withHandler(t providers.Ticket, name string) providers.Ticket {
	t.Handler = name
	return t
}
