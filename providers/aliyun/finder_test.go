package aliyun_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/aliyun/aliyuntest"
)

// finderTicket is a ticket to store in the fake: its title and when, relative to since, it was
// created.
type finderTicket struct {
	title string
	at    time.Duration
}

// storeFinderTickets stores tickets directly in the fake, in order (so the last is the newest,
// first in the list), and returns their ids.
func storeFinderTickets(f *aliyuntest.Server, version string, since time.Time, ts []finderTicket) []string {
	ids := make([]string, 0, len(ts))
	for _, x := range ts {
		at := since.Add(x.at)
		ids = append(ids, f.Put(aliyuntest.Ticket{Version: version, Title: x.title, Content: "内容", ProductID: aliyuntest.ProductID,
			CategoryID: aliyuntest.CategoryID, Severity: 1, AliUID: aliyuntest.AliUID, CreatedAt: at, UpdatedAt: at}))
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
	since := aliyun.FixedNow.Add(-10 * time.Minute)
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
		{"match on page 2", append([]finderTicket{{"磁盘告警", time.Second}}, otherTickets(aliyun.FindPageSize, time.Minute)...),
			"磁盘告警", false, 0, false, 2},
		{"a full last page costs one empty page", otherTickets(aliyun.FindPageSize, time.Minute), "磁盘告警", false, -1, false, 2},
		{"too many to tell", otherTickets(providers.FindPages*aliyun.FindPageSize+1, time.Minute), "磁盘告警", false, -1, true, providers.FindPages},
		{"vendor error", []finderTicket{{"磁盘告警", time.Minute}}, "磁盘告警", true, -1, true, 1},
	}
	for _, version := range []string{aliyun.Version2016, aliyun.Version2021} {
		listAction, notesAction := "QuestionList", "QuestionListNote"
		from, to, page, size := "AddStartTime", "AddEndTime", "PageStart", "PageSize"
		failCode := aliyuntest.ErrAuth
		if version == aliyun.Version2021 {
			listAction, notesAction = "ListTickets", "ListTicketNotes"
			from, to, page, size = "StartDate", "EndDate", "PageNumber", "PageSize"
			failCode = "illegal.auth"
		}
		for _, tt := range tests {
			t.Run(version+"/"+tt.name, func(t *testing.T) {
				p, f := newFakeProvider(t, func(c *aliyun.Config) { c.APIVersion = version })
				ids := storeFinderTickets(f, version, since, tt.tickets)
				if tt.fail {
					f.FailNext(1, failCode, "no permission")
				}
				got, found, err := p.FindCreated(context.Background(), tt.title, since)
				if (err != nil) != tt.wantErr {
					t.Fatalf("FindCreated err = %v, want error %v", err, tt.wantErr)
				}
				var ve *providers.VendorError
				if tt.fail && (!errors.As(err, &ve) || ve.Code != failCode) {
					t.Errorf("err = %v, want the vendor's error", err)
				}
				switch {
				case tt.want < 0 && found:
					t.Errorf("found %s %q, want nothing", got.ID, got.Title)
				case tt.want >= 0 && (!found || got.ID != ids[tt.want]):
					t.Errorf("FindCreated = %s %q found %v, want %s", got.ID, got.Title, found, ids[tt.want])
				case tt.want >= 0 && len(f.CallsTo(notesAction)) != 1:
					t.Errorf("%d %s calls: the match was not read back with Get", len(f.CallsTo(notesAction)), notesAction)
				}

				// The search's calls, not Get's (2016 reads a ticket with QuestionList). 2016 asks in
				// milliseconds, then, unless that found the ticket, once more in seconds: the fake
				// reads milliseconds, so the window in seconds is empty.
				var calls, inSeconds []aliyuntest.Call
				for _, c := range f.CallsTo(listAction) {
					switch n, _ := strconv.ParseInt(c.Params.Get(from), 10, 64); {
					case !c.Params.Has(from):
					case n < 1e11:
						inSeconds = append(inSeconds, c)
					default:
						calls = append(calls, c)
					}
				}
				if len(calls) != tt.wantPages {
					t.Fatalf("%d %s calls, want %d", len(calls), listAction, tt.wantPages)
				}
				wantSeconds := 0
				if version == aliyun.Version2016 && tt.want < 0 {
					wantSeconds = 1
				}
				if len(inSeconds) != wantSeconds {
					t.Fatalf("%d %s calls in seconds, want %d", len(inSeconds), listAction, wantSeconds)
				}
				for _, c := range inSeconds {
					want := map[string]string{
						size: strconv.Itoa(aliyun.FindPageSize),
						from: strconv.FormatInt(since.Add(-time.Minute).Unix(), 10),
						to:   strconv.FormatInt(aliyun.FixedNow.Add(time.Minute).Unix(), 10),
					}
					if w := params(c); !equalMaps(w, want) {
						t.Errorf("%s parameters in seconds = %v, want %v", listAction, w, want)
					}
				}
				for i, c := range calls {
					want := map[string]string{
						size: strconv.Itoa(aliyun.FindPageSize),
						from: strconv.FormatInt(since.Add(-time.Minute).UnixMilli(), 10),
						to:   strconv.FormatInt(aliyun.FixedNow.Add(time.Minute).UnixMilli(), 10),
					}
					switch {
					case version == aliyun.Version2021:
						want[page] = strconv.Itoa(i + 1)
					case i > 0:
						want[page] = strconv.Itoa(i * aliyun.FindPageSize) // a row offset
					}
					if w := params(c); !equalMaps(w, want) {
						t.Errorf("%s parameters %d = %v, want %v", listAction, i+1, w, want)
					}
				}
			})
		}
	}
}

func TestFindCreatedRefusesWhatItCannotSearch(t *testing.T) {
	p, f := newFakeProvider(t, nil)
	for _, tc := range []struct {
		title string
		since time.Time
	}{{" \t", aliyun.FixedNow}, {"磁盘告警", time.Time{}}} {
		if _, found, err := p.FindCreated(context.Background(), tc.title, tc.since); err == nil || found {
			t.Errorf("FindCreated(%q, %v) = found %v, %v; want an error", tc.title, tc.since, found, err)
		}
	}
	if n := len(f.Calls()); n != 0 {
		t.Errorf("%d calls sent, want none", n)
	}
}

// TestFindCreatedFindsACreate proves the search finds what Create filed, the title Aliyun made
// from the content included, and records the calls' request ids.
func TestFindCreatedFindsACreate(t *testing.T) {
	for _, version := range []string{aliyun.Version2016, aliyun.Version2021} {
		t.Run(version, func(t *testing.T) {
			p, f := newFakeProvider(t, func(c *aliyun.Config) { c.APIVersion = version })
			titled := mustCreate(t, p, providers.CreateRequest{Title: "  磁盘告警 ", Content: "磁盘满了"})
			untitled := mustCreate(t, p, providers.CreateRequest{Content: "数据库 连接数打满，应用报错 too many connections，请协助排查"})
			before := len(f.RequestIDs())
			ctx, log := providers.WithRequestLog(context.Background())
			for _, tc := range []struct{ title, id string }{
				{"磁盘告警", titled.ID},
				{untitled.Title, untitled.ID}, // the first 30 characters of the content
			} {
				got, found, err := p.FindCreated(ctx, tc.title, aliyun.FixedNow)
				if err != nil || !found || got.ID != tc.id {
					t.Errorf("FindCreated(%q) = %s %v %v, want %s", tc.title, got.ID, found, err, tc.id)
				}
			}
			if got, want := log.IDs(), f.RequestIDs()[before:]; len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("logged %q, want the fake's %q", got, want)
			}
		})
	}
}

// TestFindCreatedEitherUnit files a ticket whose create answer is lost, with the fake reading
// QuestionList's addStartTime/addEndTime in milliseconds (the V1.3 table) and in seconds (its
// example): either way the check before a second create finds the first, so it is not filed
// twice.
func TestFindCreatedEitherUnit(t *testing.T) {
	for _, unit := range []time.Duration{time.Millisecond, time.Second} {
		t.Run(aliyun.UnitName(unit), func(t *testing.T) {
			p, f := newFakeProvider(t, nil)
			if err := f.SetListTimeUnit(unit); err != nil {
				t.Fatal(err)
			}
			f.LoseAnswers(1)
			since := aliyun.FixedNow
			_, err := p.Create(context.Background(), providers.CreateRequest{Title: "磁盘告警", Content: "磁盘满了"})
			var ve *providers.VendorError
			if !errors.As(err, &ve) || ve.Code != "network" {
				t.Fatalf("Create err = %v, want the lost answer", err)
			}
			filed := f.Tickets()
			if len(filed) != 1 || len(f.CallsTo("add")) != 1 {
				t.Fatalf("the fake holds %d tickets after %d adds, want the one", len(filed), len(f.CallsTo("add")))
			}
			got, found, err := p.FindCreated(context.Background(), "磁盘告警", since)
			if err != nil || !found || got.ID != filed[0].ID || got.Title != "磁盘告警" {
				t.Fatalf("FindCreated = %s %q found %v err %v, want %s", got.ID, got.Title, found, err, filed[0].ID)
			}
			// An unrelated title is still not found, in either unit, and that is no error.
			if _, found, err := p.FindCreated(context.Background(), "别的工单", since); found || err != nil {
				t.Errorf("FindCreated(别的工单) = found %v, %v; want not found", found, err)
			}
			if n := len(f.CallsTo("add")); n != 1 {
				t.Errorf("%d adds, want 1", n)
			}
		})
	}
}

// TestFindCreatedWindowRefused: a unit whose window Aliyun refuses as a bad parameter is not the
// API's unit, and the other decides; when both are refused nobody can tell, which is an error.
func TestFindCreatedWindowRefused(t *testing.T) {
	p, f := newFakeProvider(t, nil)
	// The fake reads seconds, so the search in seconds is answered; the one in milliseconds
	// (asked first) is refused by the injected failure. (Reading milliseconds, the fake refuses
	// a window in seconds itself.)
	if err := f.SetListTimeUnit(time.Second); err != nil {
		t.Fatal(err)
	}
	f.FailNext(1, aliyuntest.ErrParam, "ILLEGAL_PARAM: addStartTime")
	if _, found, err := p.FindCreated(context.Background(), "磁盘告警", aliyun.FixedNow); found || err != nil {
		t.Errorf("one unit refused: found %v, %v; want not found", found, err)
	}
	f.FailNext(2, aliyuntest.ErrParam, "ILLEGAL_PARAM: addStartTime")
	if _, found, err := p.FindCreated(context.Background(), "磁盘告警", aliyun.FixedNow); found || err == nil {
		t.Errorf("both units refused: found %v, %v; want an error", found, err)
	}
}
