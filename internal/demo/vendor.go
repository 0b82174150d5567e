package demo

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/ticketbot/ticketbot/providers/aliyun/aliyuntest"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

// This file is the demo's vendor console: each vendor's back office as its staff would see
// it, acting on the fakes directly (a status change, an engineer's reply). ticketbot learns
// of it as it would in production: the watcher's poll, and for Weiban the signed
// work_order_change push.

// vendorDesk is one vendor's back office.
type vendorDesk struct {
	name, label, noteAs string
	actions             []vendorAction
	tickets             func() []vendorTicket
	// act moves a ticket (an action id) or, for "note", writes text as the vendor's staff.
	act func(ctx context.Context, id, action, text string) error
}

// vendorView is a desk as the page draws it.
type vendorView struct {
	Name    string         `json:"name"`
	Label   string         `json:"label"`
	NoteAs  string         `json:"note_as"`
	Actions []vendorAction `json:"actions"`
	Tickets []vendorTicket `json:"tickets"`
}

// vendorAction is a status a ticket can be moved to.
type vendorAction struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

type vendorTicket struct {
	ID    string `json:"id"`
	Ref   string `json:"ref"`
	Title string `json:"title"`
	// State is the id of the action whose status the ticket has ("" for none of them).
	State       string       `json:"state"`
	StatusLabel string       `json:"status_label"`
	Notes       []vendorNote `json:"notes"`
}

type vendorNote struct {
	Author string `json:"author"`
	Text   string `json:"text"`
	At     int64  `json:"at"` // Unix ms
}

// noteAction is the action id of writing a reply.
const noteAction = "note"

// shownNotes is how many of a ticket's latest notes the console shows.
const shownNotes = 3

func (v vendorDesk) view() vendorView {
	return vendorView{Name: v.name, Label: v.label, NoteAs: v.noteAs, Actions: v.actions, Tickets: v.tickets()}
}

// vendorAct runs an action of the console.
func (d *demo) vendorAct(ctx context.Context, vendor, id, action, text string) error {
	for _, desk := range d.desks {
		if desk.name != vendor {
			continue
		}
		if action == noteAction && text == "" {
			return fmt.Errorf("%w: 请输入回复内容", errBadInput)
		}
		if action != noteAction && !slices.ContainsFunc(desk.actions, func(a vendorAction) bool { return a.ID == action }) {
			return fmt.Errorf("%w: unknown action %q", errBadInput, action)
		}
		if err := desk.act(ctx, id, action, text); err != nil {
			return err
		}
		d.refresh()
		return nil
	}
	return fmt.Errorf("%w: unknown vendor %q", errBadInput, vendor)
}

func newVendorDesks(f *demoFakes, botURL string) []vendorDesk {
	return []vendorDesk{ksyunDesk(f.ksyun), aliyunDesk(f.aliyun), weibanDesk(f.weiban, botURL+"/weiban/events")}
}

func ksyunDesk(f *ksyuntest.Server) vendorDesk {
	actions := []vendorAction{
		{"pending", "待处理"}, {"processing", "处理中"}, {"finished", "处理完毕（待确认）"},
		{"closed", "已关闭"}, {"cancelled", "已取消"},
	}
	state := func(t ksyuntest.Ticket) string {
		switch t.Status {
		case 1:
			return "pending"
		case 2:
			if t.FinishedTime != 0 {
				return "finished"
			}
			return "processing"
		case 3:
			return "closed"
		case 4:
			return "cancelled"
		}
		return ""
	}
	return vendorDesk{
		name: "ksyun", label: "金山云", noteAs: "金山云工程师", actions: actions,
		tickets: func() []vendorTicket {
			var out []vendorTicket
			for _, t := range f.Tickets() {
				id := strconv.FormatInt(t.ID, 10)
				vt := vendorTicket{ID: id, Ref: "ksyun:" + id, Title: t.Title, State: state(t), StatusLabel: actionLabel(actions, state(t), strconv.Itoa(t.Status))}
				for _, a := range t.Assigns {
					for _, h := range a.History {
						vt.Notes = append(vt.Notes, vendorNote{Author: h.CreatorName, Text: h.Detail, At: h.CreatedTime * 1000})
					}
				}
				out = append(out, vt)
			}
			return newestFirst(out)
		},
		act: func(_ context.Context, id, action, text string) error {
			switch action {
			case noteAction:
				return f.AddNote(id, "金山云工程师", text)
			case "pending":
				return f.SetStatus(id, 1)
			case "processing":
				return f.Resume(id)
			case "finished":
				return f.Finish(id)
			case "closed":
				return f.SetStatus(id, 3)
			case "cancelled":
				return f.SetStatus(id, 4)
			}
			return nil
		},
	}
}

func aliyunDesk(f *aliyuntest.Server) vendorDesk {
	// The Aliyun status codes (2016 names, which the fake also serves as 2021 values).
	actions := []vendorAction{
		{"assigned", "已分派"}, {"dealing", "处理中"}, {"wait_feedback", "待反馈（待我方补充）"},
		{"wait_confirm", "待确认"}, {"confirmed", "已确认（关闭）"},
	}
	extra := map[string]string{"feedback": "已反馈", "score": "已评价"}
	return vendorDesk{
		name: "aliyun", label: "阿里云", noteAs: aliyuntest.StaffName, actions: actions,
		tickets: func() []vendorTicket {
			var out []vendorTicket
			for _, t := range f.Tickets() {
				label := actionLabel(actions, t.Status, t.Status)
				if l, ok := extra[t.Status]; ok {
					label = l
				}
				vt := vendorTicket{ID: t.ID, Ref: "aliyun:" + t.ID, Title: t.Title, State: t.Status, StatusLabel: label}
				for _, n := range t.Notes {
					who, text := "用户", n.Content
					if n.Official {
						who = cmp.Or(n.Author, aliyuntest.StaffName)
					}
					if n.Secret {
						text = "（机密内容，不显示）"
					}
					vt.Notes = append(vt.Notes, vendorNote{Author: who, Text: text, At: n.At.UnixMilli()})
				}
				out = append(out, vt)
			}
			return newestFirst(out)
		},
		act: func(_ context.Context, id, action, text string) error {
			if action == noteAction {
				return f.AddOfficialNote(id, text)
			}
			return f.SetStatus(id, action)
		},
	}
}

// weibanDesk pushes a work_order_change after every move, sealed as Weiban seals it, to
// ticketbot's /weiban/events: Weiban tells its subscribers at once.
func weibanDesk(f *weibantest.Server, eventsURL string) vendorDesk {
	actions := []vendorAction{{"processing", "处理中"}, {"closed", "已关闭"}, {"reopen", "重新打开"}}
	staff := map[string]string{weibantest.BotStaffID: weibantest.BotName, weibantest.AgentID: weibantest.AgentName, weibantest.Agent2ID: weibantest.Agent2Name}
	maps.Copy(staff, demoWeibanStaff)
	return vendorDesk{
		name: "weiban", label: "微伴助手", noteAs: "客服 " + weibantest.AgentName, actions: actions,
		tickets: func() []vendorTicket {
			var out []vendorTicket
			for _, o := range f.Orders() {
				// Every Weiban fake holds the API document's example work order (titled
				// 2021年12月17日19:42:43, by 超长昵称你怕了吗…), which the fake's own tests rely
				// on; the demo's console shows its sample work orders instead.
				if o.OrderNo == weibantest.DocOrderNo {
					continue
				}
				vt := vendorTicket{ID: o.OrderNo, Ref: "weiban:" + o.OrderNo, Title: o.Title}
				switch o.Status {
				case weibantest.StatusNew:
					vt.StatusLabel = "待处理"
				case weibantest.StatusProcessing:
					vt.State, vt.StatusLabel = "processing", "处理中"
					if o.Reopen {
						vt.State, vt.StatusLabel = "reopen", "处理中（已重新打开）"
					}
				case weibantest.StatusClosed:
					vt.State, vt.StatusLabel = "closed", "已关闭"
				default:
					vt.StatusLabel = strconv.Itoa(o.Status)
				}
				for _, fl := range slices.Backward(o.Flows) { // oldest first
					text := fl.Text
					if text == "" {
						text = "（" + fl.TypeName + "）"
					}
					vt.Notes = append(vt.Notes, vendorNote{Author: cmp.Or(staff[fl.CreatorID], fl.CreatorID), Text: text, At: fl.CreatedAt * 1000})
				}
				out = append(out, vt)
			}
			return newestFirst(out)
		},
		act: func(ctx context.Context, no, action, text string) error {
			var kind string
			var err error
			switch action {
			case noteAction:
				kind, err = "reply", f.AddFlow(no, weibantest.AgentID, text)
			case "processing":
				kind, err = "switch", f.SetStatus(no, weibantest.StatusProcessing)
			case "closed":
				kind, err = "close", f.SetStatus(no, weibantest.StatusClosed)
			case "reopen":
				kind, err = "reopen", f.Reopen(no, weibantest.AgentID)
			}
			if err != nil {
				return err
			}
			status, err := f.PushChange(ctx, eventsURL, no, kind)
			if err != nil {
				return fmt.Errorf("weiban push: %w", err)
			}
			if status != http.StatusOK {
				return fmt.Errorf("ticketbot answered the Weiban push with HTTP %d", status)
			}
			return nil
		},
	}
}

// actionLabel is the label of the action id, else fallback.
func actionLabel(actions []vendorAction, id, fallback string) string {
	for _, a := range actions {
		if a.ID == id {
			return a.Label
		}
	}
	return fallback
}

// newestFirst reverses a vendor's list (every fake lists oldest first) and keeps only the
// latest notes of each ticket.
func newestFirst(ts []vendorTicket) []vendorTicket {
	slices.Reverse(ts)
	for i := range ts {
		if ts[i].Notes == nil {
			ts[i].Notes = []vendorNote{}
		}
		slices.SortStableFunc(ts[i].Notes, func(a, b vendorNote) int { return cmp.Compare(a.At, b.At) })
		if n := len(ts[i].Notes); n > shownNotes {
			ts[i].Notes = ts[i].Notes[n-shownNotes:]
		}
	}
	if ts == nil {
		ts = []vendorTicket{}
	}
	return ts
}
