package weiban_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

// A sweep lists the orders created since the oldest followed one, 100 a call, and returns
// only the followed orders whose status or updated_at moved, or that the list cannot vouch
// for.
func TestMayHaveChanged(t *testing.T) {
	tests := []struct {
		name      string
		omit      bool // list entries without updated_at
		others    int  // orders nobody follows, in the window
		wantLists int
		wantAll   bool
	}{
		{name: "one page", wantLists: 1},
		{name: "several pages", others: 250, wantLists: 3},
		{name: "entries without updated_at vouch for nothing", omit: true, wantLists: 1, wantAll: true},
		{name: "listing would cost more than reading each", others: 2000, wantLists: 1, wantAll: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			p, f, _ := newFakeProvider(t, weiban.WithClock(clock))
			f.SetClock(clock)
			ctx := context.Background()
			var seen []providers.Seen
			var ids []string
			for i := range 5 {
				no := f.AddOrder(fmt.Sprint("工单 ", i), now.Add(-time.Duration(5-i)*time.Hour))
				tk, err := p.Get(ctx, no)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, no)
				seen = append(seen, providers.Seen{ID: no, Status: tk.Status, RawStatus: tk.RawStatus, CreatedAt: tk.CreatedAt, UpdatedAt: tk.UpdatedAt})
			}
			for i := range tt.others {
				f.AddOrder(fmt.Sprint("别人的工单 ", i), now.Add(-time.Hour))
			}
			f.AddOrder("窗口之前的工单", now.Add(-10*time.Hour))
			mu.Lock()
			now = now.Add(time.Minute)
			mu.Unlock()
			if err := f.SetStatus(ids[1], weibantest.StatusProcessing); err != nil {
				t.Fatal(err)
			}
			if err := f.AddFlow(ids[3], weibantest.AgentID, "已处理，请确认"); err != nil {
				t.Fatal(err)
			}
			gone := providers.Seen{ID: "WO-NOT-IN-WEIBAN", Status: providers.StatusOpen, RawStatus: "1", CreatedAt: seen[2].CreatedAt, UpdatedAt: seen[2].UpdatedAt}
			seen = append(seen, gone)
			if tt.omit {
				f.OmitFromList("updated_at")
			}
			before := len(f.Calls())

			got, err := p.MayHaveChanged(ctx, seen)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{ids[1], ids[3], gone.ID}
			if tt.wantAll {
				want = append(append([]string(nil), ids...), gone.ID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("MayHaveChanged = %v, want %v", got, want)
			}
			calls := f.Calls()[before:]
			lists := 0
			for _, c := range calls {
				if c.Path != weiban.PathList {
					t.Errorf("called %s; a sweep's narrowing only lists", c.Path)
					continue
				}
				lists++
				if q := c.Query; q.Get("limit") != "100" || q.Get("start_time") != fmt.Sprint(seen[0].CreatedAt.Unix()) {
					t.Errorf("list query %v, want limit 100 from the oldest followed order", q)
				}
			}
			if lists != tt.wantLists {
				t.Errorf("%d list calls, want %d", lists, tt.wantLists)
			}
		})
	}
}
