package aliyun

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// statusDef is one row of status-model.md §4.1: a 2016-08-30 code, its 2021-06-10 value, their
// labels, the normalized state and the flag the raw value implies.
type statusDef struct {
	code    string // 2016-08-30 questionStatus
	value   string // 2021-06-10 Status.Value, "" when that version has none
	label   string // the V1.3 document's label (工单状态字典)
	label21 string // the 2021-06-10 label, where it differs
	status  providers.Status
	flag    providers.Flag
}

// statusDefs is the Aliyun status dictionary. Aliyun has no cancelled state, so cancelled is
// never produced.
var statusDefs = []statusDef{
	{code: "assigned", value: "1", label: "已分派", label21: "待响应", status: providers.StatusOpen},
	{code: "dealing", value: "2", label: "处理中", status: providers.StatusInProgress},
	{code: "wait_feedback", value: "3", label: "待反馈", status: providers.StatusWaitingOnUs},
	// feedback: our reply waits for Aliyun, so the ticket is theirs again.
	{code: "feedback", value: "4", label: "已反馈", status: providers.StatusInProgress, flag: providers.FlagCustomerReplied},
	{code: "wait_confirm", value: "5", label: "待确认", status: providers.StatusPendingConfirm},
	{code: "confirmed", value: "6", label: "已确认", label21: "已完成", status: providers.StatusClosed},
	{code: "score", label: "已评价", status: providers.StatusClosed, flag: providers.FlagRated},
}

// statusIndex finds a statusDef by normalized code, by 2021 value and by either label.
var statusIndex = func() map[string]*statusDef {
	m := map[string]*statusDef{}
	for i := range statusDefs {
		d := &statusDefs[i]
		for _, k := range []string{d.code, d.value, d.label, d.label21} {
			if k != "" {
				m[k] = d
			}
		}
	}
	return m
}()

// normalizeStatus lower-cases a raw status and turns '-' into '_': the ListTickets page spells
// wait_feedback as wait-feedback.
func normalizeStatus(raw string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(raw)), "-", "_")
}

// resolveStatus maps a raw status (a 2016 code, a 2021 value as int or string, or a Chinese
// label) to the normalized state, its flags and its display label (status-model.md §4.1).
// vendorLabel is the label the vendor sent with the value (2021 Status.Label), preferred when
// present. An unknown value is StatusUnknown with no flags; nothing is guessed.
func resolveStatus(raw, vendorLabel string) (providers.Status, []providers.Flag, string) {
	vendorLabel = strings.TrimSpace(vendorLabel)
	key := normalizeStatus(raw)
	d, ok := statusIndex[key]
	if !ok {
		return providers.StatusUnknown, nil, vendorLabel
	}
	label := d.label
	switch {
	case vendorLabel != "":
		label = vendorLabel
	case key == d.value && d.label21 != "":
		label = d.label21
	case key == d.label21:
		label = d.label21
	}
	var flags []providers.Flag
	if d.flag != "" {
		flags = []providers.Flag{d.flag}
	}
	return d.status, flags, label
}

// statusCode returns the 2016 code of a raw status in any accepted form, or "" if unknown.
func statusCode(raw string) string {
	if d, ok := statusIndex[normalizeStatus(raw)]; ok {
		return d.code
	}
	return ""
}

// severityLabels are the 2021-06-10 CreateTicket severities as Aliyun labels them (Severity
// 1 一般, 2 紧急).
var severityLabels = map[string]string{"1": "一般", "2": "紧急"}

// severityLevels are the normalized levels of the severities: 一般 is normal (中), 紧急 urgent.
// 2021-06-10 has no high and no low; 2016-08-30 has no priority at all.
var severityLevels = map[string]string{"1": providers.PriorityNormal, "2": providers.PriorityUrgent}

// severity maps a 2021 Severity {Label, Value} to the display label and normalized level. The
// value decides; a bare label is read by its meaning. An unknown severity is shown as Aliyun
// labels it, with no level, so nothing is hidden.
func severity(lv labelValue) (label, level string) {
	v, l := strings.TrimSpace(lv.Value), strings.TrimSpace(lv.Label)
	level, ok := severityLevels[v]
	if !ok && v == "" {
		for val, lab := range severityLabels {
			if lab == l {
				level, ok = severityLevels[val], true
			}
		}
	}
	if ok {
		return providers.PriorityLabel(level), level
	}
	return cmp.Or(l, v), ""
}

// Authors of notes that carry no name: the 2016 notes say only official or user.
const (
	AuthorOfficial = "阿里云工程师"
	AuthorUser     = "我方"
)

// SecretPlaceholder replaces the body of a confidential note (2016 sec_chat) in Notes and in
// Ticket.LatestNote, which may be shown in a group chat. NoteDetails has the real body.
const SecretPlaceholder = "（机密信息，已隐藏）"

// shanghai is the zone of naive time strings. China has had no daylight saving time since
// 1991, so a fixed +08:00 is exact and needs no tzdata on the host.
var shanghai = providers.Shanghai

// flexString keeps any JSON scalar as text: Aliyun sends codes and ids as numbers in one
// document and as strings in another.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*s = ""
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
	case len(b) > 0 && (b[0] == '{' || b[0] == '['):
		return fmt.Errorf("aliyun: want a scalar, got %.20s", b)
	default:
		*s = flexString(b)
	}
	return nil
}

// flexInt is an integer sent as a number or a numeric string; "" and null are 0.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return fmt.Errorf("aliyun: %q is not a number", s)
		}
		v = int64(f)
	}
	*n = flexInt(v)
	return nil
}

// optBool is a boolean that may be absent, sent as true/false or as the string "true"/"false"
// (the V1.3 document types success as STRING in add and BOOLEAN in QuestionReply).
type optBool struct{ set, v bool }

func (o *optBool) UnmarshalJSON(b []byte) error {
	s := strings.ToLower(strings.Trim(string(bytes.TrimSpace(b)), `"`))
	*o = optBool{set: s != "null" && s != "", v: s == "true" || s == "1"}
	return nil
}

// official is the 2016 note's fromOfficial: "official" or "user" in the V1.3 document, a bool
// in help.aliyun 143230.
type official bool

func (o *official) UnmarshalJSON(b []byte) error {
	s := strings.ToLower(strings.Trim(string(bytes.TrimSpace(b)), `"`))
	*o = s == "official" || s == "true" || s == "1"
	return nil
}

// flexList is a list of ids sent as an array of strings or numbers, as an object wrapping one
// (help.aliyun 143230: "attachIds": {"attachId": [...]}), or as a comma-separated string.
type flexList []string

func (l *flexList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*l = nil
	switch {
	case len(b) == 0 || string(b) == "null":
		return nil
	case b[0] == '[':
		var items []flexString
		if err := json.Unmarshal(b, &items); err != nil {
			return err
		}
		for _, it := range items {
			if s := strings.TrimSpace(string(it)); s != "" {
				*l = append(*l, s)
			}
		}
	case b[0] == '{':
		var m map[string]flexList
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			*l = append(*l, m[k]...)
		}
	default:
		var s flexString
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		for part := range strings.SplitSeq(string(s), ",") {
			if part = strings.TrimSpace(part); part != "" {
				*l = append(*l, part)
			}
		}
	}
	return nil
}

// flexTime is a time sent as Unix milliseconds or seconds (number or numeric string): the V1.3
// document says milliseconds, help.aliyun 143231 shows seconds, so values below 10^12 are read
// as seconds. RFC 3339 and naive Asia/Shanghai strings are accepted too; anything else is the
// zero time rather than an error, so one odd field cannot hide a whole ticket.
type flexTime struct{ time.Time }

func (t *flexTime) UnmarshalJSON(b []byte) error {
	t.Time = parseTime(strings.Trim(string(bytes.TrimSpace(b)), `"`))
	return nil
}

// parseTime reads a vendor time; see providers.ParseTime.
func parseTime(s string) time.Time { return providers.ParseTime(s) }

// labelValue is a 2021-06-10 {Label, Value} pair (Status, Severity); a bare scalar is read as
// the value.
type labelValue struct {
	Label string
	Value string
}

func (lv *labelValue) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var v struct {
			Label string     `json:"Label"`
			Value flexString `json:"Value"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*lv = labelValue{Label: v.Label, Value: string(v.Value)}
		return nil
	}
	var s flexString
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*lv = labelValue{Value: string(s)}
	return nil
}

// wireQuestion is a 2016-08-30 ticket as QuestionList sends it. The V1.3 document spells the
// keys id, productId, …; help.aliyun 143231 spells them Id, ProductId, …: encoding/json matches
// keys case-insensitively, so one struct reads both.
type wireQuestion struct {
	ID             flexString `json:"id"`
	ProductID      flexString `json:"productId"`
	Title          string     `json:"title"`
	UID            flexString `json:"uid"`
	QuestionStatus flexString `json:"questionStatus"`
	AddTime        flexTime   `json:"addTime"`
}

// questionList is a QuestionList answer in either nesting: data[] (V1.3 document) or
// ListResult.QuestionDetail[] with Count (help.aliyun 143231).
type questionList struct {
	Data       json.RawMessage `json:"data"`
	ListResult struct {
		QuestionDetail []wireQuestion `json:"QuestionDetail"`
	} `json:"ListResult"`
	Count flexInt `json:"Count"`
}

// questions returns the tickets of either nesting, and the total when the vendor sent one.
func (l questionList) questions() ([]wireQuestion, int64, error) {
	qs := l.ListResult.QuestionDetail
	if len(qs) == 0 && !emptyJSON(l.Data) {
		var data []wireQuestion
		if err := json.Unmarshal(l.Data, &data); err != nil {
			// A data object wrapping the list, by analogy with ListResult.
			var wrapped struct {
				QuestionDetail []wireQuestion `json:"QuestionDetail"`
				List           []wireQuestion `json:"list"`
				Count          flexInt        `json:"Count"`
			}
			if err2 := json.Unmarshal(l.Data, &wrapped); err2 != nil {
				return nil, 0, fmt.Errorf("data is not a ticket list: %w", err)
			}
			data = append(wrapped.QuestionDetail, wrapped.List...)
			if l.Count == 0 {
				l.Count = wrapped.Count
			}
		}
		qs = data
	}
	total := int64(l.Count)
	if total == 0 {
		total = int64(len(qs))
	}
	return qs, total, nil
}

// toTicket maps a 2016 ticket. QuestionList carries no content, handler or update time, so
// UpdatedAt is the creation time until notes say more.
func (q wireQuestion) toTicket() providers.Ticket {
	raw := strings.TrimSpace(string(q.QuestionStatus))
	st, flags, label := resolveStatus(raw, "")
	return providers.Ticket{
		Provider:  "aliyun",
		ID:        strings.TrimSpace(string(q.ID)),
		Title:     q.Title,
		Status:    st,
		RawStatus: raw,
		RawLabel:  label,
		Flags:     flags,
		CreatorID: strings.TrimSpace(string(q.UID)),
		CreatedAt: q.AddTime.Time,
		UpdatedAt: q.AddTime.Time,
	}
}

// wireNote is a 2016-08-30 note as QuestionListNote sends it (V1.3 document: content, noteType,
// fromOfficial "official"|"user", gmtCreated ms, attachIds[]; help.aliyun 143230: the same keys
// capitalized, FromOfficial a bool, attachIds.attachId[]).
type wireNote struct {
	Content      string   `json:"content"`
	NoteType     string   `json:"noteType"`
	FromOfficial official `json:"fromOfficial"`
	GmtCreated   flexTime `json:"gmtCreated"`
	AttachIDs    flexList `json:"attachIds"`
}

// noteList is a QuestionListNote answer in either nesting: data[] or ListResult.NoteInfo[].
type noteList struct {
	Data       []wireNote `json:"data"`
	ListResult struct {
		NoteInfo []wireNote `json:"NoteInfo"`
	} `json:"ListResult"`
}

// details maps 2016 notes, oldest first. The notes carry no id, so one is made from the
// creation time and the note's rank among notes of the same millisecond ("1700000000000-0"):
// stable because the list only grows, comparable in time order, and derived from nothing
// secret (a hash of a sec_chat body could be brute-forced back to a short password).
func (l noteList) details() []NoteDetail {
	src := l.ListResult.NoteInfo
	if len(src) == 0 {
		src = l.Data
	}
	notes := slices.Clone(src)
	slices.SortStableFunc(notes, func(a, b wireNote) int { return a.GmtCreated.Compare(b.GmtCreated.Time) })
	out := make([]NoteDetail, 0, len(notes))
	rank := map[int64]int{}
	for _, n := range notes {
		ms := n.GmtCreated.UnixMilli()
		if n.GmtCreated.IsZero() {
			ms = 0
		}
		author := AuthorUser
		if n.FromOfficial {
			author = AuthorOfficial
		}
		kind := strings.ToLower(strings.TrimSpace(n.NoteType))
		out = append(out, NoteDetail{
			Note: providers.Note{
				ID:       fmt.Sprintf("%d-%d", ms, rank[ms]),
				Author:   author,
				Official: bool(n.FromOfficial),
				Body:     n.Content,
				At:       n.GmtCreated.Time,
			},
			Kind:      kind,
			Secret:    kind == "sec_chat",
			AttachIDs: []string(n.AttachIDs),
		})
		rank[ms]++
	}
	return out
}

// wireTicket21 is a 2021-06-10 ticket as GetTicket and ListTickets send it.
type wireTicket21 struct {
	TicketID    flexString `json:"TicketId"`
	Title       string     `json:"Title"`
	Description string     `json:"Description"`
	CreateTime  flexTime   `json:"CreateTime"`
	CreatorID   flexString `json:"CreatorId"`
	CategoryID  flexString `json:"CategoryId"`
	Status      labelValue `json:"Status"`
	Severity    labelValue `json:"Severity"`
}

// toTicket maps a 2021 ticket; its label (Status.Label) is kept as RawLabel.
func (w wireTicket21) toTicket() providers.Ticket {
	raw := strings.TrimSpace(w.Status.Value)
	st, flags, label := resolveStatus(raw, w.Status.Label)
	sev, level := severity(w.Severity)
	return providers.Ticket{
		Provider:      "aliyun",
		ID:            strings.TrimSpace(string(w.TicketID)),
		Title:         w.Title,
		Content:       w.Description,
		Status:        st,
		RawStatus:     raw,
		RawLabel:      label,
		Flags:         flags,
		Priority:      sev,
		PriorityLevel: level,
		CreatorID:     strings.TrimSpace(string(w.CreatorID)),
		CreatedAt:     w.CreateTime.Time,
		UpdatedAt:     w.CreateTime.Time,
	}
}

// wireDialog is one 2021-06-10 ListTicketNotes entry. Type is 1 card or 2 text; User.Role is 2
// for Aliyun staff (客服) and 3 for the user.
type wireDialog struct {
	DialogID   flexString `json:"DialogId"`
	CreateTime flexTime   `json:"CreateTime"`
	Type       flexInt    `json:"Type"`
	Dialog     struct {
		Content string `json:"Content"`
		Schema  string `json:"Schema"`
	} `json:"Dialog"`
	User struct {
		Role flexInt `json:"Role"`
		Name string  `json:"Name"`
	} `json:"User"`
	Attachments []struct {
		Name string `json:"Name"`
		URL  string `json:"Url"`
	} `json:"Attachments"`
}

// roleStaff is User.Role of Aliyun's staff in ListTicketNotes.
const roleStaff = 2

// dialogDetails maps 2021 notes, oldest first, by DialogId then.
func dialogDetails(ds []wireDialog) []NoteDetail {
	out := make([]NoteDetail, 0, len(ds))
	for _, d := range ds {
		off := d.User.Role == roleStaff
		author := strings.TrimSpace(d.User.Name)
		if author == "" {
			author = AuthorUser
			if off {
				author = AuthorOfficial
			}
		}
		nd := NoteDetail{
			Note: providers.Note{
				ID:       strings.TrimSpace(string(d.DialogID)),
				Author:   author,
				Official: off,
				Body:     d.Dialog.Content,
				At:       d.CreateTime.Time,
			},
			Kind: map[flexInt]string{1: "card", 2: "text"}[d.Type],
		}
		for _, a := range d.Attachments {
			nd.Attachments = append(nd.Attachments, NoteAttachment{Name: a.Name, URL: a.URL})
		}
		out = append(out, nd)
	}
	slices.SortStableFunc(out, func(a, b NoteDetail) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// publicNotes returns the notes fit for a group chat: confidential bodies are replaced by
// SecretPlaceholder.
func publicNotes(ds []NoteDetail) []providers.Note {
	out := make([]providers.Note, 0, len(ds))
	for _, d := range ds {
		n := d.Note
		if d.Secret {
			n.Body = SecretPlaceholder
		}
		out = append(out, n)
	}
	return out
}

// withNotes sets the ticket's latest note, and moves UpdatedAt to it when later. Aliyun lists
// the ticket's own description as the first entry of its conversation (2016 add's content, 2021
// CreateTicket's Description, by the customer): it is not a reply, so it never becomes the
// latest note, and a ticket nobody has answered yet has none.
func withNotes(t providers.Ticket, notes []providers.Note) providers.Ticket {
	if len(notes) > 0 && !notes[0].Official {
		notes = notes[1:]
	}
	if len(notes) == 0 {
		return t
	}
	latest := notes[len(notes)-1]
	t.LatestNote = &latest
	if latest.At.After(t.UpdatedAt) {
		t.UpdatedAt = latest.At
	}
	return t
}

// flexID reads a new ticket's id from data: a string, a number, or an object carrying an id
// (the V1.3 document says only "成功时返回新创建工单的 ID").
func flexID(data json.RawMessage) string {
	data = bytes.TrimSpace(data)
	if emptyJSON(data) {
		return ""
	}
	if data[0] == '{' {
		var v struct {
			ID       flexString `json:"id"`
			TicketID flexString `json:"TicketId"`
		}
		_ = json.Unmarshal(data, &v)
		return strings.TrimSpace(string(cmp.Or(v.TicketID, v.ID)))
	}
	var s flexString
	_ = json.Unmarshal(data, &s)
	return strings.TrimSpace(string(s))
}

// emptyJSON reports whether a raw value holds nothing.
func emptyJSON(d json.RawMessage) bool {
	s := strings.TrimSpace(string(d))
	return s == "" || s == "null" || s == "{}" || s == `""` || s == "[]"
}
