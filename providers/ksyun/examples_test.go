package ksyun

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// These tests feed the examples of Kingsoft's own document (testdata/README.md) through the
// real client, unchanged.

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// docServer answers each endpoint with a testdata file and records the endpoints called.
type docServer struct {
	mu    sync.Mutex
	calls []string
}

func (d *docServer) called() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.calls...)
}

func newDocProvider(t *testing.T, files map[string]string, successCodes []int) (*Provider, *docServer) {
	t.Helper()
	d := &docServer{}
	bodies := map[string][]byte{}
	for op, name := range files {
		bodies[op] = readTestdata(t, name)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := strings.TrimPrefix(r.URL.Path, apiPath)
		d.mu.Lock()
		d.calls = append(d.calls, op)
		d.mu.Unlock()
		b, ok := bodies[op]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	c := validConfig()
	c.BaseURL = srv.URL
	c.SuccessCodes = successCodes
	p, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return p, d
}

func TestDocBaseExample(t *testing.T) {
	p, _ := newDocProvider(t, map[string]string{"base": "base_example.json"}, nil)
	got, err := p.Base(context.Background(), "1204")
	if err != nil {
		t.Fatal(err)
	}
	// The doc's ticket is 处理中 with finished_time set and solved_time 0: Kingsoft finished, the
	// customer has not confirmed.
	assertTicket(t, got, providers.Ticket{
		Provider: "ksyun", ID: "1204", Title: "测试", Content: "测试",
		Status: providers.StatusPendingConfirm, RawStatus: "2", RawLabel: "处理中",
		Priority: "低", PriorityLevel: "low", Type: "问题排查", Customer: "北京金山云网络技术有限公司",
		Creator: "姜程", CreatorID: "38361",
		CreatedAt: time.Unix(1632742075, 0), UpdatedAt: time.Unix(1635766132, 0),
	})
}

func TestDocDetailExample(t *testing.T) {
	t.Run("errno 0 is a failure by default", func(t *testing.T) {
		p, _ := newDocProvider(t, map[string]string{"detail": "detail_example.json"}, nil)
		_, err := p.Get(context.Background(), "1")
		var ve *providers.VendorError
		if !errors.As(err, &ve) || ve.Code != "0" || ve.Op != "detail" {
			t.Fatalf("err = %v, want VendorError code 0", err)
		}
	})
	t.Run("success with id 0 is not found", func(t *testing.T) {
		p, _ := newDocProvider(t, map[string]string{"detail": "detail_example.json"}, []int{0})
		_, err := p.Get(context.Background(), "1")
		if !errors.Is(err, providers.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})
	t.Run("mapping of the all-zero example", func(t *testing.T) {
		var env envelope
		if err := json.Unmarshal(readTestdata(t, "detail_example.json"), &env); err != nil {
			t.Fatal(err)
		}
		var w wireTicket
		if err := json.Unmarshal(env.Data, &w); err != nil {
			t.Fatal(err)
		}
		if len(w.Assigns) != 1 || len(w.Assigns[0].History) != 1 {
			t.Fatalf("assigns not decoded: %+v", w.Assigns)
		}
		assertTicket(t, w.toTicket(), providers.Ticket{
			Provider: "ksyun", ID: "0", Status: providers.StatusUnknown, RawStatus: "0",
		})
		if n := w.notes(); len(n) != 0 {
			t.Errorf("notes = %+v, want none: the example's only history entry has no detail", n)
		}
	})
}

func TestDocListExample(t *testing.T) {
	p, _ := newDocProvider(t, map[string]string{"list_tickets": "list_example.json"}, []int{10000, 0})
	got, total, err := p.List(context.Background(), ListRequest{Page: 1, PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if total != 0 || len(got) != 1 {
		t.Fatalf("List = %d tickets, total %d; want 1 and 0", len(got), total)
	}
	assertTicket(t, got[0], providers.Ticket{Provider: "ksyun", ID: "0", Status: providers.StatusUnknown})
}

func TestDocCloseExamples(t *testing.T) {
	tests := []struct {
		file     string
		wantCode string
	}{
		{"close_ok.json", ""},
		{"close_error.json", "23000"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p, d := newDocProvider(t, map[string]string{"base": "base_example.json", "close_ticket": tt.file}, nil)
			err := p.Close(context.Background(), "1204", providers.CloseRequest{Remark: "已解决"})
			if want := []string{"base", "close_ticket"}; !reflect.DeepEqual(d.called(), want) {
				t.Errorf("calls = %v, want %v", d.called(), want)
			}
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("Close: %v", err)
				}
				return
			}
			var ve *providers.VendorError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a VendorError", err)
			}
			want := providers.VendorError{Provider: "ksyun", Op: "close_ticket", Code: "23000",
				Message: "工单状态不允许关闭", Hint: "工单状态不允许关闭。", HintEN: "the ticket's state does not allow closing it.",
				RequestID: "f1fab7321a7548c389131e22bb72eb35"}
			if *ve != want {
				t.Errorf("VendorError = %+v, want %+v", *ve, want)
			}
			if !strings.HasPrefix(err.Error(), "ksyun: close ticket 1204: ") || !strings.Contains(err.Error(), "vendor error 23000: 工单状态不允许关闭") {
				t.Errorf("error text %q", err)
			}
		})
	}
}

func TestDocCreateExample(t *testing.T) {
	p, _ := newDocProvider(t, map[string]string{"create": "create_example.json"}, []int{0})
	_, err := p.Create(context.Background(), providers.CreateRequest{Title: "x"})
	if err == nil || !strings.Contains(err.Error(), "without a ticket id") {
		t.Fatalf("err = %v, want a missing-id error: id 0 cannot be a ticket", err)
	}
}

func TestDocUploadExample(t *testing.T) {
	p, _ := newDocProvider(t, map[string]string{"upload_file": "upload_example.json"}, []int{0})
	got, err := p.Upload(context.Background(), "a.png", strings.NewReader("png"))
	if err != nil {
		t.Fatal(err)
	}
	if got != (Attachment{FileType: "imag/png"}) {
		t.Errorf("Upload = %+v", got)
	}
}

// TestDocRequestShapes checks our request bodies against the doc's request examples key by key.
func TestDocRequestShapes(t *testing.T) {
	tests := []struct {
		file string
		body any
	}{
		{"close_request.json", closeBody{ID: 1473, CloserID: 40084, CloserName: "田金秀",
			Detail: "这是工单关闭的备注反馈内容", IsSolved: false, SolvedTime: 1660298589}},
		{"comment_request.json", commentBody{}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var want, got map[string]any
			if err := json.Unmarshal(readTestdata(t, tt.file), &want); err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(tt.body)
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("body = %s\nwant the doc's %v", b, want)
			}
		})
	}
}
