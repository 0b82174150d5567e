package aliyun

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// These tests feed the answers of testdata/ (see its README: one verbatim help.aliyun example,
// the rest constructed from Aliyun's field tables) through the real client.

// docServer answers each action with a testdata file and records the actions called.
type docServer struct {
	mu    sync.Mutex
	calls []string
}

func (d *docServer) called() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.calls...)
}

// newDocProvider serves files by action; a file name prefixed "400 " is served with that
// status. The AccessKey is not checked: these tests are about the answers.
func newDocProvider(t *testing.T, version string, files map[string]string) (*Provider, *docServer) {
	t.Helper()
	d := &docServer{}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oss" {
			w.WriteHeader(http.StatusOK)
			return
		}
		_ = r.ParseForm()
		action := r.Form.Get("Action")
		d.mu.Lock()
		d.calls = append(d.calls, action)
		d.mu.Unlock()
		name, ok := files[action]
		if !ok {
			http.NotFound(w, r)
			return
		}
		status := http.StatusOK
		if s, rest, cut := strings.Cut(name, " "); cut && s == "400" {
			status, name = http.StatusBadRequest, rest
		}
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Error(err)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(strings.ReplaceAll(string(b), "HOST", srv.URL)))
	}))
	t.Cleanup(srv.Close)
	c := validConfig()
	c.BaseURL, c.APIVersion, c.CategoryID = srv.URL, version, 2101 // aliyuntest.CategoryID
	p, err := New(c, WithClock(fixedClock))
	if err != nil {
		t.Fatal(err)
	}
	return p, d
}

func TestDocQuestionListExample(t *testing.T) {
	p, _ := newDocProvider(t, Version2016, map[string]string{"QuestionList": "help_143231_question_list.json"})
	got, total, err := p.List(context.Background(), ListRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if total != 1 || len(got) != 1 {
		t.Fatalf("List = %d tickets, total %d", len(got), total)
	}
	// AddTime 1565924666 is seconds although V1.3 says milliseconds: 2019-08-16, not 1970.
	at := time.Unix(1565924666, 0)
	assertTicket(t, got[0], providers.Ticket{
		Provider: "aliyun", ID: "7K**ZF", Title: "…", Status: providers.StatusClosed, RawStatus: "confirmed",
		RawLabel: "已确认", CreatorID: "…", CreatedAt: at, UpdatedAt: at,
	})
}

func TestDocV13Shapes(t *testing.T) {
	for _, notes := range []string{"v13_notes.json", "help_143230_notes.json"} {
		t.Run(notes, func(t *testing.T) {
			p, d := newDocProvider(t, Version2016, map[string]string{
				"add": "v13_add.json", "QuestionReply": "v13_reply.json", "QuestionList": "v13_question_list.json",
				"QuestionListNote": notes, "getOSSTempAuthor": "v13_oss_auth.json", "getAttachTempURL": "v13_attach_url.json",
			})
			ctx := context.Background()
			tk, err := p.Create(ctx, providers.CreateRequest{Title: "ECS 无法登录", Content: "SSH 连接超时"})
			if err != nil {
				t.Fatal(err)
			}
			at := time.UnixMilli(1704096000000)
			latest := &providers.Note{ID: "1704099600000-0", Author: AuthorOfficial, Official: true, Body: "请提供实例 ID 和安全组截图", At: at.Add(time.Hour)}
			assertTicket(t, tk, providers.Ticket{
				Provider: "aliyun", ID: "0005PYGCW", Title: "ECS 无法登录", Content: "SSH 连接超时",
				Status: providers.StatusWaitingOnUs, RawStatus: "wait_feedback", RawLabel: "待反馈",
				CreatorID: "1234567890123456", CreatedAt: at, UpdatedAt: at.Add(time.Hour), LatestNote: latest,
			})
			notes, err := p.Notes(ctx, tk.ID)
			if err != nil || len(notes) != 3 || notes[1].Body != SecretPlaceholder || notes[1].ID != "1704096000000-1" {
				t.Errorf("Notes = %+v, %v", notes, err)
			}
			ds, _ := p.NoteDetails(ctx, tk.ID)
			if len(ds) != 3 || !ds[1].Secret || ds[1].Body != "root / Passw0rd!" || len(ds[2].AttachIDs) != 1 {
				t.Errorf("NoteDetails = %+v", ds)
			}
			link, err := p.AttachmentURL(ctx, ds[2].AttachIDs[0])
			if err != nil || !strings.HasPrefix(link, "https://workorder-attach.oss-cn-hangzhou.aliyuncs.com/pop_temp123/9f1c2e?") {
				t.Errorf("AttachmentURL = %q, %v", link, err)
			}
			if err := p.Reply(ctx, tk.ID, providers.Reply{Text: "i-bp1"}); err != nil {
				t.Errorf("Reply: %v", err)
			}
			a, err := p.Upload(ctx, "a.png", strings.NewReader("png"))
			if err != nil || !strings.HasPrefix(a.Key, "pop_temp123/") {
				t.Errorf("Upload = %+v, %v", a, err)
			}
			want := []string{"add", "QuestionList", "QuestionListNote", "QuestionListNote", "QuestionListNote", "getAttachTempURL", "QuestionReply", "getOSSTempAuthor"}
			if got := d.called(); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("calls = %v, want %v", got, want)
			}
		})
	}
}

func TestDoc2021Shapes(t *testing.T) {
	p, _ := newDocProvider(t, Version2021, map[string]string{
		"GetTicket": "2021_get_ticket.json", "ListTickets": "2021_list_tickets.json", "ListTicketNotes": "2021_notes.json",
		"CloseTicket": "400 2021_error.json",
	})
	ctx := context.Background()
	tk, err := p.Get(ctx, "0005PYGCW")
	if err != nil {
		t.Fatalf("Get: %v (Success true is success, whatever Code and Message say)", err)
	}
	at := time.UnixMilli(1704096000000)
	assertTicket(t, tk, providers.Ticket{
		Provider: "aliyun", ID: "0005PYGCW", Title: "ECS 无法登录", Content: "SSH 连接超时", Status: providers.StatusClosed,
		RawStatus: "6", RawLabel: "已完成", Priority: "中", PriorityLevel: "normal", CreatorID: "1234567890123456", CreatedAt: at,
		UpdatedAt:  at.Add(time.Hour),
		LatestNote: &providers.Note{ID: "1002", Author: "阿里云售后", Official: true, Body: "请提供实例 ID", At: at.Add(time.Hour)},
	})
	many, err := p.GetMany(ctx, []string{"0005PYGCX", "0005PYGCW"})
	if err != nil || len(many) != 2 || many[0].Status != providers.StatusInProgress || many[1].Status != providers.StatusWaitingOnUs ||
		many[1].RawLabel != "待反馈" {
		t.Errorf("GetMany = %+v, %v", many, err)
	}
	// The example ticket is closed already: no CloseTicket is sent.
	if err := p.Close(ctx, "0005PYGCW", providers.CloseRequest{}); !errors.Is(err, providers.ErrAlreadyClosed) {
		t.Errorf("Close = %v, want ErrAlreadyClosed", err)
	}
	err = p.closeTicket(ctx, "0005PYGCW")
	var ve *providers.VendorError
	if !errors.As(err, &ve) || ve.Code != "illegal.param" || ve.Message != "TicketId is mandatory for this action" ||
		ve.RequestID != "C4F0B2A6-0000-4000-8000-000000000004" || ve.Temporary {
		t.Errorf("CloseTicket = %v", err)
	}
}
