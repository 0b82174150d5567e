package ksyun

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

func TestResolveStatus(t *testing.T) {
	set := time.Unix(1632742075, 0)
	var unset time.Time
	tests := []struct {
		raw              string
		finished, solved time.Time
		want             providers.Status
		wantLabel        string
	}{
		{"1", unset, unset, providers.StatusOpen, "待处理"},
		{"2", unset, unset, providers.StatusInProgress, "处理中"},
		{"2", set, unset, providers.StatusPendingConfirm, "处理中"},
		{"2", set, set, providers.StatusInProgress, "处理中"},
		{"2", unset, set, providers.StatusInProgress, "处理中"},
		{"1", set, unset, providers.StatusOpen, "待处理"}, // the refinement is for 处理中 only
		{"3", set, set, providers.StatusClosed, "已关闭"},
		{"4", unset, unset, providers.StatusCancelled, "已取消"},
		{" 3 ", unset, unset, providers.StatusClosed, "已关闭"},
		{"处理中", unset, unset, providers.StatusInProgress, "处理中"},
		{"已取消", unset, unset, providers.StatusCancelled, "已取消"},
		{"0", unset, unset, providers.StatusUnknown, ""},
		{"5", unset, unset, providers.StatusUnknown, ""},
		{"", unset, unset, providers.StatusUnknown, ""},
		{"closed", unset, unset, providers.StatusUnknown, ""},
	}
	for _, tt := range tests {
		t.Run(tt.raw+"/"+string(tt.want), func(t *testing.T) {
			got, lbl := resolveStatus(tt.raw, tt.finished, tt.solved)
			if got != tt.want || lbl != tt.wantLabel {
				t.Errorf("resolveStatus(%q) = %s %q, want %s %q", tt.raw, got, lbl, tt.want, tt.wantLabel)
			}
		})
	}
}

func TestComputeFlags(t *testing.T) {
	tests := []struct {
		name      string
		suspended bool
		statuses  []flexInt
		want      []providers.Flag
	}{
		{"none", false, []flexInt{1, 2, 3}, nil},
		{"suspended", true, nil, []providers.Flag{providers.FlagOnHold}},
		{"one line rejected", false, []flexInt{2, 4}, []providers.Flag{providers.FlagRejected}},
		{"two lines rejected give one flag", true, []flexInt{4, 4}, []providers.Flag{providers.FlagOnHold, providers.FlagRejected}},
		{"revoked is not rejected", false, []flexInt{5}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var assigns []wireAssign
			for _, s := range tt.statuses {
				assigns = append(assigns, wireAssign{Status: s})
			}
			if got := computeFlags(tt.suspended, assigns); !slices.Equal(got, tt.want) {
				t.Errorf("computeFlags = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"1632742075", time.Unix(1632742075, 0)},
		{"1632742075123", time.UnixMilli(1632742075123)},
		{"2021-11-11 11:11:11", time.Date(2021, 11, 11, 3, 11, 11, 0, time.UTC)},
		{"2021-11-11T11:11:11", time.Date(2021, 11, 11, 3, 11, 11, 0, time.UTC)},
		{"2021-11-11T11:11:11Z", time.Date(2021, 11, 11, 11, 11, 11, 0, time.UTC)},
		{"2021-11-11", time.Date(2021, 11, 10, 16, 0, 0, 0, time.UTC)},
		{"0", time.Time{}},
		{"-5", time.Time{}},
		{"", time.Time{}},
		{"null", time.Time{}},
		{"yesterday", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := parseTime(tt.in); !got.Equal(tt.want) {
				t.Errorf("parseTime(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestFlexDecoding(t *testing.T) {
	var v struct {
		A, B, C, D flexInt
		S1, S2, S3 flexString
		T1, T2, T3 flexBool
		Time1      flexTime
		Time2      flexTime
	}
	in := `{"A":5,"B":"6","C":"","D":null,"S1":"处理中","S2":2,"S3":null,"T1":true,"T2":1,"T3":"0",
		"Time1":1632742075,"Time2":"2021-09-27 19:27:55"}`
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != 5 || v.B != 6 || v.C != 0 || v.D != 0 {
		t.Errorf("flexInt: %v %v %v %v", v.A, v.B, v.C, v.D)
	}
	if v.S1 != "处理中" || v.S2 != "2" || v.S3 != "" {
		t.Errorf("flexString: %q %q %q", v.S1, v.S2, v.S3)
	}
	if !v.T1 || !v.T2 || v.T3 {
		t.Errorf("flexBool: %v %v %v", v.T1, v.T2, v.T3)
	}
	if !v.Time1.Equal(v.Time2.Time) {
		t.Errorf("flexTime: %v and %v should be the same instant", v.Time1, v.Time2)
	}
	if err := json.Unmarshal([]byte(`{"A":"abc"}`), &v); err == nil {
		t.Error("flexInt accepted a non-number")
	}
}

func TestLabel(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"1", "问题排查"}, {"3", "咨询"}, {"0", ""}, {"", ""}, {"9", "9"}, {"咨询", "咨询"},
	}
	for _, tt := range tests {
		if got := label(typeLabels, tt.raw); got != tt.want {
			t.Errorf("label(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

// TestPriority reads Kingsoft's priority on its one scale (1 高, 2 中, 3 低), as a number, a
// numeric string (list) or a label in either of the doc's wordings.
func TestPriority(t *testing.T) {
	tests := []struct{ raw, label, level string }{
		{"1", "高", "high"}, {"2", "中", "normal"}, {"3", "低", "low"}, {" 2 ", "中", "normal"},
		{"高", "高", "high"}, {"中", "中", "normal"}, {"低", "低", "low"},
		{"紧急", "高", "high"}, {"高级", "中", "normal"}, {"普通", "低", "low"},
		{"0", "", ""}, {"", "", ""}, {"9", "9", ""}, {"特急", "特急", ""},
	}
	for _, tt := range tests {
		if label, level := priority(tt.raw); label != tt.label || level != tt.level {
			t.Errorf("priority(%q) = %q %q, want %q %q", tt.raw, label, level, tt.label, tt.level)
		}
	}
}

func TestToTicket(t *testing.T) {
	in := `{
		"id": 1204, "type": 2, "title": "数据库连接超时", "detail": "连接池耗尽", "status": 2, "priority": 1,
		"creator_id": 38361, "creator_name": "姜程", "customer_organization_name": "客户甲",
		"product_group_id": 36, "created_time": "2021-11-11 11:11:11", "updated_time": 1636600000,
		"finished_time": 0, "solved_time": 0, "is_suspended_notice": 1,
		"assigns": [
			{"id": 1, "is_handler": true, "status": 5, "user_name": "撤销的人",
			 "history": [{"id": 11, "creator_id": 90001, "creator_name": "张工", "detail": "已撤销前的回复", "created_time": "2021-11-11 12:00:00"}]},
			{"id": 2, "is_handler": false, "status": 4, "user_name": "拒绝的人",
			 "history": [{"id": 21, "creator_id": 38361, "creator_name": "姜程", "detail": "补充日志", "created_time": "2021-11-11 13:00:00"},
			             {"id": 22, "creator_id": 90002, "creator_name": "李工", "detail": "", "created_time": "2021-11-11 15:00:00"}]},
			{"id": 3, "is_handler": true, "status": 2, "user_name": "王工",
			 "history": [{"id": 31, "creator_id": 90003, "creator_name": "王工", "detail": "正在排查", "created_time": "2021-11-11 14:00:00"},
			             {"id": 11, "creator_id": 90001, "creator_name": "张工", "detail": "已撤销前的回复", "created_time": "2021-11-11 12:00:00"}]}
		]}`
	var w wireTicket
	if err := json.Unmarshal([]byte(in), &w); err != nil {
		t.Fatal(err)
	}
	got := w.toTicket()
	at := func(h int) time.Time { return time.Date(2021, 11, 11, h-8, 0, 0, 0, time.UTC) }
	want := providers.Ticket{
		Provider: "ksyun", ID: "1204", Title: "数据库连接超时", Content: "连接池耗尽",
		Status: providers.StatusInProgress, RawStatus: "2", RawLabel: "处理中",
		Flags:    []providers.Flag{providers.FlagOnHold, providers.FlagRejected},
		Priority: "高", PriorityLevel: "high", Type: "需求反馈", Customer: "客户甲", Creator: "姜程", CreatorID: "38361",
		Handler:   "王工",
		CreatedAt: time.Date(2021, 11, 11, 3, 11, 11, 0, time.UTC), UpdatedAt: time.Unix(1636600000, 0),
		LatestNote: &providers.Note{ID: "31", Author: "王工", Official: true, Body: "正在排查", At: at(14)},
	}
	assertTicket(t, got, want)

	notes := w.notes()
	wantNotes := []providers.Note{
		{ID: "11", Author: "张工", Official: true, Body: "已撤销前的回复", At: at(12)},
		{ID: "21", Author: "姜程", Official: false, Body: "补充日志", At: at(13)},
		{ID: "31", Author: "王工", Official: true, Body: "正在排查", At: at(14)},
	}
	if !slices.EqualFunc(notes, wantNotes, noteEqual) {
		t.Errorf("notes =\n%+v\nwant\n%+v", notes, wantNotes)
	}
}

func noteEqual(a, b providers.Note) bool {
	return a.ID == b.ID && a.Author == b.Author && a.Official == b.Official && a.Body == b.Body && a.At.Equal(b.At)
}

// assertTicket compares tickets field by field, times by instant.
func assertTicket(t *testing.T, got, want providers.Ticket) {
	t.Helper()
	if !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("times = %v / %v, want %v / %v", got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt)
	}
	if (got.LatestNote == nil) != (want.LatestNote == nil) ||
		(got.LatestNote != nil && !noteEqual(*got.LatestNote, *want.LatestNote)) {
		t.Errorf("LatestNote = %+v, want %+v", got.LatestNote, want.LatestNote)
	}
	if !slices.Equal(got.Flags, want.Flags) {
		t.Errorf("Flags = %v, want %v", got.Flags, want.Flags)
	}
	got.CreatedAt, got.UpdatedAt, got.LatestNote, got.Flags = want.CreatedAt, want.UpdatedAt, want.LatestNote, want.Flags
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ticket =\n%+v\nwant\n%+v", got, want)
	}
}
