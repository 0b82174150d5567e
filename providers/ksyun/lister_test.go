package ksyun_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/ksyun"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
)

// consoleTicket stores a ticket as if someone opened it in Kingsoft's console.
func consoleTicket(f *ksyuntest.Server, t ksyuntest.Ticket) string {
	if t.Title == "" {
		t.Title = "控制台工单"
	}
	if t.Status == 0 {
		t.Status = 1
	}
	if t.CreatedTime == 0 {
		t.CreatedTime = fixedNow.Add(-time.Hour).Unix()
	}
	return f.Put(t)
}

func listedIDs(ts []providers.Ticket) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.ID)
	}
	slices.Sort(out)
	return out
}

func TestListerDeclares(t *testing.T) {
	p, _ := newFakeProvider(t)
	if !providers.Can(p).List {
		t.Error("Can(p).List = false")
	}
	if n := providers.ListPageSize(p); n != 50 {
		t.Errorf("ListPageSize = %d, want 50", n)
	}
	want := map[string]providers.ListFilter{
		providers.FilterStatus: {Key: providers.FilterStatus, Names: []string{"状态", "status"}, Statuses: []providers.Status{
			providers.StatusOpen, providers.StatusInProgress, providers.StatusClosed, providers.StatusCancelled}},
		ksyun.FilterCustomer:    {Key: ksyun.FilterCustomer, Names: []string{"客户", "customer"}},
		ksyun.FilterProductLine: {Key: ksyun.FilterProductLine, Names: []string{"产品线", "product_line"}, Field: providers.FieldProductLine},
		ksyun.FilterCreator:     {Key: ksyun.FilterCreator, Names: []string{"创建人", "creator"}},
	}
	got := providers.ListFilters(p)
	if len(got) != len(want) {
		t.Fatalf("filters %+v, want %d", got, len(want))
	}
	for _, f := range got {
		w := want[f.Key]
		if f.Key != w.Key || !slices.Equal(f.Names, w.Names) || f.Field != w.Field || !slices.Equal(f.Statuses, w.Statuses) {
			t.Errorf("filter %+v, want %+v", f, w)
		}
	}
}

// Each filter reaches list_tickets and narrows the fake's answer.
func TestListTicketsFilters(t *testing.T) {
	p, f := newFakeProvider(t)
	open := consoleTicket(f, ksyuntest.Ticket{Status: 1, CustomerOrganizationName: "甲公司", ProductGroupID: 36, CreatorID: 38361})
	working := consoleTicket(f, ksyuntest.Ticket{Status: 2, CustomerOrganizationName: "乙公司", ProductGroupID: 36, CreatorID: 40084})
	finished := consoleTicket(f, ksyuntest.Ticket{Status: 2, FinishedTime: fixedNow.Unix(), CustomerOrganizationName: "甲公司", ProductGroupID: 7, CreatorID: 38361})
	closed := consoleTicket(f, ksyuntest.Ticket{Status: 3, CustomerOrganizationName: "甲公司", ProductGroupID: 7, CreatorID: 40084})
	cancelled := consoleTicket(f, ksyuntest.Ticket{Status: 4, CustomerOrganizationName: "乙公司", ProductGroupID: 36, CreatorID: 38361})
	all := []string{open, working, finished, closed, cancelled}
	slices.Sort(all)
	sorted := func(s ...string) []string { return slices.Sorted(slices.Values(s)) }
	tests := []struct {
		name string
		q    providers.ListQuery
		wire map[string]string // the fields the case is about; "" for a field not sent
		want []string
	}{
		{"open", providers.ListQuery{Statuses: []providers.Status{providers.StatusOpen}},
			map[string]string{"status": "1"}, []string{open}},
		{"to confirm is sent as 2, the caller narrows", providers.ListQuery{Statuses: []providers.Status{providers.StatusPendingConfirm}},
			map[string]string{"status": "2"}, sorted(working, finished)},
		{"in progress and to confirm are one status", providers.ListQuery{Statuses: []providers.Status{providers.StatusInProgress, providers.StatusPendingConfirm}},
			map[string]string{"status": "2"}, sorted(working, finished)},
		{"closed", providers.ListQuery{Statuses: []providers.Status{providers.StatusClosed}},
			map[string]string{"status": "3"}, []string{closed}},
		{"cancelled", providers.ListQuery{Statuses: []providers.Status{providers.StatusCancelled}},
			map[string]string{"status": "4"}, []string{cancelled}},
		{"several statuses: none sent", providers.ListQuery{Statuses: []providers.Status{providers.StatusOpen, providers.StatusClosed}},
			map[string]string{"status": ""}, all},
		{"a state Kingsoft has not: none sent", providers.ListQuery{Statuses: []providers.Status{providers.StatusWaitingOnUs}},
			map[string]string{"status": ""}, all},
		{"customer", providers.ListQuery{Filters: map[string]string{ksyun.FilterCustomer: " 甲公司 "}},
			map[string]string{"customer_organization_name": "甲公司"}, sorted(open, finished, closed)},
		{"product line", providers.ListQuery{Filters: map[string]string{ksyun.FilterProductLine: "7"}},
			map[string]string{"product_group_id": "[7]"}, sorted(finished, closed)},
		{"creator", providers.ListQuery{Filters: map[string]string{ksyun.FilterCreator: "40084"}},
			map[string]string{"creator_id": "40084"}, sorted(working, closed)},
		{"customer, creator and state", providers.ListQuery{Statuses: []providers.Status{providers.StatusInProgress},
			Filters: map[string]string{ksyun.FilterCustomer: "甲公司", ksyun.FilterCreator: "38361"}},
			map[string]string{"status": "2", "customer_organization_name": "甲公司", "creator_id": "38361"}, []string{finished}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := p.ListTickets(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(listedIDs(got), tt.want) || total != int64(len(tt.want)) {
				t.Errorf("listed %v (total %d), want %v", listedIDs(got), total, tt.want)
			}
			bodies := callsTo(f, "list_tickets")
			wire := wireFields(bodies[len(bodies)-1])
			for k, v := range tt.wire {
				if wire[k] != v {
					t.Errorf("%s = %q, want %q (sent %v)", k, wire[k], v, wire)
				}
			}
			if wire["page"] != "1" || wire["page_size"] != "50" {
				t.Errorf("sent page %s of %s, want 1 of 50", wire["page"], wire["page_size"])
			}
		})
	}
}

// created_start is CreatedFrom in seconds, rounded down: a ticket created a second before the
// cursor is left out, one at the cursor (in the same second) is listed. Entries carry id,
// state, raw state and creation time.
func TestListTicketsCreatedFrom(t *testing.T) {
	p, f := newFakeProvider(t)
	cursor := fixedNow.Add(-time.Hour)
	consoleTicket(f, ksyuntest.Ticket{CreatedTime: cursor.Unix() - 1})
	atCursor := consoleTicket(f, ksyuntest.Ticket{CreatedTime: cursor.Unix(), Status: 2})
	after := consoleTicket(f, ksyuntest.Ticket{CreatedTime: cursor.Unix() + 60, Status: 3})
	want := []string{atCursor, after}
	slices.Sort(want)
	for _, from := range []time.Time{cursor, cursor.Add(900 * time.Millisecond)} {
		got, total, err := p.ListTickets(context.Background(), providers.ListQuery{CreatedFrom: from})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(listedIDs(got), want) || total != 2 {
			t.Errorf("from %s: listed %v (total %d), want %v", from.Format(time.RFC3339Nano), listedIDs(got), total, want)
		}
		bodies := callsTo(f, "list_tickets")
		if s := fmt.Sprint(bodies[len(bodies)-1]["created_start"]); s != strconv.FormatInt(cursor.Unix(), 10) {
			t.Errorf("created_start = %s, want %d", s, cursor.Unix())
		}
		for _, tk := range got {
			wantAt := cursor
			if tk.ID == after {
				wantAt = cursor.Add(time.Minute)
			}
			if tk.Provider != "ksyun" || tk.Status == providers.StatusUnknown || tk.RawStatus == "" || !tk.CreatedAt.Equal(wantAt) {
				t.Errorf("entry %+v: want provider, state, raw state and creation time %s", tk, wantAt)
			}
		}
	}
}

// Paging from 1 reaches every ticket exactly once.
func TestListTicketsPaging(t *testing.T) {
	const n = 123
	for _, size := range []int{0, 1, 7, 50} {
		t.Run(fmt.Sprint("size ", size), func(t *testing.T) {
			p, f := newFakeProvider(t)
			want := make([]string, 0, n)
			for i := range n {
				want = append(want, consoleTicket(f, ksyuntest.Ticket{CreatedTime: fixedNow.Unix() - int64(i)}))
			}
			slices.Sort(want)
			step := cmp.Or(size, 50)
			var got []string
			for page := 1; page <= n+1; page++ {
				ts, total, err := p.ListTickets(context.Background(), providers.ListQuery{Page: page, Size: size})
				if err != nil {
					t.Fatal(err)
				}
				if total != n {
					t.Fatalf("page %d: total %d, want %d", page, total, n)
				}
				if len(ts) == 0 {
					if page != (n+step-1)/step+1 {
						t.Errorf("ran out at page %d with pages of %d", page, step)
					}
					break
				}
				got = append(got, listedIDs(ts)...)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("paged %d tickets, want each of %d once", len(got), n)
			}
		})
	}
}

// A vendor that answers fewer tickets than page_size asks, while more match, is an error: the
// next page would not follow on from this one.
func TestListTicketsCatchesACappedPage(t *testing.T) {
	p, f := newFakeProvider(t)
	for range 30 {
		consoleTicket(f, ksyuntest.Ticket{})
	}
	f.SetListPageCap(20)
	if _, _, err := p.ListTickets(context.Background(), providers.ListQuery{Size: 25}); err == nil || !strings.Contains(err.Error(), "holds 20 tickets of the 25 asked") {
		t.Errorf("capped page: %v, want an error", err)
	}
	// A last page may be short.
	if ts, _, err := p.ListTickets(context.Background(), providers.ListQuery{Page: 2, Size: 20}); err != nil || len(ts) != 10 {
		t.Errorf("last page: %d tickets, %v; want 10", len(ts), err)
	}
}

// A bad page size or filter value is refused before the wire; what the vendor refuses comes
// back as its error.
func TestListTicketsRefuses(t *testing.T) {
	p, f := newFakeProvider(t)
	for _, q := range []providers.ListQuery{
		{Size: 51},
		{Size: -1},
		{Page: -1},
		{Filters: map[string]string{ksyun.FilterCreator: "zhangsan2"}},
		{Filters: map[string]string{ksyun.FilterCreator: "-5"}},
		{Filters: map[string]string{ksyun.FilterProductLine: "云服务器"}},
		{Filters: map[string]string{ksyun.FilterCustomer: " "}},
		{Filters: map[string]string{"title": "x"}},
	} {
		if _, _, err := p.ListTickets(context.Background(), q); err == nil || !strings.HasPrefix(err.Error(), "ksyun: list tickets: ") {
			t.Errorf("ListTickets(%+v) = %v, want an error", q, err)
		}
	}
	_, _, err := p.ListTickets(context.Background(), providers.ListQuery{Filters: map[string]string{ksyun.FilterCreator: "zhangsan2"}})
	if !strings.Contains(err.Error(), "长工号") {
		t.Errorf("a creator that is no 长工号: %v, want it said", err)
	}
	if n := len(callsTo(f, "list_tickets")); n != 0 {
		t.Errorf("%d calls reached the fake", n)
	}
	f.FailNext(1, ksyuntest.ErrParam, "参数错误")
	_, _, err = p.ListTickets(context.Background(), providers.ListQuery{})
	var ve *providers.VendorError
	if !errors.As(err, &ve) || ve.Code != strconv.Itoa(ksyuntest.ErrParam) {
		t.Errorf("refused list = %v, want Kingsoft's %d", err, ksyuntest.ErrParam)
	}
}

// The fake's list_tickets checks what the doc says of its fields, in the vendor's envelope.
func TestFakeListChecks(t *testing.T) {
	f := ksyuntest.New("appA", testSecret)
	defer f.Close()
	now := time.Now().Unix()
	tests := []struct {
		name, body string
		want       int
	}{
		{"the doc's example", `{"created_end":0,"created_start":0,"creator_id":0,"customer_organization_name":"","page":1,"page_size":10,"product_group_id":[],"type":0,"status":0,"sub_type":0,"second_subtype":0}`, ksyun.SuccessCode},
		{"created_start in seconds", fmt.Sprintf(`{"created_start":%d}`, now), ksyun.SuccessCode},
		{"created_start in milliseconds", fmt.Sprintf(`{"created_start":%d}`, now*1000), ksyuntest.ErrParam},
		{"created_end in milliseconds", fmt.Sprintf(`{"created_end":%d}`, now*1000), ksyuntest.ErrParam},
		{"negative page", `{"page":-1}`, ksyuntest.ErrParam},
		{"negative page size", `{"page_size":-10}`, ksyuntest.ErrParam},
		{"status 5", `{"status":5}`, ksyuntest.ErrParam},
		{"status as a list", `{"status":[1,2]}`, ksyuntest.ErrParam},
		{"creator as text", `{"creator_id":"zhangsan2"}`, ksyuntest.ErrParam},
		{"product line as a number", `{"product_group_id":36}`, ksyuntest.ErrParam},
		{"unknown field", `{"customer":"甲公司"}`, ksyuntest.ErrParam},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, env := rawCall(t, f, http.MethodPost, "list_tickets", "", tt.body)
			if status != http.StatusOK || env.Errno != tt.want {
				t.Errorf("HTTP %d errno %d %q, want 200 errno %d", status, env.Errno, env.Errmsg, tt.want)
			}
		})
	}
}

// The fake's list stays fast over 10,000 tickets: one page of the newest.
func BenchmarkFakeList10k(b *testing.B) {
	f := ksyuntest.New("appA", testSecret)
	b.Cleanup(f.Close)
	f.SetClock(fixedClock)
	p, err := ksyun.New(f.Config(), ksyun.WithClock(fixedClock))
	if err != nil {
		b.Fatal(err)
	}
	for i := range 10_000 {
		consoleTicket(f, ksyuntest.Ticket{CreatedTime: fixedNow.Unix() - int64(i), CustomerOrganizationName: "甲公司"})
	}
	q := providers.ListQuery{CreatedFrom: fixedNow.Add(-time.Hour), Filters: map[string]string{ksyun.FilterCustomer: "甲公司"}}
	for b.Loop() {
		if ts, _, err := p.ListTickets(context.Background(), q); err != nil || len(ts) != 50 {
			b.Fatalf("listed %d, %v", len(ts), err)
		}
	}
}
