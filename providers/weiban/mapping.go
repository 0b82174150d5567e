package weiban

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ticketbot/ticketbot/providers"
)

// Weiban publishes no status enum (reference/ticket-providers.md §4.7), so the state is
// resolved in the order of status-model.md §4.3:
//
//  1. the status map (built-in 10 → open, then status_map from the config);
//  2. the latest change: the kind of the event being handled, else the newest processing flow
//     whose type_name says what happened (新建 → open, 流转/转交 → in_progress, 关闭 → closed,
//     重新打开 → in_progress + reopened; 评论/回复 leave the state alone);
//  3. button_operate.reopen && !button_operate.close → closed;
//  4. unknown, keeping the raw value.

// signal is what one event kind or flow label says about the state.
type signal int

const (
	sigNone   signal = iota // nothing (a reply, an unknown label)
	sigCreate               // open
	sigSwitch               // in_progress
	sigClose                // closed
	sigReopen               // in_progress, reopened
)

func (s signal) status() providers.Status {
	switch s {
	case sigCreate:
		return providers.StatusOpen
	case sigSwitch, sigReopen:
		return providers.StatusInProgress
	case sigClose:
		return providers.StatusClosed
	}
	return providers.StatusUnknown
}

// eventSignal reads a work_order_change status (create, switch, close, reopen, reply).
func eventSignal(kind string) signal {
	switch strings.ToLower(strings.TrimSpace(kind)) {
	case "create":
		return sigCreate
	case "switch":
		return sigSwitch
	case "close":
		return sigClose
	case "reopen":
		return sigReopen
	}
	return sigNone
}

// flowSignal reads a processing flow's type_name by its text (ASSUME: only 新建工单 and 待处理
// are documented, §4.7). 重新打开 is tested first, since a label such as 重新打开已关闭工单 also
// contains 关闭. 待处理 says nothing (it follows every create and switch).
func flowSignal(typeName string) signal {
	n := strings.TrimSpace(typeName)
	switch {
	case strings.Contains(n, "重新打开") || strings.Contains(n, "重开"):
		return sigReopen
	case strings.Contains(n, "关闭") || strings.Contains(n, "结束") || strings.Contains(n, "完结"):
		return sigClose
	case strings.Contains(n, "流转") || strings.Contains(n, "转交") || strings.Contains(n, "转派"):
		return sigSwitch
	case strings.Contains(n, "新建") || strings.Contains(n, "创建"):
		return sigCreate
	}
	return sigNone
}

// resolution is a resolved state.
type resolution struct {
	status providers.Status
	// mapped is false when no rule applied and status is unknown.
	mapped   bool
	reopened bool
}

// resolve applies the order above to a work order; hint is the kind of the event being
// handled, or "".
func resolve(w *wireOrder, statusMap map[string]providers.Status, hint string) resolution {
	flows := sortedFlows(w.ProcessingFlows)
	latest := sigNone
	for i := len(flows) - 1; i >= 0 && latest == sigNone; i-- {
		latest = flowSignal(string(flows[i].TypeName))
	}
	ev := eventSignal(hint)
	buttonsClosed := bool(w.ButtonOperate.Reopen) && !bool(w.ButtonOperate.Close)
	res := resolution{reopened: bool(w.Reopen) || ev == sigReopen || latest == sigReopen}

	if st, ok := statusMap[strings.TrimSpace(string(w.Status))]; ok && st != providers.StatusUnknown {
		res.status, res.mapped = st, true
		return res
	}
	switch {
	// Weiban's close callback page shows "switch" in its example (a copy-paste error, §4.6):
	// a switch event on a work order the detail shows closed is a close.
	case ev == sigSwitch && (latest == sigClose || buttonsClosed):
		res.status = providers.StatusClosed
	case ev != sigNone:
		res.status = ev.status()
	case latest != sigNone:
		res.status = latest.status()
	case buttonsClosed:
		res.status = providers.StatusClosed
	default:
		res.status = providers.StatusUnknown
		return res
	}
	res.mapped = true
	return res
}

// sortedFlows returns the flows oldest first. Weiban lists them newest first, and several
// share a second, so the flow id breaks ties.
func sortedFlows(flows []wireFlow) []wireFlow {
	out := slices.Clone(flows)
	slices.SortStableFunc(out, func(a, b wireFlow) int {
		if c := a.CreatedAt.Compare(b.CreatedAt.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// mapper turns wire work orders into tickets for one configuration.
type mapper struct {
	staffID   string
	statusMap map[string]providers.Status
}

// ticket maps a work order; hint is the event kind that caused the read, or "".
func (m mapper) ticket(w *wireOrder, hint string) (providers.Ticket, resolution) {
	res := resolve(w, m.statusMap, hint)
	t := providers.Ticket{
		Provider:  "weiban",
		ID:        strings.TrimSpace(string(w.OrderNo)),
		Title:     string(w.Title),
		Content:   content(w),
		Status:    res.status,
		RawStatus: strings.TrimSpace(string(w.Status)),
		RawLabel:  string(w.StageName),
		Type:      string(w.TemplateTitle),
		Customer:  customer(w),
		Creator:   string(cmp.Or(w.CreatorName, w.CreatorID)),
		CreatorID: string(w.CreatorID),
		Handler:   string(cmp.Or(w.HandlerName, w.HandlerID)),
		HandlerID: string(w.HandlerID),
		CreatedAt: w.CreatedAt.Time,
		UpdatedAt: w.UpdatedAt.Time,
	}
	if res.reopened {
		t.Flags = append(t.Flags, providers.FlagReopened)
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = t.CreatedAt
	}
	notes := m.notes(w)
	for i := len(notes) - 1; i >= 0; i-- {
		if notes[i].Body != "" && !notes[i].systemOnly {
			latest := notes[i].Note
			t.LatestNote = &latest
			break
		}
	}
	return t, res
}

// note is a Note plus whether its body is only the flow's label.
type note struct {
	providers.Note
	systemOnly bool
}

// notes returns the processing flows, oldest first. A flow's body is its content text; a flow
// without text shows its type_name, and counts for nothing as a latest note. A flow is
// official unless the bot's own staff id wrote it.
func (m mapper) notes(w *wireOrder) []note {
	flows := sortedFlows(w.ProcessingFlows)
	out := make([]note, 0, len(flows))
	for _, f := range flows {
		body := strings.TrimSpace(string(f.Content.Text))
		system := false
		if body == "" {
			body, system = strings.TrimSpace(string(f.TypeName)), true
		}
		if n := len(f.Content.Pic) + len(f.AttachedJSON); n > 0 {
			body = strings.TrimSpace(fmt.Sprintf("%s [%d 个附件]", body, n))
		}
		author := strings.TrimSpace(string(cmp.Or(f.CreatorName, f.CreatorID)))
		body = providers.NoteBody(author, body)
		out = append(out, note{Note: providers.Note{
			ID:       strconv.FormatInt(int64(f.ID), 10),
			Author:   author,
			Official: f.CreatorID != "" && string(f.CreatorID) != m.staffID,
			Body:     body,
			At:       f.CreatedAt.Time,
		}, systemOnly: system})
	}
	return out
}

// customer is the relation (关系实体: the external contact) and its company.
func customer(w *wireOrder) string {
	name, corp := strings.TrimSpace(string(w.RelationName)), strings.TrimSpace(string(w.RelationCorpName))
	switch {
	case name != "" && corp != "" && name != corp:
		return name + "（" + corp + "）"
	case name != "":
		return name
	}
	return corp
}

// Content limits: the card shows Content, so it stays compact.
const (
	maxTimeline = 5  // flows shown
	maxName     = 12 // runes of a staff name in the timeline
	maxValue    = 80 // runes of a form value
)

// content renders the work order for the card: its text, the custom-form fields that have a
// value in sort order, a short flow timeline, and how long it has run (持续时间).
func content(w *wireOrder) string {
	var lines []string
	if s := strings.TrimSpace(string(w.Content.Text)); s != "" {
		lines = append(lines, s)
	}
	if n := len(w.Content.Pic); n > 0 {
		lines = append(lines, fmt.Sprintf("图片：%d 张", n))
	}
	comps := slices.Clone(w.Components)
	slices.SortStableFunc(comps, func(a, b wireComponent) int { return cmp.Compare(a.Sort, b.Sort) })
	for _, c := range comps {
		if v := componentValue(c); v != "" {
			lines = append(lines, strings.TrimSpace(string(c.Title))+"："+v)
		}
	}
	if tl := timeline(w.ProcessingFlows); tl != "" {
		lines = append(lines, "流程："+tl)
	}
	lines = append(lines, "持续时间："+duration(time.Duration(w.TotalTime)*time.Second))
	return strings.Join(lines, "\n")
}

// componentValue renders one custom-form value: input uses value, select, selectMultiple and
// checked their values (joined with 、), file the file names or links; any other type whatever
// it has.
func componentValue(c wireComponent) string {
	vals := []string(c.Values)
	if len(vals) == 0 && strings.TrimSpace(string(c.Value)) != "" {
		vals = []string{strings.TrimSpace(string(c.Value))}
	}
	if len(vals) == 0 {
		return ""
	}
	if c.ComponentType == "file" {
		names := make([]string, len(vals))
		for i, v := range vals {
			names[i] = truncate(v[strings.LastIndex(v, "/")+1:], 40)
		}
		return fmt.Sprintf("%d 个文件（%s）", len(vals), strings.Join(names, "、"))
	}
	return truncate(strings.Join(vals, "、"), maxValue)
}

// timeline renders the last flows, oldest first: "12-17 19:42 新建工单（张三）→ …".
func timeline(flows []wireFlow) string {
	fs := sortedFlows(flows)
	var parts []string
	if len(fs) > maxTimeline {
		parts = append(parts, "…")
		fs = fs[len(fs)-maxTimeline:]
	}
	for _, f := range fs {
		label := strings.TrimSpace(string(cmp.Or(f.TypeName, flexString("流程"))))
		s := label
		if !f.CreatedAt.IsZero() {
			s = f.CreatedAt.In(shanghai).Format("01-02 15:04") + " " + label
		}
		if who := strings.TrimSpace(string(cmp.Or(f.CreatorName, f.CreatorID))); who != "" {
			s += "（" + truncate(who, maxName) + "）"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " → ")
}

// duration renders total_time compactly in Chinese: "不足1分钟", "3小时5分钟", "2天4小时".
func duration(d time.Duration) string {
	if d < time.Minute {
		return "不足1分钟"
	}
	days, hours, mins := int(d/(24*time.Hour)), int(d/time.Hour)%24, int(d/time.Minute)%60
	var s string
	if days > 0 {
		s += strconv.Itoa(days) + "天"
	}
	if hours > 0 {
		s += strconv.Itoa(hours) + "小时"
	}
	if mins > 0 && days == 0 {
		s += strconv.Itoa(mins) + "分钟"
	}
	return s
}

// truncate cuts s to n runes, marking the cut with "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
