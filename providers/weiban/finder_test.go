package weiban_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

// finderNow is the provider's clock in the finder tests; finderSince is when the create whose
// outcome is unknown began.
var (
	finderNow   = time.Unix(1700000000, 0)
	finderSince = finderNow.Add(-10 * time.Minute)
)

// finderOrder is a work order to store in the fake: its title and when, relative to
// finderSince, it was created.
type finderOrder struct {
	title string
	at    time.Duration
}

// storeFinderOrders stores work orders in the fake, in order, and returns their order_nos.
func storeFinderOrders(f *weibantest.Server, os []finderOrder) []string {
	ids := make([]string, 0, len(os))
	for _, o := range os {
		ids = append(ids, f.AddOrder(o.title, finderSince.Add(o.at)))
	}
	return ids
}

// similarOrders returns n work orders whose titles contain 磁盘告警 but are not it, so the
// vendor's title filter lets them through, all created at.
func similarOrders(n int, at time.Duration) []finderOrder {
	out := make([]finderOrder, n)
	for i := range out {
		out[i] = finderOrder{fmt.Sprintf("磁盘告警（%d）", i), at}
	}
	return out
}

// newFinderProvider returns a provider on a fresh fake whose clock reads finderNow.
func newFinderProvider(t *testing.T, opts ...weiban.Option) (*weiban.Provider, *weibantest.Server) {
	t.Helper()
	p, f, _ := newFakeProvider(t, append([]weiban.Option{weiban.WithClock(func() time.Time { return finderNow })}, opts...)...)
	return p, f
}

func TestFindCreated(t *testing.T) {
	tests := []struct {
		name   string
		orders []finderOrder
		title  string
		// noTitle makes list entries leave out the title.
		noTitle bool
		fail    bool
		// want is the index in orders of the work order to find, or -1 for none.
		want      int
		wantErr   bool
		wantPages int
	}{
		{"one match among others", []finderOrder{
			{"网络抖动", time.Minute}, {"磁盘告警", 2 * time.Minute}, {"磁盘告警（二）", 3 * time.Minute}, {"磁盘 告警", 4 * time.Minute},
		}, "磁盘告警", false, false, 1, false, 1},
		{"spaces around either title", []finderOrder{{" 磁盘告警\t", time.Minute}}, "  磁盘告警 ", false, false, 0, false, 1},
		{"within the minute of clock skew", []finderOrder{{"磁盘告警", -30 * time.Second}}, "磁盘告警", false, false, 0, false, 1},
		{"title differs", []finderOrder{{"磁盘告警!", time.Minute}, {"磁盘", time.Minute}, {"磁盘告警磁盘告警", time.Minute}},
			"磁盘告警", false, false, -1, false, 1},
		{"created before since", []finderOrder{{"磁盘告警", -2 * time.Minute}, {"其他", time.Minute}}, "磁盘告警", false, false, -1, false, 1},
		{"nothing created since", nil, "磁盘告警", false, false, -1, false, 1},
		{"match on page 2", append([]finderOrder{{"磁盘告警", time.Second}}, similarOrders(weiban.FindPageSize, time.Minute)...),
			"磁盘告警", false, false, 0, false, 2},
		{"a full last page costs one empty page", similarOrders(weiban.FindPageSize, time.Minute), "磁盘告警", false, false, -1, false, 2},
		{"too many to tell", similarOrders(providers.FindPages*weiban.FindPageSize+1, time.Minute), "磁盘告警", false, false, -1, true, providers.FindPages},
		{"vendor error", []finderOrder{{"磁盘告警", time.Minute}}, "磁盘告警", false, true, -1, true, 1},
		{"entries without titles: read to compare", []finderOrder{{"磁盘告警（二）", 2 * time.Minute}, {"磁盘告警", time.Minute}},
			"磁盘告警", true, false, 1, false, 1},
		{"entries without titles, none matching", []finderOrder{{"磁盘告警!", time.Minute}}, "磁盘告警", true, false, -1, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, f := newFinderProvider(t)
			ids := storeFinderOrders(f, tt.orders)
			if tt.noTitle {
				f.OmitFromList("title")
			}
			if tt.fail {
				f.FailNext(1, 22305, "员工无权限操作该工单")
			}
			got, found, err := p.FindCreated(context.Background(), tt.title, finderSince)
			if (err != nil) != tt.wantErr {
				t.Fatalf("FindCreated err = %v, want error %v", err, tt.wantErr)
			}
			var ve *providers.VendorError
			if tt.fail && (!errors.As(err, &ve) || weiban.CodeOf(err) != 22305) {
				t.Errorf("err = %v, want the vendor's error", err)
			}
			switch {
			case tt.want < 0 && found:
				t.Errorf("found %s %q, want nothing", got.ID, got.Title)
			case tt.want >= 0 && (!found || got.ID != ids[tt.want]):
				t.Errorf("FindCreated = %s %q found %v, want %s", got.ID, got.Title, found, ids[tt.want])
			case tt.want >= 0 && got.Content == "":
				t.Errorf("found ticket has no content: it was not read back with detail")
			}

			calls := callsTo(f, weiban.PathList)
			if len(calls) != tt.wantPages {
				t.Fatalf("%d list calls, want %d", len(calls), tt.wantPages)
			}
			for i, c := range calls {
				want := map[string]string{
					"limit":      strconv.Itoa(weiban.FindPageSize),
					"offset":     "",
					"start_time": strconv.FormatInt(finderSince.Add(-time.Minute).Unix(), 10),
					"end_time":   strconv.FormatInt(finderNow.Add(time.Minute).Unix(), 10),
					"title":      "磁盘告警",
				}
				if i > 0 {
					want["offset"] = strconv.Itoa(i * weiban.FindPageSize)
				}
				for k, v := range want {
					if g := c.Query.Get(k); g != v {
						t.Errorf("list call %d: %s = %q, want %q", i+1, k, g, v)
					}
				}
			}
			if d := len(callsTo(f, weiban.PathDetail)); !tt.noTitle && d != min(1, tt.want+1) {
				t.Errorf("%d detail calls, want one for a match and none otherwise", d)
			}
		})
	}
}

func TestFindCreatedRefusesWhatItCannotSearch(t *testing.T) {
	p, f := newFinderProvider(t)
	for _, tc := range []struct {
		title string
		since time.Time
	}{{" \t", finderSince}, {"", finderSince}, {"磁盘告警", time.Time{}}} {
		if _, found, err := p.FindCreated(context.Background(), tc.title, tc.since); err == nil || found {
			t.Errorf("FindCreated(%q, %v) = found %v, %v; want an error", tc.title, tc.since, found, err)
		}
	}
	if n := len(f.Calls()); n != 0 {
		t.Errorf("%d calls sent, want none", n)
	}
}

// failDetail fails every detail request before it reaches the fake.
type failDetail struct{ next http.RoundTripper }

func (rt failDetail) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == weiban.PathDetail {
		return nil, errors.New("connection reset")
	}
	return rt.next.RoundTrip(r)
}

// TestFindCreatedReadBackFails proves a match is still found when reading it back fails: the
// list entry is returned, since the ticket exists either way.
func TestFindCreatedReadBackFails(t *testing.T) {
	p, f := newFinderProvider(t, weiban.WithHTTPClient(&http.Client{Transport: failDetail{http.DefaultTransport}}))
	ids := storeFinderOrders(f, []finderOrder{{"磁盘告警", time.Minute}})
	got, found, err := p.FindCreated(context.Background(), "磁盘告警", finderSince)
	if err != nil || !found || got.ID != ids[0] || got.Title != "磁盘告警" {
		t.Fatalf("FindCreated = %+v found %v, %v; want the list entry %s", got, found, err, ids[0])
	}
	if !got.CreatedAt.Equal(finderSince.Add(time.Minute)) {
		t.Errorf("CreatedAt = %v, want the list entry's", got.CreatedAt)
	}
}

// TestFindCreatedUntitledEntryUnreadable proves that when a list entry names no title and the
// work order cannot be read, FindCreated says it cannot tell rather than "not found".
func TestFindCreatedUntitledEntryUnreadable(t *testing.T) {
	p, f := newFinderProvider(t, weiban.WithHTTPClient(&http.Client{Transport: failDetail{http.DefaultTransport}}))
	storeFinderOrders(f, []finderOrder{{"磁盘告警", time.Minute}})
	f.OmitFromList("title")
	if _, found, err := p.FindCreated(context.Background(), "磁盘告警", finderSince); err == nil || found {
		t.Errorf("FindCreated = found %v, %v; want an error", found, err)
	}
}

// TestFindCreatedAfterCreate runs the finder against a work order created through the
// provider, as the bot would after a create whose answer was lost.
func TestFindCreatedAfterCreate(t *testing.T) {
	ctx := context.Background()
	p, _, _ := newFakeProvider(t)
	since := time.Now()
	tk, err := p.Create(ctx, providers.CreateRequest{Title: " 数据库连接超时 ", Content: "生产库超时"})
	if err != nil {
		t.Fatal(err)
	}
	got, found, err := p.FindCreated(ctx, "数据库连接超时", since)
	if err != nil || !found || got.ID != tk.ID {
		t.Errorf("FindCreated = %s found %v, %v; want %s", got.ID, found, err, tk.ID)
	}
}
