package templates

import (
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// TicketCard is the data of a ticket card (ticket.json.tmpl). Handlers decide which buttons a
// card shows (capabilities, state, who follows), so templates stay free of business rules.
type TicketCard struct {
	Ticket providers.Ticket
	// ProviderLabel is the vendor's display name ("金山云").
	ProviderLabel string
	Buttons       []Button
	// Form shows an input in place of the buttons: the reply box, a reason, a handler.
	Form *Form
	// Footer is a last line such as "张三 关闭了工单".
	Footer string
	// Notes are the conversation's latest entries, shown on 刷新 in place of the latest note.
	Notes []NoteLine
	// Owner is who in this chat owns the ticket (认领, 转派), nil for nobody.
	Owner *Person
}

// Person is someone in a chat: their platform user id, and their name where it is known
// (Feishu's cards name an id themselves).
type Person struct {
	ID, Name string
	// Mention says ID is safe to write into a mention as it is (letters, digits, _ and -).
	Mention bool
}

// NoteLine is one entry of a ticket's conversation on a card.
type NoteLine struct {
	// Who is the side that wrote it: "小二" or "用户" (Aliyun), "客服" or "我方" elsewhere.
	Who  string
	Note providers.Note
}

// Button is one card button; Command is the command text it runs, exactly what a person could
// type.
type Button struct {
	Text    string
	Type    string // "primary", "default", "danger"
	Command string
	Confirm *Confirm
}

// Form is a card's input with its submit button (on platforms with forms): the click carries
// the input as <Name>_text, which completes Command.
type Form struct {
	Name        string // "reply": the form is reply_form, its input reply_text
	Placeholder string
	Submit      string // the submit button's text
	Command     string
	// Confirm, if set, is asked before the submit acts.
	Confirm *Confirm
}

// Confirm is the confirmation dialog a button asks for before it acts.
type Confirm struct {
	Title string
	Text  string
}

// HelpCard is the data of the help card, generated from the command table.
type HelpCard struct {
	Commands []HelpCommand
	Example  string
	// New, when set, is the 建单 button that opens the create form (where cards hold forms).
	New *Button
}

// HelpCommand is one row of the help card.
type HelpCommand struct {
	Name    string // "建单"
	English string // "new"
	Usage   string
	Summary string
}

// ListCard is the data of the list card: the tickets a chat follows, those that need the
// group first.
type ListCard struct {
	// Title replaces the default header ("本群关注的未关闭工单（N）"), e.g. for the daily
	// summary.
	Title string
	Items []ListItem
	// All says closed tickets are listed too (`列表 全部`); otherwise Closed counts those
	// left out.
	All    bool
	Closed int
	// New is the 建单 button, where the platform's cards hold the create form.
	New *Button
	// Filtered says the list is narrowed (列表 待确认, 搜索): an empty one says nothing matched.
	// Note says something of how it was found (a vendor whose list cannot search).
	Filtered bool
	Note     string
	// Total is how many tickets matched, Items one page of them: Page of Pages. Next is the
	// next page's button, NextTyped what to type for it where cards hold no buttons.
	Total, Page, Pages int
	Next               *Button
	NextTyped          string
}

// ListItem is one followed ticket.
type ListItem struct {
	Ticket        providers.Ticket
	ProviderLabel string
}

// StatusColor is the header colour of a status on Feishu cards.
func StatusColor(s providers.Status) string {
	switch s {
	case providers.StatusOpen:
		return "blue"
	case providers.StatusInProgress:
		return "wathet"
	case providers.StatusWaitingOnUs:
		return "orange"
	case providers.StatusPendingConfirm:
		return "yellow"
	case providers.StatusClosed:
		return "green"
	case providers.StatusCancelled:
		return "grey"
	default:
		return "grey"
	}
}

// NoticeCard is the data of a watcher notice: one change, or several merged into one message.
type NoticeCard struct {
	// Title is the header ("工单状态更新", "3 个工单有更新").
	Title string
	Color string
	Items []NoticeItem
}

// NoticeItem is one change.
type NoticeItem struct {
	Ticket        providers.Ticket
	ProviderLabel string
	// Headline says what changed ("处理中 → 待我方补充", "新回复").
	Headline string
	Note     *providers.Note
	// Hint says what the group should do, if anything.
	Hint string
	// Mention is the platform user id to @.
	Mention string
}

// ConfirmCard asks before a button acts, in place of the clicked card, on platforms whose
// buttons have no confirmation dialog (WeCom): 「确认关闭 ksyun:1204？」 with 确认关闭 / 取消.
type ConfirmCard struct {
	Ticket providers.Ticket
	// ProviderLabel is the vendor's display name ("金山云").
	ProviderLabel string
	Title         string
	Text          string
	// Buttons are the confirming button (danger) and the cancelling one.
	Buttons []Button
}

// NewForm is the data of the create form (newform.json.tmpl, on platforms with forms): what a
// person fills in instead of typing 建单 with its option lines. Its values are kept when it is
// drawn again after a submit that could not be taken (Problem says why).
type NewForm struct {
	Vendors    []Choice // the configured vendors
	Priorities []Choice
	Types      []Choice
	// Vendor, Title, Content, Priority and Type are the values shown (an option's Value).
	Vendor, Title, Content, Priority, Type string
	Problem                                string
	// Command is what the submit carries; the form's inputs complete it.
	Command string
	// Fields are the vendor's own fields (a product and its category, a product line, a
	// template, a handler) with their real choices, in the vendor's order.
	Fields []FormField
	// Pick is what a select outside the form calls back with when its choice changes (the
	// vendor, a field others depend on): the card is drawn again for the new choice.
	Pick string
	// PickFirst asks for those choices before the rest is typed (a redraw keeps only them);
	// Notes say what could not be read now.
	PickFirst string
	Notes     []string
}

// FormField is one of a vendor's own fields on the create form.
type FormField struct {
	Name, Label string
	Choices     []Choice
	// Value is the choice shown: the one made, else the vendor's default.
	Value string
	// Pick puts it outside the form with the vendor: other fields' choices depend on it.
	Pick bool
}

// Choice is one option of a select: its value and what people read.
type Choice struct {
	Value, Label string
}

// ReportCard is the data of the weekly report (report.json.tmpl; report.md.tmpl where cards
// cannot chart): a window's figures, per vendor and in total, worded by the command.
type ReportCard struct {
	// Since and Until bound the window.
	Since, Until time.Time
	// Vendors are those with anything to show; Total is all of them together.
	Vendors []ReportRow
	Total   ReportRow
	// Chart says a chart of opened and closed per vendor is worth drawing (some are not 0).
	Chart bool
	// Waiting are the tickets waiting on us longest.
	Waiting []ReportWait
	// Empty says nothing was opened, closed or answered, and nothing waits on us.
	Empty bool
}

// ReportRow is one vendor's figures, or the total's.
type ReportRow struct {
	// Label is the vendor's display name ("金山云"), or the total's.
	Label                   string
	Opened, Closed, Waiting int
	// FirstReply and Close are the times to the first vendor reply and to close, as their
	// median and 90th percentile in words ("1小时20分 / 3小时"), "—" when there were none.
	FirstReply, Close string
}

// ReportWait is a ticket waiting on us, and for how long in words.
type ReportWait struct {
	Ticket        providers.Ticket
	ProviderLabel string
	For           string
}
