package aliyun

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// TestResolveStatus is status-model.md §4.1: 2016 codes, 2021 values as strings, both spellings
// of wait_feedback, any case, and the Chinese labels.
func TestResolveStatus(t *testing.T) {
	rated := []providers.Flag{providers.FlagRated}
	replied := []providers.Flag{providers.FlagCustomerReplied}
	tests := []struct {
		raw, vendorLabel string
		want             providers.Status
		wantFlags        []providers.Flag
		wantLabel        string
	}{
		{"assigned", "", providers.StatusOpen, nil, "已分派"},
		{"dealing", "", providers.StatusInProgress, nil, "处理中"},
		{"wait_feedback", "", providers.StatusWaitingOnUs, nil, "待反馈"},
		{"wait-feedback", "", providers.StatusWaitingOnUs, nil, "待反馈"},
		{"WAIT-FEEDBACK", "", providers.StatusWaitingOnUs, nil, "待反馈"},
		{"feedback", "", providers.StatusInProgress, replied, "已反馈"},
		{"wait_confirm", "", providers.StatusPendingConfirm, nil, "待确认"},
		{"confirmed", "", providers.StatusClosed, nil, "已确认"},
		{"score", "", providers.StatusClosed, rated, "已评价"},
		{" Dealing ", "", providers.StatusInProgress, nil, "处理中"},
		{"1", "", providers.StatusOpen, nil, "待响应"},
		{"2", "", providers.StatusInProgress, nil, "处理中"},
		{"3", "", providers.StatusWaitingOnUs, nil, "待反馈"},
		{"4", "", providers.StatusInProgress, replied, "已反馈"},
		{"5", "", providers.StatusPendingConfirm, nil, "待确认"},
		{"6", "", providers.StatusClosed, nil, "已完成"},
		{"6", "已完成", providers.StatusClosed, nil, "已完成"},
		{"1", "Pending", providers.StatusOpen, nil, "Pending"},
		{"已分派", "", providers.StatusOpen, nil, "已分派"},
		{"待响应", "", providers.StatusOpen, nil, "待响应"},
		{"待反馈", "", providers.StatusWaitingOnUs, nil, "待反馈"},
		{"已反馈", "", providers.StatusInProgress, replied, "已反馈"},
		{"待确认", "", providers.StatusPendingConfirm, nil, "待确认"},
		{"已确认", "", providers.StatusClosed, nil, "已确认"},
		{"已完成", "", providers.StatusClosed, nil, "已完成"},
		{"已评价", "", providers.StatusClosed, rated, "已评价"},
		{"7", "", providers.StatusUnknown, nil, ""},
		{"0", "", providers.StatusUnknown, nil, ""},
		{"cancelled", "", providers.StatusUnknown, nil, ""},
		{"", "", providers.StatusUnknown, nil, ""},
		{"9", "挂起", providers.StatusUnknown, nil, "挂起"},
	}
	for _, tt := range tests {
		t.Run(tt.raw+"/"+tt.vendorLabel, func(t *testing.T) {
			st, flags, label := resolveStatus(tt.raw, tt.vendorLabel)
			if st != tt.want || !slices.Equal(flags, tt.wantFlags) || label != tt.wantLabel {
				t.Errorf("resolveStatus(%q, %q) = %s %v %q, want %s %v %q", tt.raw, tt.vendorLabel, st, flags, label, tt.want, tt.wantFlags, tt.wantLabel)
			}
			if st == providers.StatusCancelled {
				t.Error("Aliyun has no cancelled state")
			}
		})
	}
}

func TestStatusCode(t *testing.T) {
	for raw, want := range map[string]string{"3": "wait_feedback", "wait-feedback": "wait_feedback", "已评价": "score", "x": ""} {
		if got := statusCode(raw); got != want {
			t.Errorf("statusCode(%q) = %q, want %q", raw, got, want)
		}
	}
}

func TestFlexDecoding(t *testing.T) {
	var v struct {
		S1, S2, S3 flexString
		N1, N2, N3 flexInt
		B1, B2, B3 optBool
		O1, O2, O3 official
		L1, L2, L3 flexList
		T1, T2, T3 flexTime
		LV1, LV2   labelValue
	}
	in := `{"S1":"a","S2":-153,"S3":null,"N1":"12","N2":12.0,"N3":"",
		"B1":true,"B2":"false","B3":null,"O1":"official","O2":true,"O3":"user",
		"L1":["a",2],"L2":{"attachId":["x","y"]},"L3":"p, q",
		"T1":1565924666,"T2":"1565924666000","T3":"2019-08-16 11:04:26",
		"LV1":{"Label":"处理中","Value":2},"LV2":"3"}`
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	if v.S1 != "a" || v.S2 != "-153" || v.S3 != "" || v.N1 != 12 || v.N2 != 12 || v.N3 != 0 {
		t.Errorf("scalars: %+v", v)
	}
	if !v.B1.set || !v.B1.v || !v.B2.set || v.B2.v || v.B3.set {
		t.Errorf("optBool: %+v %+v %+v", v.B1, v.B2, v.B3)
	}
	if !v.O1 || !v.O2 || v.O3 {
		t.Errorf("official: %v %v %v", v.O1, v.O2, v.O3)
	}
	if !slices.Equal(v.L1, flexList{"a", "2"}) || !slices.Equal(v.L2, flexList{"x", "y"}) || !slices.Equal(v.L3, flexList{"p", "q"}) {
		t.Errorf("flexList: %v %v %v", v.L1, v.L2, v.L3)
	}
	at := time.Unix(1565924666, 0)
	if !v.T1.Equal(at) || !v.T2.Equal(at) || !v.T3.Equal(at) {
		t.Errorf("flexTime: %v %v %v, want %v", v.T1, v.T2, v.T3, at)
	}
	if v.LV1 != (labelValue{"处理中", "2"}) || v.LV2 != (labelValue{Value: "3"}) {
		t.Errorf("labelValue: %+v %+v", v.LV1, v.LV2)
	}
	var s flexString
	if json.Unmarshal([]byte(`{"a":1}`), &s) == nil {
		t.Error("flexString accepted an object")
	}
	var n flexInt
	if json.Unmarshal([]byte(`"abc"`), &n) == nil {
		t.Error("flexInt accepted a non-number")
	}
	for _, s := range []string{"", "null", "0", "-5", "yesterday"} {
		if !parseTime(s).IsZero() {
			t.Errorf("parseTime(%q) is not zero", s)
		}
	}
}

func TestQuestionListShapes(t *testing.T) {
	for name, in := range map[string]string{
		"V1.3 data[]":             `{"success":true,"data":[{"id":"A1","productId":1273,"title":"t","uid":5,"questionStatus":"dealing","addTime":1704096000000}]}`,
		"help.aliyun ListResult":  `{"Success":true,"Count":1,"ListResult":{"QuestionDetail":[{"Id":"A1","ProductId":1273,"Title":"t","Uid":"5","QuestionStatus":"dealing","AddTime":1704096000}]}}`,
		"data wrapping the list":  `{"success":true,"data":{"Count":1,"QuestionDetail":[{"Id":"A1","Title":"t","Uid":5,"QuestionStatus":"dealing","AddTime":1704096000}]}}`,
		"data with a list member": `{"success":true,"data":{"list":[{"id":"A1","title":"t","uid":5,"questionStatus":"dealing","addTime":"1704096000000"}]}}`,
	} {
		t.Run(name, func(t *testing.T) {
			var l questionList
			if err := json.Unmarshal([]byte(in), &l); err != nil {
				t.Fatal(err)
			}
			qs, total, err := l.questions()
			if err != nil || total != 1 || len(qs) != 1 {
				t.Fatalf("questions = %+v %d %v", qs, total, err)
			}
			got := qs[0].toTicket()
			assertTicket(t, got, providers.Ticket{
				Provider: "aliyun", ID: "A1", Title: "t", Status: providers.StatusInProgress, RawStatus: "dealing",
				RawLabel: "处理中", CreatorID: "5", CreatedAt: time.UnixMilli(1704096000000), UpdatedAt: time.UnixMilli(1704096000000),
			})
		})
	}
	var l questionList
	_ = json.Unmarshal([]byte(`{"success":true,"data":"nonsense"}`), &l)
	if _, _, err := l.questions(); err == nil {
		t.Error("a string data was read as a list")
	}
}

func TestNoteShapes(t *testing.T) {
	for name, in := range map[string]string{
		"V1.3 data[]": `{"success":true,"data":[
			{"content":"请提供日志","noteType":"chat","fromOfficial":"official","gmtCreated":1704096060000,"attachIds":["a1"]},
			{"content":"问题","noteType":"chat","fromOfficial":"user","gmtCreated":1704096000000,"attachIds":[]},
			{"content":"密码","noteType":"sec_chat","fromOfficial":"user","gmtCreated":1704096000000}]}`,
		"help.aliyun ListResult": `{"Success":true,"ListResult":{"NoteInfo":[
			{"Content":"请提供日志","NoteType":"chat","FromOfficial":true,"GmtCreated":1704096060000,"attachIds":{"attachId":["a1"]}},
			{"Content":"问题","NoteType":"chat","FromOfficial":false,"GmtCreated":1704096000000},
			{"Content":"密码","NoteType":"SEC_CHAT","FromOfficial":false,"GmtCreated":1704096000000}]}}`,
	} {
		t.Run(name, func(t *testing.T) {
			var l noteList
			if err := json.Unmarshal([]byte(in), &l); err != nil {
				t.Fatal(err)
			}
			ds := l.details()
			t0, t1 := time.UnixMilli(1704096000000), time.UnixMilli(1704096060000)
			want := []NoteDetail{
				{Note: providers.Note{ID: "1704096000000-0", Author: AuthorUser, Body: "问题", At: t0}, Kind: "chat"},
				{Note: providers.Note{ID: "1704096000000-1", Author: AuthorUser, Body: "密码", At: t0}, Kind: "sec_chat", Secret: true},
				{Note: providers.Note{ID: "1704096060000-0", Author: AuthorOfficial, Official: true, Body: "请提供日志", At: t1}, Kind: "chat", AttachIDs: []string{"a1"}},
			}
			if len(ds) != len(want) {
				t.Fatalf("details = %+v", ds)
			}
			for i := range want {
				if !noteEqual(ds[i].Note, want[i].Note) || ds[i].Kind != want[i].Kind || ds[i].Secret != want[i].Secret ||
					!slices.Equal(ds[i].AttachIDs, want[i].AttachIDs) {
					t.Errorf("note %d = %+v, want %+v", i, ds[i], want[i])
				}
			}
			pub := publicNotes(ds)
			if pub[1].Body != SecretPlaceholder || pub[0].Body != "问题" {
				t.Errorf("publicNotes = %+v", pub)
			}
			if strings.Contains(pub[1].ID, "密码") {
				t.Error("a note id carries the secret")
			}
		})
	}
}

func TestDialogDetails(t *testing.T) {
	in := `{"Data":[
		{"DialogId":"d2","CreateTime":1704096060000,"Type":2,"Dialog":{"Content":"请提供日志"},"User":{"Role":2,"Name":"小二甲"},
		 "Attachments":[{"Name":"guide.pdf","Url":"https://oss/x"}]},
		{"DialogId":"d1","CreateTime":1704096000000,"Type":1,"Dialog":{"Content":"{\"card\":1}"},"User":{"Role":3}}]}`
	var res struct {
		Data []wireDialog `json:"Data"`
	}
	if err := json.Unmarshal([]byte(in), &res); err != nil {
		t.Fatal(err)
	}
	ds := dialogDetails(res.Data)
	if len(ds) != 2 || ds[0].ID != "d1" || ds[0].Official || ds[0].Author != AuthorUser || ds[0].Kind != "card" ||
		ds[1].ID != "d2" || !ds[1].Official || ds[1].Author != "小二甲" || ds[1].Kind != "text" ||
		len(ds[1].Attachments) != 1 || ds[1].Attachments[0] != (NoteAttachment{"guide.pdf", "https://oss/x"}) {
		t.Errorf("dialogDetails = %+v", ds)
	}
}

func TestTicket21(t *testing.T) {
	in := `{"TicketId":"0005PYGCW","Title":"t","Description":"d","CreateTime":1704096000000,"CreatorId":"1234",
		"CategoryId":2101,"Status":{"Label":"待反馈","Value":"3"},"Severity":{"Label":"","Value":2}}`
	var w wireTicket21
	if err := json.Unmarshal([]byte(in), &w); err != nil {
		t.Fatal(err)
	}
	at := time.UnixMilli(1704096000000)
	assertTicket(t, w.toTicket(), providers.Ticket{
		Provider: "aliyun", ID: "0005PYGCW", Title: "t", Content: "d", Status: providers.StatusWaitingOnUs,
		RawStatus: "3", RawLabel: "待反馈", Priority: "紧急", PriorityLevel: "urgent", CreatorID: "1234", CreatedAt: at, UpdatedAt: at,
	})
}

func TestWithNotes(t *testing.T) {
	t0 := time.Unix(100, 0)
	tk := withNotes(providers.Ticket{CreatedAt: t0, UpdatedAt: t0}, []providers.Note{{ID: "1", At: t0.Add(time.Hour)}, {ID: "2", At: t0.Add(2 * time.Hour)}})
	if tk.LatestNote == nil || tk.LatestNote.ID != "2" || !tk.UpdatedAt.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("withNotes = %+v", tk)
	}
	if tk := withNotes(providers.Ticket{UpdatedAt: t0}, nil); tk.LatestNote != nil {
		t.Error("a latest note out of nothing")
	}
	// Aliyun's conversation starts with the description, written by the customer: no reply.
	desc := providers.Note{ID: "1", Author: AuthorUser, Body: "工单描述", At: t0}
	if tk := withNotes(providers.Ticket{UpdatedAt: t0}, []providers.Note{desc}); tk.LatestNote != nil {
		t.Errorf("the description became the latest note: %+v", tk.LatestNote)
	}
	reply := providers.Note{ID: "2", Author: AuthorOfficial, Official: true, Body: "请提供实例 ID", At: t0.Add(time.Hour)}
	if tk := withNotes(providers.Ticket{UpdatedAt: t0}, []providers.Note{desc, reply}); tk.LatestNote == nil || tk.LatestNote.ID != "2" {
		t.Errorf("latest note %+v, want the reply", tk.LatestNote)
	}
	ours := providers.Note{ID: "3", Author: AuthorUser, Body: "实例 ID 是 i-1", At: t0.Add(2 * time.Hour)}
	if tk := withNotes(providers.Ticket{UpdatedAt: t0}, []providers.Note{desc, reply, ours}); tk.LatestNote == nil || tk.LatestNote.ID != "3" {
		t.Errorf("latest note %+v, want our own reply", tk.LatestNote)
	}
	// A conversation that starts with Aliyun's staff has no description in it to skip.
	if tk := withNotes(providers.Ticket{UpdatedAt: t0}, []providers.Note{reply}); tk.LatestNote == nil || tk.LatestNote.ID != "2" {
		t.Errorf("latest note %+v, want the staff's note", tk.LatestNote)
	}
}

func TestFlexID(t *testing.T) {
	for in, want := range map[string]string{
		`"0005PYGCW"`: "0005PYGCW", `12345`: "12345", `{"id":"A"}`: "A", `{"TicketId":"B","id":"A"}`: "B",
		`null`: "", `""`: "", `{}`: "",
	} {
		if got := flexID(json.RawMessage(in)); got != want {
			t.Errorf("flexID(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestCatalogItems(t *testing.T) {
	in := `[{"Name":"弹性计算","Children":[{"ProductId":1273,"ProductName":"云服务器 ECS"},{"productId":"1274","productName":"块存储"}]},
		{"CategoryId":5,"CategoryName":"性能"},{"Id":1273,"Name":"重复"},{"Id":"x","Name":"非数字"}]`
	got := catalogItems(json.RawMessage(in))
	want := []CatalogItem{{ID: 5, Name: "性能"}, {ID: 1273, Name: "云服务器 ECS"}, {ID: 1274, Name: "块存储"}}
	slices.SortFunc(got, func(a, b CatalogItem) int { return int(a.ID - b.ID) })
	if !slices.Equal(got, want) {
		t.Errorf("catalogItems = %+v, want %+v", got, want)
	}
	if catalogItems(nil) != nil || catalogItems(json.RawMessage(`"x"`)) != nil {
		t.Error("catalogItems of nothing")
	}
}

func TestFileNames(t *testing.T) {
	for in, want := range map[string]string{
		"a.txt": "a.txt", `C:\dir\日志.log`: "日志.log", "../../etc/passwd": "passwd", "a,b.txt": "a_b.txt",
		"tab\there": "tab_here", "": "file", "/": "file", "..": "file", strings.Repeat("长", 50): strings.Repeat("长", 33),
	} {
		if got := safeName(in); got != want {
			t.Errorf("safeName(%q) = %q, want %q", in, got, want)
		}
	}
	if k := objectKey("pop_temp1/", "a.txt"); !strings.HasPrefix(k, "pop_temp1/") || !strings.HasSuffix(k, "_a.txt") || len(k) != len("pop_temp1/")+9+len("a.txt") {
		t.Errorf("objectKey = %q", k)
	}
	if k := objectKey("", "a.txt"); strings.Contains(k, "/") {
		t.Errorf("objectKey without dir = %q", k)
	}
	for in, want := range map[string]string{
		"bucket.oss-cn-hangzhou.aliyuncs.com": "https://bucket.oss-cn-hangzhou.aliyuncs.com",
		"//bucket.oss.aliyuncs.com":           "https://bucket.oss.aliyuncs.com",
		"http://127.0.0.1:1/oss":              "http://127.0.0.1:1/oss",
	} {
		if got := hostURL(in); got != want {
			t.Errorf("hostURL(%q) = %q", in, got)
		}
	}
	if got := firstRunes("数据库abc", 4); got != "数据库a" {
		t.Errorf("firstRunes = %q", got)
	}
}

func TestPolicyMaxSize(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for in, want := range map[string]int64{
		b64(`{"expiration":"x","conditions":[{"bucket":"b"},["starts-with","$key","d/"],["content-length-range",0,2097152]]}`): 2097152,
		b64(`{"conditions":[["starts-with","$key","d/"]]}`):                                                                    -1,
		b64(`not json`): -1,
		"!!!":           -1,
	} {
		if got := policyMaxSize(in); got != want {
			t.Errorf("policyMaxSize(%s) = %d, want %d", in, got, want)
		}
	}
}

// assertTicket compares tickets field by field, times by instant.
func assertTicket(t *testing.T, got, want providers.Ticket) {
	t.Helper()
	if !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("times = %v / %v, want %v / %v", got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt)
	}
	if (got.LatestNote == nil) != (want.LatestNote == nil) || (got.LatestNote != nil && !noteEqual(*got.LatestNote, *want.LatestNote)) {
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
