package aliyun_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/aliyun/aliyuntest"
)

// TestRequestIDsAreRecorded proves every answer's request id reaches the context's request
// log, in order, for successes, refusals and retried reads, with both API versions and for the
// OSS upload.
func TestRequestIDsAreRecorded(t *testing.T) {
	for _, version := range []string{aliyun.Version2016, aliyun.Version2021} {
		t.Run(version, func(t *testing.T) {
			p, f := newFakeProvider(t, func(c *aliyun.Config) { c.APIVersion = version })
			tk := mustCreate(t, p, providers.CreateRequest{Title: "磁盘告警", Content: "磁盘满了"})
			get := func(ctx context.Context) error { _, err := p.Get(ctx, tk.ID); return err }
			reply := func(ctx context.Context) error { return p.Reply(ctx, tk.ID, providers.Reply{Text: "已清理"}) }
			upload := func(ctx context.Context) error {
				_, err := p.Upload(ctx, "a.txt", strings.NewReader("log"))
				return err
			}
			tests := []struct {
				name   string
				inject func()
				call   func(ctx context.Context) error
				// answers is how many answers the call gets.
				answers int
				wantErr bool
			}{
				// Get reads the ticket, then its notes.
				{"get", nil, get, 2, false},
				{"reply", nil, reply, 1, false},
				// The grant, then the file to OSS, named by x-oss-request-id.
				{"upload", nil, upload, 2, false},
				{"refused get", func() { f.FailNext(1, "illegal.auth", "no permission") }, get, 1, true},
				{"refused reply", func() { f.FailNext(1, aliyuntest.ErrParam, "ILLEGAL_PARAM") }, reply, 1, true},
				// A busy read is retried: every attempt's answer is named.
				{"busy get", func() { f.FailNext(aliyun.ReadAttempts, aliyuntest.ErrBusy, "SYSTEM_BUSY") }, get, aliyun.ReadAttempts, true},
				// A bare HTTP failure is named by the x-acs-request-id header alone; the retry
				// then succeeds and the notes follow.
				{"bare 503, then success", func() { f.FailHTTP(1, http.StatusServiceUnavailable) }, get, 3, false},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					if tt.inject != nil {
						tt.inject()
					}
					before := len(f.RequestIDs())
					ctx, log := providers.WithRequestLog(context.Background())
					err := tt.call(ctx)
					if (err != nil) != tt.wantErr {
						t.Fatalf("err = %v, want error %v", err, tt.wantErr)
					}
					want := f.RequestIDs()[before:]
					if got := log.IDs(); len(want) != tt.answers || !slices.Equal(got, want) {
						t.Errorf("logged %q, want the fake's %q (%d answers)", got, want, tt.answers)
					}
					var ve *providers.VendorError
					if tt.wantErr && (!errors.As(err, &ve) || ve.RequestID != want[len(want)-1]) {
						t.Errorf("err = %v, want a VendorError naming %s", err, want[len(want)-1])
					}
				})
			}
		})
	}
}

// TestOSSRefusalRecordsRequestID proves a refused upload names OSS's answer: the fake's grant
// expires before the file arrives.
func TestOSSRefusalRecordsRequestID(t *testing.T) {
	var f *aliyuntest.Server
	hc := &http.Client{Transport: postHook{path: "/oss", before: func() {
		f.SetClock(func() time.Time { return aliyun.FixedNow.Add(3 * time.Minute) })
	}, next: http.DefaultTransport}}
	p, fake := newFakeProvider(t, nil, aliyun.WithHTTPClient(hc))
	f = fake
	ctx, log := providers.WithRequestLog(context.Background())
	_, err := p.Upload(ctx, "a.txt", strings.NewReader("a"))
	var ve *providers.VendorError
	if !errors.As(err, &ve) || ve.Op != "oss_post_object" {
		t.Fatalf("err = %v, want OSS's refusal", err)
	}
	want := f.RequestIDs()
	if got := log.IDs(); len(want) != 2 || !slices.Equal(got, want) || ve.RequestID != want[1] {
		t.Errorf("logged %q, error names %q; want the fake's %q", got, ve.RequestID, want)
	}
}

// TestOSSRequestIDSources proves where an OSS answer's id is read: the x-oss-request-id header,
// else an error's XML RequestId.
func TestOSSRequestIDSources(t *testing.T) {
	tests := []struct {
		name           string
		status         int
		header, inBody string
		want           string
	}{
		{"success, header", http.StatusOK, "H1", "", "H1"},
		{"success, none", http.StatusOK, "", "", ""},
		{"refusal, header and XML", http.StatusForbidden, "H2", "X2", "H2"},
		{"refusal, XML only", http.StatusForbidden, "", "X3", "X3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.header != "" {
					w.Header().Set("x-oss-request-id", tt.header)
				}
				w.WriteHeader(tt.status)
				if tt.status != http.StatusOK {
					_, _ = w.Write([]byte("<Error><Code>AccessDenied</Code><Message>no</Message><RequestId>" + tt.inBody + "</RequestId></Error>"))
				}
			}))
			defer srv.Close()
			p, _ := newFakeProvider(t, nil)
			ctx, log := providers.WithRequestLog(context.Background())
			err := p.OSSSend(ctx, "oss_put_object", http.MethodPut, srv.URL+"/k", "", []byte("a"))
			if (err != nil) != (tt.status != http.StatusOK) {
				t.Fatalf("err = %v", err)
			}
			var want []string
			if tt.want != "" {
				want = []string{tt.want}
			}
			if got := log.IDs(); !slices.Equal(got, want) {
				t.Errorf("logged %q, want %q", got, want)
			}
			var ve *providers.VendorError
			if errors.As(err, &ve) && ve.RequestID != tt.want {
				t.Errorf("error names %q, want %q", ve.RequestID, tt.want)
			}
		})
	}
}
