package aliyun_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/aliyun/aliyuntest"
)

var listVersions = []string{aliyun.Version2016, aliyun.Version2021}

func newListProvider(t testing.TB, version string) (*aliyun.Provider, *aliyuntest.Server) {
	t.Helper()
	f := aliyuntest.New("testid", testSecret)
	t.Cleanup(f.Close)
	f.SetClock(aliyun.FixedClock)
	cfg := f.Config()
	cfg.APIVersion = version
	p, err := aliyun.New(cfg, aliyun.WithClock(aliyun.FixedClock), aliyun.WithSleep(aliyun.SleepCtx))
	if err != nil {
		t.Fatal(err)
	}
	return p, f
}

// consoleTicket stores a ticket as if someone opened it in Aliyun's console: raw status,
// product and creation time as given.
func consoleTicket(f *aliyuntest.Server, version, status string, product int64, at time.Time) string {
	return f.Put(aliyuntest.Ticket{Version: version, Title: "控制台工单 " + status, Content: "内容", Status: status,
		ProductID: product, CategoryID: aliyuntest.CategoryID, Severity: 1, AliUID: aliyuntest.AliUID, CreatedAt: at, UpdatedAt: at})
}

// listAction is the version's list action.
func listAction(version string) string {
	if version == aliyun.Version2021 {
		return "ListTickets"
	}
	return "QuestionList"
}

// lastListParams are the parameters of the last list call, without the common ones.
func lastListParams(t *testing.T, f *aliyuntest.Server, version string) map[string]string {
	t.Helper()
	calls := f.CallsTo(listAction(version))
	if len(calls) == 0 {
		t.Fatal("no list call reached the fake")
	}
	return params(calls[len(calls)-1])
}

func ids(ts []providers.Ticket) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.ID)
	}
	slices.Sort(out)
	return out
}

func sorted(s ...string) []string { return slices.Sorted(slices.Values(s)) }

func TestListerDeclares(t *testing.T) {
	for _, version := range listVersions {
		t.Run(version, func(t *testing.T) {
			p, _ := newListProvider(t, version)
			if !providers.Can(p).List {
				t.Error("Can(p).List = false")
			}
			if n := providers.ListPageSize(p); n != 100 {
				t.Errorf("ListPageSize = %d, want 100", n)
			}
			var keys []string
			for _, f := range providers.ListFilters(p) {
				keys = append(keys, f.Key)
				switch f.Key {
				case providers.FilterStatus:
					want := []providers.Status{providers.StatusWaitingOnUs, providers.StatusPendingConfirm, providers.StatusOpen,
						providers.StatusInProgress, providers.StatusClosed}
					if !slices.Equal(f.Statuses, want) {
						t.Errorf("status filter states = %v, want %v", f.Statuses, want)
					}
				case aliyun.FilterProduct:
					if f.Field != providers.FieldProduct || !slices.Equal(f.Names, []string{"产品", "product"}) {
						t.Errorf("product filter = %+v", f)
					}
				}
			}
			want := []string{providers.FilterStatus, aliyun.FilterProduct}
			if version == aliyun.Version2021 {
				want = want[:1] // ListTickets cannot filter by product
			}
			if !slices.Equal(keys, want) {
				t.Errorf("filters %v, want %v", keys, want)
			}
		})
	}
}

// Each filter reaches the wire in the version's spelling and narrows the fake's answer.
func TestListTicketsFilters(t *testing.T) {
	at := aliyun.FixedNow.Add(-time.Hour)
	for _, version := range listVersions {
		t.Run(version, func(t *testing.T) {
			p, f := newListProvider(t, version)
			open := consoleTicket(f, version, "assigned", aliyuntest.ProductID, at)
			waiting := consoleTicket(f, version, "wait_feedback", aliyuntest.ProductID, at)
			confirm := consoleTicket(f, version, "wait_confirm", 9, at)
			done := consoleTicket(f, version, "confirmed", 9, at)
			replied := consoleTicket(f, version, "feedback", aliyuntest.ProductID, at)
			all := sorted(open, waiting, confirm, done, replied)
			v16 := version == aliyun.Version2016
			tests := []struct {
				name     string
				q        providers.ListQuery
				wire16   map[string]string // the QuestionList parameters the case is about
				wire21   map[string]string // the ListTickets ones
				noStatus bool              // no status parameter at all
				want     []string
				only16   bool
			}{
				{name: "waiting on us", q: providers.ListQuery{Statuses: []providers.Status{providers.StatusWaitingOnUs}},
					wire16: map[string]string{"QuestionStatus": "wait_feedback"}, wire21: map[string]string{"StatusList.1": "wait_feedback"},
					want: []string{waiting}},
				{name: "in progress, replied included", q: providers.ListQuery{Statuses: []providers.Status{providers.StatusInProgress}},
					wire16: map[string]string{"QuestionStatus": "dealing,feedback"}, wire21: map[string]string{"StatusList.1": "dealing", "StatusList.2": "feedback"},
					want: []string{replied}},
				{name: "closed", q: providers.ListQuery{Statuses: []providers.Status{providers.StatusClosed}},
					wire16: map[string]string{"QuestionStatus": "confirmed,score"}, wire21: map[string]string{"StatusList.1": "confirmed"},
					want: []string{done}},
				{name: "open or to confirm", q: providers.ListQuery{Statuses: []providers.Status{providers.StatusOpen, providers.StatusPendingConfirm}},
					wire16: map[string]string{"QuestionStatus": "assigned,wait_confirm"}, wire21: map[string]string{"StatusList.1": "assigned", "StatusList.2": "wait_confirm"},
					want: sorted(open, confirm)},
				{name: "a state Aliyun has not: every state, the caller narrows", q: providers.ListQuery{Statuses: []providers.Status{providers.StatusOpen, providers.StatusCancelled}},
					noStatus: true, want: all},
				{name: "product", q: providers.ListQuery{Filters: map[string]string{aliyun.FilterProduct: " 9 "}},
					wire16: map[string]string{"ProductIds": "9"}, want: sorted(confirm, done), only16: true},
				{name: "product and state", q: providers.ListQuery{Filters: map[string]string{aliyun.FilterProduct: "9"}, Statuses: []providers.Status{providers.StatusClosed}},
					wire16: map[string]string{"ProductIds": "9", "QuestionStatus": "confirmed,score"}, want: []string{done}, only16: true},
			}
			for _, tt := range tests {
				if tt.only16 && !v16 {
					continue
				}
				t.Run(tt.name, func(t *testing.T) {
					got, total, err := p.ListTickets(context.Background(), tt.q)
					if err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(ids(got), tt.want) || total != int64(len(tt.want)) {
						t.Errorf("listed %v (total %d), want %v", ids(got), total, tt.want)
					}
					wire, want := lastListParams(t, f, version), tt.wire21
					if v16 {
						want = tt.wire16
					}
					for k, v := range want {
						if wire[k] != v {
							t.Errorf("%s = %q, want %q (sent %v)", k, wire[k], v, wire)
						}
					}
					for k := range wire {
						if tt.noStatus && (k == "QuestionStatus" || strings.HasPrefix(k, "StatusList.")) {
							t.Errorf("sent %s though a state cannot be narrowed to (sent %v)", k, wire)
						}
					}
				})
			}
		})
	}
}

// CreatedFrom is sent in milliseconds, rounded down: a ticket created a millisecond before the
// cursor is left out, one at the cursor is listed. Every entry carries its id and state, and
// with 2016 its creation time (2021's list has none: Aliyun applied the window).
func TestListTicketsCreatedFrom(t *testing.T) {
	cursor := aliyun.FixedNow.Add(-time.Hour)
	for _, version := range listVersions {
		t.Run(version, func(t *testing.T) {
			p, f := newListProvider(t, version)
			consoleTicket(f, version, "assigned", aliyuntest.ProductID, cursor.Add(-time.Millisecond))
			consoleTicket(f, version, "dealing", aliyuntest.ProductID, cursor.Add(-24*time.Hour))
			atCursor := consoleTicket(f, version, "assigned", aliyuntest.ProductID, cursor)
			after := consoleTicket(f, version, "wait_feedback", aliyuntest.ProductID, cursor.Add(time.Second))
			created := map[string]time.Time{atCursor: cursor, after: cursor.Add(time.Second)}
			for _, from := range []time.Time{cursor, cursor.Add(700 * time.Microsecond)} {
				got, total, err := p.ListTickets(context.Background(), providers.ListQuery{CreatedFrom: from})
				if err != nil {
					t.Fatal(err)
				}
				if want := sorted(atCursor, after); !slices.Equal(ids(got), want) || total != 2 {
					t.Errorf("from %s: listed %v (total %d), want %v", from.Format(time.RFC3339Nano), ids(got), total, want)
				}
				wire := lastListParams(t, f, version)
				ms := fmt.Sprint(cursor.UnixMilli())
				if version == aliyun.Version2016 {
					if wire["AddStartTime"] != ms || wire["AddEndTime"] != "" {
						t.Errorf("sent %v, want AddStartTime %s alone", wire, ms)
					}
				} else if end := fmt.Sprint(aliyun.FixedNow.Add(time.Hour).UnixMilli()); wire["StartDate"] != ms || wire["EndDate"] != end {
					t.Errorf("sent %v, want StartDate %s with EndDate %s", wire, ms, end)
				}
				for _, tk := range got {
					wantAt := created[tk.ID]
					if version == aliyun.Version2021 {
						wantAt = time.Time{}
					}
					if tk.Provider != "aliyun" || tk.Status == "" || tk.Status == providers.StatusUnknown || tk.RawStatus == "" || !tk.CreatedAt.Equal(wantAt) {
						t.Errorf("entry %+v: want provider, state, raw state and creation time %s", tk, created[tk.ID])
					}
				}
			}
		})
	}
}

// With 2016, a fake that reads the window in seconds (as help.aliyun 143231's example hints)
// matches nothing for a bound in milliseconds: the unit the lister sends is an ASSUME.
func TestListTickets2016WindowInSecondsMatchesNothing(t *testing.T) {
	p, f := newListProvider(t, aliyun.Version2016)
	if err := f.SetListTimeUnit(time.Second); err != nil {
		t.Fatal(err)
	}
	consoleTicket(f, aliyun.Version2016, "assigned", aliyuntest.ProductID, aliyun.FixedNow)
	got, total, err := p.ListTickets(context.Background(), providers.ListQuery{CreatedFrom: aliyun.FixedNow.Add(-time.Hour)})
	if err != nil || len(got) != 0 || total != 0 {
		t.Errorf("listed %v total %d, %v; want nothing", ids(got), total, err)
	}
}

// Paging from 1 reaches every ticket exactly once, at the largest and the least page size.
func TestListTicketsPaging(t *testing.T) {
	const n = 230
	for _, version := range listVersions {
		least := 20
		if version == aliyun.Version2021 {
			least = 10
		}
		for _, size := range []int{0, least} {
			t.Run(fmt.Sprintf("%s size %d", version, size), func(t *testing.T) {
				p, f := newListProvider(t, version)
				want := make([]string, 0, n)
				for i := range n {
					want = append(want, consoleTicket(f, version, "assigned", aliyuntest.ProductID, aliyun.FixedNow.Add(-time.Duration(i)*time.Minute)))
				}
				slices.Sort(want)
				step := size
				if step == 0 {
					step = 100
				}
				var got []string
				for page := 1; ; page++ {
					ts, total, err := p.ListTickets(context.Background(), providers.ListQuery{Page: page, Size: size})
					if err != nil {
						t.Fatal(err)
					}
					if total != n {
						t.Fatalf("page %d: total %d, want %d", page, total, n)
					}
					if len(ts) == 0 {
						if want := (n + step - 1) / step; page != want+1 {
							t.Errorf("ran out at page %d, want after %d pages", page, want)
						}
						break
					}
					if len(ts) > step {
						t.Fatalf("page %d holds %d tickets, more than %d", page, len(ts), step)
					}
					for _, tk := range ts {
						got = append(got, tk.ID)
					}
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("paged %d tickets (%d distinct), want each of %d once", len(got), len(slices.Compact(slices.Clone(got))), n)
				}
			})
		}
	}
}

// A page size or a filter the list cannot take is refused before the wire; what reaches the
// wire and is refused comes back as Aliyun's error.
func TestListTicketsRefuses(t *testing.T) {
	for _, version := range listVersions {
		t.Run(version, func(t *testing.T) {
			p, f := newListProvider(t, version)
			least := 20
			if version == aliyun.Version2021 {
				least = 10
			}
			bad := []providers.ListQuery{
				{Size: 101},
				{Size: least - 1},
				{Page: -1},
				{Filters: map[string]string{"customer": "x"}},
				{Filters: map[string]string{aliyun.FilterProduct: "ECS"}},
				{Filters: map[string]string{aliyun.FilterProduct: "0"}},
			}
			if version == aliyun.Version2021 {
				bad = append(bad, providers.ListQuery{Filters: map[string]string{aliyun.FilterProduct: "9"}})
			}
			for _, q := range bad {
				if _, _, err := p.ListTickets(context.Background(), q); err == nil || !strings.HasPrefix(err.Error(), "aliyun: list tickets: ") {
					t.Errorf("ListTickets(%+v) = %v, want an error", q, err)
				}
			}
			if n := len(f.CallsTo(listAction(version))); n != 0 {
				t.Errorf("%d list calls reached the fake", n)
			}
			code := aliyuntest.ErrParam
			if version == aliyun.Version2021 {
				code = aliyuntest.ErrParam21
			}
			f.FailNext(1, code, "ILLEGAL_PARAM: pageSize")
			_, _, err := p.ListTickets(context.Background(), providers.ListQuery{})
			var ve *providers.VendorError
			if !errors.As(err, &ve) || ve.Code != code {
				t.Errorf("refused list = %v, want Aliyun's %s", err, code)
			}
		})
	}
}

// The fake's list stays fast over 10,000 tickets: one page of the newest.
func BenchmarkFakeList10k(b *testing.B) {
	p, f := newListProvider(b, aliyun.Version2016)
	for i := range 10_000 {
		consoleTicket(f, aliyun.Version2016, "assigned", aliyuntest.ProductID, aliyun.FixedNow.Add(-time.Duration(i)*time.Second))
	}
	q := providers.ListQuery{CreatedFrom: aliyun.FixedNow.Add(-time.Hour), Statuses: []providers.Status{providers.StatusOpen}}
	for b.Loop() {
		if ts, _, err := p.ListTickets(context.Background(), q); err != nil || len(ts) != 100 {
			b.Fatalf("listed %d, %v", len(ts), err)
		}
	}
}
