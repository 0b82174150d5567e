package ksyun

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// The raw ticket statuses (工单状态) of the Kingsoft doc.
const (
	statusPending    = 1 // 待处理
	statusProcessing = 2 // 处理中
	statusClosed     = 3 // 已关闭
	statusCancelled  = 4 // 已取消
)

// The per-product-line assignment statuses (产品线处理状态) that matter here.
const (
	assignRejected = 4 // 已拒绝
	assignRevoked  = 5 // 已撤销
)

var statusLabels = map[int]string{1: "待处理", 2: "处理中", 3: "已关闭", 4: "已取消"}

// priorityLevels is Kingsoft's one priority scale, read and create alike: 1 高, 2 中, 3 低
// (创建工单: "优先级(受影响程度)1=高，2=中，3=低"). The list, base and detail pages label the same
// numbers 1 紧急, 2 高级, 3 普通; read that way a ticket filed as 高 came back as 紧急 and one filed
// as 中 as 高级, so the create scale, the one a person chooses from, names them. Kingsoft has no
// level above 高: urgent is filed as 1 and reads back as high.
var priorityLevels = map[int]string{1: providers.PriorityHigh, 2: providers.PriorityNormal, 3: providers.PriorityLow}

// priorityByLabel reads a priority sent as a label rather than a number, in either of the
// doc's wordings of the same three numbers.
var priorityByLabel = map[string]int{"高": 1, "紧急": 1, "中": 2, "高级": 2, "低": 3, "普通": 3}

// priority maps a raw priority (1, "1", or a label) to its display label and normalized
// level. An unknown value is shown as it is, with no level, so nothing is hidden; 0 and "" are
// no priority.
func priority(raw string) (label, level string) {
	raw = strings.TrimSpace(raw)
	n, err := strconv.Atoi(raw)
	if err != nil {
		n = priorityByLabel[raw]
	}
	if lv, ok := priorityLevels[n]; ok {
		return providers.PriorityLabel(lv), lv
	}
	if raw == "0" {
		return "", ""
	}
	return raw, ""
}

var typeLabels = map[int]string{1: "问题排查", 2: "需求反馈", 3: "咨询"}

// shanghai is the zone of naive time strings ("2021-11-11 11:11:11"). China has had no daylight
// saving time since 1991, so a fixed +08:00 is exact and needs no tzdata on the host.
var shanghai = providers.Shanghai

// resolveStatus maps a raw ticket status to the normalized state (status-model.md §4.2).
// Status 2 with finished_time set and solved_time unset means Kingsoft finished and waits for
// the customer to confirm (ASSUME; the doc's own base example is such a ticket).
func resolveStatus(raw string, finished, solved time.Time) (st providers.Status, label string) {
	code, ok := statusCode(raw)
	if !ok {
		return providers.StatusUnknown, ""
	}
	switch code {
	case statusPending:
		st = providers.StatusOpen
	case statusProcessing:
		st = providers.StatusInProgress
		if !finished.IsZero() && solved.IsZero() {
			st = providers.StatusPendingConfirm
		}
	case statusClosed:
		st = providers.StatusClosed
	case statusCancelled:
		st = providers.StatusCancelled
	}
	return st, statusLabels[code]
}

// statusCode reads a raw status as a number ("2", 2) or as its Chinese label ("处理中"); the list
// endpoint sends it as a string of undocumented form.
func statusCode(raw string) (int, bool) {
	raw = strings.TrimSpace(raw)
	if n, err := strconv.Atoi(raw); err == nil {
		_, known := statusLabels[n]
		return n, known
	}
	for n, l := range statusLabels {
		if raw == l {
			return n, true
		}
	}
	return 0, false
}

// computeFlags derives the flags of status-model.md §2: on_hold from is_suspended_notice,
// rejected from any product line's assignment status 4. Revoked lines (5) count for nothing.
func computeFlags(suspended bool, assigns []wireAssign) []providers.Flag {
	var flags []providers.Flag
	if suspended {
		flags = append(flags, providers.FlagOnHold)
	}
	for _, a := range assigns {
		if a.Status == assignRejected {
			flags = append(flags, providers.FlagRejected)
			break
		}
	}
	return flags
}

// label looks a number up in a dictionary. A string that is not a number (a label already) is
// kept; an unknown number is shown as is, so nothing is hidden.
func label(dict map[int]string, raw string) string {
	raw = strings.TrimSpace(raw)
	n, err := strconv.Atoi(raw)
	if err != nil {
		return raw
	}
	if n == 0 {
		return ""
	}
	if l, ok := dict[n]; ok {
		return l
	}
	return raw
}

// flexInt is an integer that may arrive as a JSON number, a numeric string, "", a bool or null.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	switch s {
	case "", "null", "false":
		*n = 0
		return nil
	case "true":
		*n = 1
		return nil
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		*n = flexInt(v)
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("%q is not a number", s)
	}
	*n = flexInt(f)
	return nil
}

// flexString keeps any scalar as text: list sends status and priority as strings, base and
// detail as numbers.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*s = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
		return nil
	}
	*s = flexString(b)
	return nil
}

// flexBool is documented as boolean but described as "0否1是", so both forms are accepted.
type flexBool bool

func (v *flexBool) UnmarshalJSON(b []byte) error {
	switch strings.Trim(string(bytes.TrimSpace(b)), `"`) {
	case "true", "1":
		*v = true
	default:
		*v = false
	}
	return nil
}

// flexTime is a time sent as Unix seconds or milliseconds (number or numeric string), or as a
// naive "2006-01-02 15:04:05" string in Asia/Shanghai; 0, "" and null are the zero time. A
// string that fits no form is also the zero time rather than an error, so one odd field cannot
// hide a whole ticket.
type flexTime struct{ time.Time }

func (t *flexTime) UnmarshalJSON(b []byte) error {
	t.Time = parseTime(strings.Trim(string(bytes.TrimSpace(b)), `"`))
	return nil
}

// parseTime reads a vendor time; see providers.ParseTime.
func parseTime(s string) time.Time { return providers.ParseTime(s) }

// wireTicket is a ticket as base, detail and list_tickets send it; each fills a subset.
type wireTicket struct {
	ID                       flexInt    `json:"id"`
	Type                     flexString `json:"type"`
	Title                    string     `json:"title"`
	Detail                   string     `json:"detail"`
	Status                   flexString `json:"status"`
	Priority                 flexString `json:"priority"`
	CreatorID                flexInt    `json:"creator_id"`
	CreatorName              string     `json:"creator_name"`
	CustomerOrganizationID   flexInt    `json:"customer_organization_id"`
	CustomerOrganizationName string     `json:"customer_organization_name"`
	ProductGroupID           flexInt    `json:"product_group_id"`
	CreatedTime              flexTime   `json:"created_time"`
	UpdatedTime              flexTime   `json:"updated_time"`
	FinishedTime             flexTime   `json:"finished_time"`
	SolvedTime               flexTime   `json:"solved_time"`
	ClosedTime               flexTime   `json:"closed_time"`
	IsSuspendedNotice        flexBool   `json:"is_suspended_notice"`
	// Assigns is sent by detail only.
	Assigns []wireAssign `json:"assigns"`
}

// wireAssign is one product line's assignment (TicketAssign) in detail.
type wireAssign struct {
	ID             flexInt       `json:"id"`
	IsHandler      flexBool      `json:"is_handler"`
	ProductGroupID flexInt       `json:"product_group_id"`
	Status         flexInt       `json:"status"`
	UserID         flexInt       `json:"user_id"`
	UserName       string        `json:"user_name"`
	History        []wireHistory `json:"history"`
}

// wireHistory is one entry of an assignment's history (TicketFlowHistory).
type wireHistory struct {
	ID          flexInt  `json:"id"`
	Action      flexInt  `json:"action"`
	CreatedTime flexTime `json:"created_time"`
	CreatorID   flexInt  `json:"creator_id"`
	CreatorName string   `json:"creator_name"`
	Detail      string   `json:"detail"`
}

// toTicket maps a wire ticket to the normalized form.
func (w wireTicket) toTicket() providers.Ticket {
	st, lbl := resolveStatus(string(w.Status), w.FinishedTime.Time, w.SolvedTime.Time)
	t := providers.Ticket{
		Provider:  "ksyun",
		ID:        strconv.FormatInt(int64(w.ID), 10),
		Title:     w.Title,
		Content:   w.Detail,
		Status:    st,
		RawStatus: strings.TrimSpace(string(w.Status)),
		RawLabel:  lbl,
		Flags:     computeFlags(bool(w.IsSuspendedNotice), w.Assigns),
		Type:      label(typeLabels, string(w.Type)),
		Customer:  w.CustomerOrganizationName,
		Creator:   w.CreatorName,
		CreatedAt: w.CreatedTime.Time,
		UpdatedAt: w.UpdatedTime.Time,
	}
	t.Priority, t.PriorityLevel = priority(string(w.Priority))
	if w.CreatorID != 0 {
		t.CreatorID = strconv.FormatInt(int64(w.CreatorID), 10)
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = t.CreatedAt
	}
	for _, a := range w.Assigns {
		if a.IsHandler && a.Status != assignRevoked && a.UserName != "" {
			t.Handler = a.UserName
			break
		}
	}
	if notes := w.notes(); len(notes) > 0 {
		latest := notes[len(notes)-1]
		t.LatestNote = &latest
	}
	return t
}

// notes returns the history of every product line, oldest first, as notes. Entries without a
// detail (bare status actions, whose codes are unpublished) are left out: there is nothing to
// show. An entry is official unless the ticket's creator wrote it: comments sent through this
// API are written as the creator.
func (w wireTicket) notes() []providers.Note {
	var notes []providers.Note
	seen := map[int64]bool{}
	for _, a := range w.Assigns {
		for _, h := range a.History {
			if strings.TrimSpace(h.Detail) == "" {
				continue
			}
			if h.ID != 0 {
				if seen[int64(h.ID)] {
					continue // the same entry listed under two product lines
				}
				seen[int64(h.ID)] = true
			}
			notes = append(notes, providers.Note{
				ID:       strconv.FormatInt(int64(h.ID), 10),
				Author:   h.CreatorName,
				Official: h.CreatorID != w.CreatorID,
				Body:     providers.NoteBody(h.CreatorName, h.Detail),
				At:       h.CreatedTime.Time,
			})
		}
	}
	slices.SortStableFunc(notes, func(a, b providers.Note) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		x, _ := strconv.ParseInt(a.ID, 10, 64)
		y, _ := strconv.ParseInt(b.ID, 10, 64)
		return cmp.Compare(x, y)
	})
	return notes
}
