package aliyun_test

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
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/aliyun/aliyuntest"
)

// FuzzResponse feeds arbitrary answers of the Aliyun API (an in-memory HTTP response, no
// network) through the real client, envelope and mapping of both API versions: Get (2016
// QuestionList + QuestionListNote, 2021 GetTicket + ListTicketNotes), Notes and NoteDetails,
// and GetMany (the list calls). Run it with
//
//	go test ./providers/aliyun -run '^$' -fuzz '^FuzzResponse$' -fuzztime 60s
//
// Seeds: every answer in testdata/ (see its README), and testdata/fuzz/FuzzResponse/.
func FuzzResponse(f *testing.F) {
	names, _ := filepath.Glob("testdata/*.json")
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"success":"true","data":[{"id":"0005PYGCW","questionStatus":"wait-feedback","addTime":"1565924666"}],` +
		`"ListResult":{"NoteInfo":[{"content":"pw","noteType":"SEC_CHAT","fromOfficial":"user","gmtCreated":1},{"content":"x","fromOfficial":"official","attachIds":"a, b,,c"}]}}`))
	f.Add([]byte(`{"Success":true,"Data":{"TicketId":12345,"Status":3,"Severity":"2","CreateTime":"2024-01-01 08:00:00"},"TotalCount":"7"}`))
	f.Add([]byte(`{"Success":true,"Data":[{"DialogId":"b","CreateTime":5,"Type":"1","User":{"Role":"2"}},{"DialogId":"a","CreateTime":5}]}`))
	f.Add([]byte(`{"success":false,"code":"Throttling.User","message":"busy"}`))
	f.Add([]byte(`{"success":true,"data":{"list":[{"id":"0005PYGCW"}],"Count":2}}`))

	fake := aliyuntest.New("testid", testSecret)
	f.Cleanup(fake.Close)
	rt := &fixedResponse{}
	var ps []*aliyun.Provider
	for _, version := range []string{aliyun.Version2016, aliyun.Version2021} {
		cfg := fake.Config()
		cfg.APIVersion = version
		p, err := aliyun.New(cfg, aliyun.WithHTTPClient(&http.Client{Transport: rt}), aliyun.WithClock(aliyun.FixedClock),
			aliyun.WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
		if err != nil {
			f.Fatal(err)
		}
		ps = append(ps, p)
	}
	ctx := context.Background()
	const id = "0005PYGCW"
	many := []string{id, "7K1ZF", "0005pygcw", "bad id", id}
	f.Fuzz(func(t *testing.T, body []byte) {
		rt.body = body
		for _, p := range ps {
			tk, err := p.Get(ctx, id)
			if err != nil {
				checkError(t, err)
			} else {
				checkTicket(t, tk)
				if !p.Is2021() && !strings.EqualFold(tk.ID, id) {
					t.Fatalf("%s: Get(%s) returned ticket %q", p.APIVersion(), id, tk.ID)
				}
			}

			ds, derr := p.NoteDetails(ctx, id)
			notes, nerr := p.Notes(ctx, id)
			if (derr == nil) != (nerr == nil) {
				t.Fatalf("NoteDetails and Notes disagree: %v / %v", derr, nerr)
			}
			if nerr != nil {
				checkError(t, nerr)
			} else {
				checkNotes(t, ds, notes)
				if err == nil {
					replies := notes
					if len(replies) > 0 && !replies[0].Official {
						replies = replies[1:] // the description, no reply
					}
					if len(replies) == 0 && tk.LatestNote != nil || len(replies) > 0 && (tk.LatestNote == nil || !reflect.DeepEqual(*tk.LatestNote, replies[len(replies)-1])) {
						t.Fatalf("latest note %+v, notes %+v", tk.LatestNote, notes)
					}
				}
			}

			ts, err := p.GetMany(ctx, many)
			if err != nil {
				checkError(t, err)
				continue
			}
			seen := map[string]bool{}
			for _, tk := range ts {
				checkTicket(t, tk)
				if seen[tk.ID] || (tk.ID != many[0] && tk.ID != many[1] && tk.ID != many[2]) {
					t.Fatalf("GetMany(%q) returned %q (twice or not asked for)", many, tk.ID)
				}
				seen[tk.ID] = true
			}
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
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
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

// checkError: a failure is an error with the provider's context, never a half ticket.
func checkError(t *testing.T, err error) {
	t.Helper()
	if !strings.HasPrefix(err.Error(), "aliyun: ") {
		t.Fatalf("error without context: %v", err)
	}
	var ve *providers.VendorError
	if errors.As(err, &ve) && (ve.Provider != "aliyun" || ve.Code == "") {
		t.Fatalf("vendor error without provider or code: %+v", ve)
	}
}

// checkTicket: a ticket read without error is sane.
func checkTicket(t *testing.T, tk providers.Ticket) {
	t.Helper()
	if tk.Provider != "aliyun" || tk.ID == "" || tk.ID != strings.TrimSpace(tk.ID) {
		t.Fatalf("ticket without provider or id: %+v", tk)
	}
	switch tk.Status {
	case providers.StatusOpen, providers.StatusInProgress, providers.StatusWaitingOnUs, providers.StatusPendingConfirm,
		providers.StatusClosed, providers.StatusUnknown:
	default:
		t.Fatalf("status %q (Aliyun has no cancelled state)", tk.Status)
	}
	if tk.LatestNote != nil && tk.UpdatedAt.Before(tk.LatestNote.At) {
		t.Fatalf("updated %v before the latest note %v", tk.UpdatedAt, tk.LatestNote.At)
	}
}

// checkNotes: Notes is NoteDetails with every confidential body hidden, oldest first.
func checkNotes(t *testing.T, ds []aliyun.NoteDetail, notes []providers.Note) {
	t.Helper()
	if len(ds) != len(notes) {
		t.Fatalf("%d details, %d notes", len(ds), len(notes))
	}
	for i, n := range notes {
		want := ds[i].Note
		if ds[i].Secret {
			want.Body = aliyun.SecretPlaceholder
		}
		if !reflect.DeepEqual(n, want) {
			t.Fatalf("note %d = %+v, want %+v", i, n, want)
		}
		if i > 0 && n.At.Before(notes[i-1].At) {
			t.Fatalf("notes out of order at %d", i)
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
// bytes of it (per attempt: reads are retried) and fails; it neither hangs nor holds more.
func TestResponseBounded(t *testing.T) {
	fake := aliyuntest.New("testid", testSecret)
	t.Cleanup(fake.Close)
	rt := &fixedResponse{body2: io.MultiReader(strings.NewReader(`{"Success":true,"Data":{"TicketId":"0005PYGCW"}`), endless{})}
	cfg := fake.Config()
	cfg.APIVersion = aliyun.Version2021
	p, err := aliyun.New(cfg, aliyun.WithHTTPClient(&http.Client{Transport: rt}), aliyun.WithClock(aliyun.FixedClock))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Get(context.Background(), "0005PYGCW"); err == nil {
		t.Fatal("an endless answer was accepted")
	}
	if rt.read > aliyun.MaxResponse {
		t.Fatalf("read %d bytes, limit %d", rt.read, aliyun.MaxResponse)
	}
}
