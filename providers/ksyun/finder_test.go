package ksyun_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/ksyun"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
)

// finderTicket is a ticket to store in the fake: its title and when, relative to since, it was
// created.
type finderTicket struct {
	title string
	at    time.Duration
}

// storeFinderTickets stores tickets directly in the fake, in order (so the last is the newest,
// first in the list), and returns their ids.
func storeFinderTickets(f *ksyuntest.Server, since time.Time, ts []finderTicket) []string {
	ids := make([]string, 0, len(ts))
	for _, x := range ts {
		at := since.Add(x.at).Unix()
		ids = append(ids, f.Put(ksyuntest.Ticket{
			Title: x.title, Detail: "内容", Type: 1, Priority: 2, Status: ksyun.StatusPending,
			CreatorID: ksyuntest.CreatorID, CreatorName: ksyuntest.CreatorName, ProductGroupID: 36,
			ReportedTime: at, CreatedTime: at, UpdatedTime: at,
		}))
	}
	return ids
}

// otherTickets returns n tickets titled otherwise, all created at.
func otherTickets(n int, at time.Duration) []finderTicket {
	out := make([]finderTicket, n)
	for i := range out {
		out[i] = finderTicket{fmt.Sprintf("其他工单 %d", i), at}
	}
	return out
}

func TestFindCreated(t *testing.T) {
	since := fixedNow.Add(-10 * time.Minute)
	tests := []struct {
		name    string
		tickets []finderTicket
		title   string
		fail    bool
		// want is the index in tickets of the ticket to find, or -1 for none.
		want      int
		wantErr   bool
		wantPages int
	}{
		{"one match among others", []finderTicket{
			{"网络抖动", time.Minute}, {"磁盘告警", 2 * time.Minute}, {"磁盘告警（二）", 3 * time.Minute}, {"磁盘 告警", 4 * time.Minute},
		}, "磁盘告警", false, 1, false, 1},
		{"spaces around either title", []finderTicket{{" 磁盘告警\t", time.Minute}}, "  磁盘告警 ", false, 0, false, 1},
		{"within the minute of clock skew", []finderTicket{{"磁盘告警", -30 * time.Second}}, "磁盘告警", false, 0, false, 1},
		{"title differs", []finderTicket{{"磁盘告警!", time.Minute}, {"磁盘", time.Minute}, {"磁盘告警磁盘告警", time.Minute}},
			"磁盘告警", false, -1, false, 1},
		{"created before since", []finderTicket{{"磁盘告警", -2 * time.Minute}, {"其他", time.Minute}}, "磁盘告警", false, -1, false, 1},
		{"nothing created since", nil, "磁盘告警", false, -1, false, 1},
		{"match on page 2", append([]finderTicket{{"磁盘告警", time.Second}}, otherTickets(ksyun.FindPageSize, time.Minute)...),
			"磁盘告警", false, 0, false, 2},
		{"a full last page costs one empty page", otherTickets(ksyun.FindPageSize, time.Minute), "磁盘告警", false, -1, false, 2},
		{"too many to tell", otherTickets(providers.FindPages*ksyun.FindPageSize+1, time.Minute), "磁盘告警", false, -1, true, providers.FindPages},
		{"vendor error", []finderTicket{{"磁盘告警", time.Minute}}, "磁盘告警", true, -1, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, f := newFakeProvider(t)
			ids := storeFinderTickets(f, since, tt.tickets)
			if tt.fail {
				f.FailNext(1, ksyuntest.ErrSign, "sign error")
			}
			got, found, err := p.FindCreated(context.Background(), tt.title, since)
			if (err != nil) != tt.wantErr {
				t.Fatalf("FindCreated err = %v, want error %v", err, tt.wantErr)
			}
			var ve *providers.VendorError
			if tt.fail && !errors.As(err, &ve) {
				t.Errorf("err = %v, want the vendor's error", err)
			}
			switch {
			case tt.want < 0 && found:
				t.Errorf("found %s %q, want nothing", got.ID, got.Title)
			case tt.want >= 0 && (!found || got.ID != ids[tt.want]):
				t.Errorf("FindCreated = %s %q found %v, want %s", got.ID, got.Title, found, ids[tt.want])
			case tt.want >= 0 && got.CreatorID != strconv.Itoa(ksyuntest.CreatorID):
				t.Errorf("found ticket has creator_id %q: it was not read back with detail", got.CreatorID)
			}

			calls := callsTo(f, "list_tickets")
			if len(calls) != tt.wantPages {
				t.Fatalf("%d list_tickets calls, want %d", len(calls), tt.wantPages)
			}
			for i, body := range calls {
				want := map[string]string{
					"page": strconv.Itoa(i + 1), "page_size": strconv.Itoa(ksyun.FindPageSize),
					"created_start": strconv.FormatInt(since.Add(-time.Minute).Unix(), 10),
				}
				if w := wireFields(body); !mapsEqual(w, want) {
					t.Errorf("list_tickets body %d = %v, want %v", i+1, w, want)
				}
			}
		})
	}
}

func TestFindCreatedRefusesWhatItCannotSearch(t *testing.T) {
	p, f := newFakeProvider(t)
	for _, tc := range []struct {
		title string
		since time.Time
	}{{" \t", fixedNow}, {"磁盘告警", time.Time{}}} {
		if _, found, err := p.FindCreated(context.Background(), tc.title, tc.since); err == nil || found {
			t.Errorf("FindCreated(%q, %v) = found %v, %v; want an error", tc.title, tc.since, found, err)
		}
	}
	if n := len(f.Calls()); n != 0 {
		t.Errorf("%d calls sent, want none", n)
	}
}

// TestFindCreatedRecordsRequestIDs proves the search's calls reach the request log like any
// other.
func TestFindCreatedRecordsRequestIDs(t *testing.T) {
	p, f := newFakeProvider(t)
	storeFinderTickets(f, fixedNow, []finderTicket{{"磁盘告警", 0}})
	ctx, log := providers.WithRequestLog(context.Background())
	if _, found, err := p.FindCreated(ctx, "磁盘告警", fixedNow); err != nil || !found {
		t.Fatalf("FindCreated = %v, %v", found, err)
	}
	if got, want := log.IDs(), f.RequestIDs(); len(want) != 2 || !slices.Equal(got, want) {
		t.Errorf("logged %q, want list and detail's %q", got, want)
	}
}
