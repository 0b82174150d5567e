package weiban_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

// listNow is the provider's clock in the lister tests.
var listNow = time.Unix(1700000000, 0)

func newListProvider(t testing.TB) (*weiban.Provider, *weibantest.Server) {
	t.Helper()
	f := weibantest.New("corp-1", testSecret)
	t.Cleanup(f.Close)
	rec := &weiban.SleepRecorder{}
	p, err := weiban.New(f.Config(), weiban.WithSleep(rec.Sleep), weiban.WithClock(func() time.Time { return listNow }))
	if err != nil {
		t.Fatal(err)
	}
	return p, f
}

func orderNos(ts []providers.Ticket) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.ID)
	}
	slices.Sort(out)
	return out
}

// lastListQuery is the query of the last list call.
func lastListQuery(t *testing.T, f *weibantest.Server) map[string]string {
	t.Helper()
	calls := callsTo(f, weiban.PathList)
	if len(calls) == 0 {
		t.Fatal("no list call reached the fake")
	}
	out := map[string]string{}
	for k := range calls[len(calls)-1].Query {
		if k != "access_token" {
			out[k] = calls[len(calls)-1].Query.Get(k)
		}
	}
	return out
}

func TestListerDeclares(t *testing.T) {
	p, _ := newListProvider(t)
	if !providers.Can(p).List {
		t.Error("Can(p).List = false")
	}
	if n := providers.ListPageSize(p); n != 100 {
		t.Errorf("ListPageSize = %d, want 100", n)
	}
	fs := providers.ListFilters(p)
	if len(fs) != 1 || fs[0].Key != weiban.FilterTitle || !slices.Equal(fs[0].Names, []string{"标题", "title"}) || fs[0].Field != "" || fs[0].Statuses != nil {
		t.Errorf("filters %+v, want the title alone (no status filter)", fs)
	}
}

// The title reaches the wire and narrows the answer; states are not sent (the list has no
// status filter), so every state comes back.
func TestListTicketsFilters(t *testing.T) {
	p, f := newListProvider(t)
	at := listNow.Add(-time.Hour)
	disk := f.AddOrder("磁盘告警", at)
	disk2 := f.AddOrder("磁盘告警（二）", at)
	net := f.AddOrder("网络抖动", at)
	if err := f.SetStatus(net, 99); err != nil {
		t.Fatal(err)
	}
	from := listNow.Add(-2 * time.Hour)
	tests := []struct {
		name string
		q    providers.ListQuery
		wire map[string]string
		want []string
	}{
		{"title", providers.ListQuery{CreatedFrom: from, Filters: map[string]string{weiban.FilterTitle: " 磁盘告警 "}},
			map[string]string{"title": "磁盘告警"}, slices.Sorted(slices.Values([]string{disk, disk2}))},
		{"states are left to the caller", providers.ListQuery{CreatedFrom: from, Statuses: []providers.Status{providers.StatusClosed}},
			map[string]string{"title": ""}, slices.Sorted(slices.Values([]string{disk, disk2, net}))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := p.ListTickets(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(orderNos(got), tt.want) || total != int64(len(tt.want)) {
				t.Errorf("listed %v (total %d), want %v", orderNos(got), total, tt.want)
			}
			wire := lastListQuery(t, f)
			for k, v := range tt.wire {
				if wire[k] != v {
					t.Errorf("%s = %q, want %q (sent %v)", k, wire[k], v, wire)
				}
			}
			for k := range wire {
				if strings.Contains(k, "status") {
					t.Errorf("sent %s: list has no status filter", k)
				}
			}
		})
	}
}

// start_time is CreatedFrom in seconds, rounded down, with end_time an hour past the clock: a
// work order created a second before the cursor is left out, one at the cursor is listed.
// Entries carry id, state, raw state and creation time.
func TestListTicketsCreatedFrom(t *testing.T) {
	p, f := newListProvider(t)
	cursor := listNow.Add(-time.Hour)
	f.AddOrder("之前", cursor.Add(-time.Second))
	atCursor := f.AddOrder("此刻", cursor)
	after := f.AddOrder("之后", cursor.Add(time.Minute))
	created := map[string]time.Time{atCursor: cursor, after: cursor.Add(time.Minute)}
	want := slices.Sorted(slices.Values([]string{atCursor, after}))
	for _, from := range []time.Time{cursor, cursor.Add(900 * time.Millisecond)} {
		got, total, err := p.ListTickets(context.Background(), providers.ListQuery{CreatedFrom: from})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(orderNos(got), want) || total != 2 {
			t.Errorf("from %s: listed %v (total %d), want %v", from.Format(time.RFC3339Nano), orderNos(got), total, want)
		}
		wire := lastListQuery(t, f)
		if wire["start_time"] != strconv.FormatInt(cursor.Unix(), 10) || wire["end_time"] != strconv.FormatInt(listNow.Add(time.Hour).Unix(), 10) {
			t.Errorf("sent %v, want start_time %d with end_time %d", wire, cursor.Unix(), listNow.Add(time.Hour).Unix())
		}
		for _, tk := range got {
			if tk.Provider != "weiban" || tk.Status == providers.StatusUnknown || tk.RawStatus == "" || !tk.CreatedAt.Equal(created[tk.ID]) {
				t.Errorf("entry %+v: want provider, state, raw state and creation time %s", tk, created[tk.ID])
			}
		}
	}
}

// Should the list window the update time, a work order created before the cursor and touched
// since is not listed as new; an entry without created_at is read for it.
func TestListTicketsKeepsOnlyTheCreatedSince(t *testing.T) {
	p, f := newListProvider(t)
	cursor := listNow.Add(-time.Hour)
	old := f.AddOrder("旧工单", cursor.Add(-24*time.Hour))
	fresh := f.AddOrder("新工单", cursor.Add(time.Minute))
	f.SetClock(func() time.Time { return cursor.Add(2 * time.Minute) })
	if err := f.Update(old, func(map[string]any, int64) {}); err != nil {
		t.Fatal(err)
	}
	f.ListWindowByUpdate(true)
	f.OmitFromList("created_at")
	got, total, err := p.ListTickets(context.Background(), providers.ListQuery{CreatedFrom: cursor})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(orderNos(got), []string{fresh}) || total != 2 || !got[0].CreatedAt.Equal(cursor.Add(time.Minute)) {
		t.Errorf("listed %+v (total %d), want %s alone, created %s", got, total, fresh, cursor.Add(time.Minute))
	}
	if n := len(callsTo(f, weiban.PathDetail)); n != 2 {
		t.Errorf("%d detail reads, want one per entry without created_at (2)", n)
	}
}

// Paging from 1 reaches every work order exactly once.
func TestListTicketsPaging(t *testing.T) {
	const n = 123
	for _, size := range []int{0, 7, 100} {
		t.Run(fmt.Sprint("size ", size), func(t *testing.T) {
			p, f := newListProvider(t)
			want := []string{weibantest.DocOrderNo}
			for i := range n {
				want = append(want, f.AddOrder(fmt.Sprint("工单 ", i), listNow.Add(-time.Duration(i)*time.Minute)))
			}
			slices.Sort(want)
			step := cmp.Or(size, 100)
			var got []string
			for page := 1; page <= n+2; page++ {
				ts, total, err := p.ListTickets(context.Background(), providers.ListQuery{Page: page, Size: size})
				if err != nil {
					t.Fatal(err)
				}
				if total != n+1 {
					t.Fatalf("page %d: total %d, want %d", page, total, n+1)
				}
				if len(ts) == 0 {
					if page != (n+1+step-1)/step+1 {
						t.Errorf("ran out at page %d with pages of %d", page, step)
					}
					break
				}
				got = append(got, orderNos(ts)...)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("paged %d work orders, want each of %d once", len(got), len(want))
			}
		})
	}
}

// A bad page size or filter is refused before the wire; what Weiban refuses comes back as its
// error.
func TestListTicketsRefuses(t *testing.T) {
	p, f := newListProvider(t)
	for _, q := range []providers.ListQuery{
		{Size: 101},
		{Size: -1},
		{Page: -1},
		{Filters: map[string]string{weiban.FilterTitle: " "}},
		{Filters: map[string]string{providers.FilterStatus: "closed"}},
		{Filters: map[string]string{"customer": "x"}},
	} {
		if _, _, err := p.ListTickets(context.Background(), q); err == nil || !strings.HasPrefix(err.Error(), "weiban: list work orders: ") {
			t.Errorf("ListTickets(%+v) = %v, want an error", q, err)
		}
	}
	if n := len(callsTo(f, weiban.PathList)); n != 0 {
		t.Errorf("%d calls reached the fake", n)
	}
	f.FailNext(1, weibantest.ErrParam, "limit非法")
	_, _, err := p.ListTickets(context.Background(), providers.ListQuery{})
	var ve *providers.VendorError
	if !errors.As(err, &ve) || ve.Code != strconv.Itoa(weibantest.ErrParam) {
		t.Errorf("refused list = %v, want Weiban's %d", err, weibantest.ErrParam)
	}
}

// The fake's list stays fast over 10,000 work orders: one page of the newest.
func BenchmarkFakeList10k(b *testing.B) {
	p, f := newListProvider(b)
	for i := range 10_000 {
		f.AddOrder(fmt.Sprint("工单 ", i), listNow.Add(-time.Duration(i)*time.Second))
	}
	q := providers.ListQuery{CreatedFrom: listNow.Add(-time.Hour), Filters: map[string]string{weiban.FilterTitle: "工单"}}
	for b.Loop() {
		if ts, _, err := p.ListTickets(context.Background(), q); err != nil || len(ts) != 100 {
			b.Fatalf("listed %d, %v", len(ts), err)
		}
	}
}
