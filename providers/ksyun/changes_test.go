package ksyun_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/ksyun"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
)

// A sweep's closed tickets are checked for reopening with list_tickets pages; its open tickets
// are all returned, because a reply shows only in detail.
func TestMayHaveChanged(t *testing.T) {
	base := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	put := func(f *ksyuntest.Server, status int, at time.Time) string {
		return f.Put(ksyuntest.Ticket{Title: "工单", Detail: "内容", Type: 1, Priority: 2, Status: status,
			CreatorID: ksyuntest.CreatorID, CreatorName: ksyuntest.CreatorName, ProductGroupID: 36,
			ReportedTime: at.Unix(), CreatedTime: at.Unix(), UpdatedTime: at.Unix()})
	}
	seen := func(id string, s providers.Status, at time.Time) providers.Seen {
		return providers.Seen{ID: id, Status: s, CreatedAt: at}
	}
	tests := []struct {
		name string
		// otherOpen open tickets nobody follows, created after base.
		otherOpen int
		// unknownAge leaves one closed ticket's creation time unknown.
		unknownAge bool
		wantLists  int
		wantAll    bool // every closed ticket returned (listing would cost more)
	}{
		{name: "one page per status", wantLists: 2},
		{name: "pages by the size the answer used", otherOpen: 2*ksyun.SweepPageSize + 5, wantLists: 4},
		{name: "a closed ticket of unknown age lists every open one", unknownAge: true, wantLists: 2},
		{name: "listing would cost more than reading the closed ones", otherOpen: 20 * ksyun.SweepPageSize, wantLists: 1, wantAll: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, f := newFakeProvider(t)
			var in []providers.Seen
			openA := put(f, 1, base.Add(time.Hour))
			openB := put(f, 2, base.Add(2*time.Hour))
			in = append(in, seen(openA, providers.StatusOpen, base.Add(time.Hour)), seen(openB, providers.StatusInProgress, base.Add(2*time.Hour)))
			var closed []string
			for i := range 4 {
				at := base.Add(time.Duration(i) * time.Minute)
				id := put(f, 3+i%2, at) // closed, cancelled
				closed = append(closed, id)
				s := seen(id, providers.StatusClosed, at)
				if tt.unknownAge && i == 3 {
					s.CreatedAt = time.Time{}
				}
				in = append(in, s)
			}
			// The oldest closed ticket is open again, at 处理中.
			if err := f.SetStatus(closed[0], 2); err != nil {
				t.Fatal(err)
			}
			old := put(f, 1, base.Add(-time.Hour)) // open, nobody follows it, created before them all
			for range tt.otherOpen {
				put(f, 1, base.Add(3*time.Hour))
			}

			got, err := p.MayHaveChanged(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{openA, openB, closed[0]}
			if tt.wantAll {
				want = append([]string{openA, openB}, closed...)
			}
			if !slices.Equal(got, want) {
				t.Errorf("MayHaveChanged = %v, want %v", got, want)
			}
			if slices.Contains(got, old) {
				t.Errorf("returned %s, which nobody follows", old)
			}
			lists := callsTo(f, "list_tickets")
			if len(lists) != tt.wantLists || len(callsTo(f, "detail"))+len(callsTo(f, "base")) != 0 {
				t.Fatalf("%d list_tickets calls and %d reads, want %d and none", len(lists), len(callsTo(f, "detail"))+len(callsTo(f, "base")), tt.wantLists)
			}
			since := strconv.FormatInt(base.Unix(), 10)
			if tt.unknownAge {
				since = "" // omitted
			}
			for _, body := range lists {
				w := wireFields(body)
				if w["page_size"] != strconv.Itoa(ksyun.SweepPageSize) || w["created_start"] != since && !(since == "" && w["created_start"] == "") {
					t.Errorf("list_tickets body %v, want page_size %d from %q", w, ksyun.SweepPageSize, since)
				}
				if s := w["status"]; s != "1" && s != "2" {
					t.Errorf("listed status %q, want only the open ones", s)
				}
			}
		})
	}
}

// Without closed tickets nothing is listed: every open one is read anyway.
func TestMayHaveChangedOnlyOpen(t *testing.T) {
	p, f := newFakeProvider(t)
	got, err := p.MayHaveChanged(context.Background(), []providers.Seen{{ID: "7", Status: providers.StatusOpen}})
	if err != nil || !slices.Equal(got, []string{"7"}) || len(f.Calls()) != 0 {
		t.Fatalf("MayHaveChanged = %v %v after %d calls", got, err, len(f.Calls()))
	}
}
