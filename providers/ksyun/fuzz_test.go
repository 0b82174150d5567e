package ksyun_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/ksyun"
)

// FuzzResponse feeds arbitrary answers of the Kingsoft API (an in-memory HTTP response, no
// network) through the real client, envelope and mapping: Get and Notes read a ticket's
// detail. Run it with
//
//	go test ./providers/ksyun -run '^$' -fuzz '^FuzzResponse$' -fuzztime 60s
//
// Seeds: every example of Kingsoft's document in testdata/, and testdata/fuzz/FuzzResponse/.
func FuzzResponse(f *testing.F) {
	names, _ := filepath.Glob("testdata/*.json")
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"errno":10000,"data":{"id":"1204","status":"处理中","priority":"1","type":2,"finished_time":"2022-08-12 17:49:49",` +
		`"is_suspended_notice":"1","assigns":[{"is_handler":1,"status":4,"user_name":"李工","history":[` +
		`{"id":2,"detail":"请提供慢查询日志。","created_time":1700000000000,"creator_id":9},{"id":2,"detail":"dup"},{"id":1,"detail":" "}]}]}}`))
	f.Add([]byte(`{"errno":23000,"errmsg":"工单不存在","data":null}`))
	f.Add([]byte(`{"errno":10000,"data":{"id":1e400}}`))
	f.Add([]byte(`{"errno":10000,"data":{"id":"NaN","created_time":"-1e30"}}`))

	rt := &fixedResponse{}
	p, err := ksyun.New(ksyun.Config{AppID: "appA", AppSecret: testSecret, CustomerOrganizationID: 1, CustomerOrganizationName: "c",
		RepositoryProductID: 36, CreatorID: 7, CreatorName: "机器人"},
		ksyun.WithHTTPClient(&http.Client{Transport: rt}), ksyun.WithClock(fixedClock))
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, body []byte) {
		rt.body = body
		tk, err := p.Get(ctx, "1204")
		tk2, err2 := p.Get(ctx, "1204")
		if !reflect.DeepEqual(tk, tk2) || (err == nil) != (err2 == nil) {
			t.Fatalf("Get is not deterministic: %+v %v / %+v %v", tk, err, tk2, err2)
		}
		notes, nerr := p.Notes(ctx, "1204")
		if (err == nil) != (nerr == nil) {
			t.Fatalf("Get and Notes disagree on the same detail: %v / %v", err, nerr)
		}
		if err != nil {
			checkError(t, err)
			return
		}
		checkTicket(t, tk)
		checkNotes(t, notes)
		if len(notes) > 0 {
			if tk.LatestNote == nil || !reflect.DeepEqual(*tk.LatestNote, notes[len(notes)-1]) {
				t.Fatalf("latest note %+v, notes end with %+v", tk.LatestNote, notes[len(notes)-1])
			}
		} else if tk.LatestNote != nil {
			t.Fatalf("latest note %+v without notes", tk.LatestNote)
		}
	})
}

// fixedResponse answers every request with body (HTTP 200), and counts what is read of it.
type fixedResponse struct {
	body  []byte
	body2 io.Reader // when set, the body instead of body
	read  int64
}

func (r *fixedResponse) RoundTrip(req *http.Request) (*http.Response, error) {
	var b io.Reader = bytes.NewReader(r.body)
	if r.body2 != nil {
		b = r.body2
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(&countingReader{r: b, n: &r.read}), Request: req}, nil
}

type countingReader struct {
	r io.Reader
	n *int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}

// checkError: a failure is an error wrapping the provider's context, never a half ticket.
func checkError(t *testing.T, err error) {
	t.Helper()
	if !strings.HasPrefix(err.Error(), "ksyun: ") {
		t.Fatalf("error without context: %v", err)
	}
	var ve *providers.VendorError
	if errors.As(err, &ve) && (ve.Provider != "ksyun" || ve.Code == "") {
		t.Fatalf("vendor error without provider or code: %+v", ve)
	}
}

// checkTicket: a ticket read without error is sane.
func checkTicket(t *testing.T, tk providers.Ticket) {
	t.Helper()
	if tk.Provider != "ksyun" || tk.ID == "" || tk.ID == "0" {
		t.Fatalf("ticket without provider or id: %+v", tk)
	}
	switch tk.Status {
	case providers.StatusOpen, providers.StatusInProgress, providers.StatusWaitingOnUs, providers.StatusPendingConfirm,
		providers.StatusClosed, providers.StatusCancelled, providers.StatusUnknown:
	default:
		t.Fatalf("status %q", tk.Status)
	}
	if (tk.Status == providers.StatusUnknown) != (tk.RawLabel == "") {
		t.Fatalf("status %q with label %q", tk.Status, tk.RawLabel)
	}
	if tk.UpdatedAt.IsZero() && !tk.CreatedAt.IsZero() {
		t.Fatalf("updated time not defaulted to the creation time: %+v", tk)
	}
}

// checkNotes: notes are oldest first, each with a body.
func checkNotes(t *testing.T, notes []providers.Note) {
	t.Helper()
	for i, n := range notes {
		if n.Body == "" {
			t.Fatalf("note %d without a body", i)
		}
		if i > 0 && n.At.Before(notes[i-1].At) {
			t.Fatalf("notes out of order at %d: %v before %v", i, n.At, notes[i-1].At)
		}
	}
}

// endless is a body that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// TestResponseBounded answers with an endless body: the client reads at most maxResponse
// bytes of it and fails; it neither hangs nor holds more than the limit.
func TestResponseBounded(t *testing.T) {
	rt := &fixedResponse{body2: io.MultiReader(bytes.NewReader([]byte(`{"errno":10000,"data":{"id":1204}`)), endless{})}
	p, err := ksyun.New(ksyun.Config{AppID: "appA", AppSecret: testSecret, CustomerOrganizationID: 1, CustomerOrganizationName: "c",
		RepositoryProductID: 36, CreatorID: 7, CreatorName: "机器人"},
		ksyun.WithHTTPClient(&http.Client{Transport: rt}), ksyun.WithClock(fixedClock))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Get(context.Background(), "1204"); err == nil {
		t.Fatal("an endless answer was accepted")
	}
	if rt.read > ksyun.MaxResponse {
		t.Fatalf("read %d bytes, limit %d", rt.read, ksyun.MaxResponse)
	}
}
