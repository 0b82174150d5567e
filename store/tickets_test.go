package store

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestTickets(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		saves []TicketState
		want  TicketState
	}{
		{
			name: "round trip",
			saves: []TicketState{{
				Provider: "ksyun", TicketID: "1204", Status: "waiting_on_us", RawStatus: "3",
				LastNoteID: "n-9", CreatorUserID: "feishu:ou_1",
				Snapshot: []byte(`{"title":"磁盘告警 \"quoted\" 🚨"}`), UpdatedAt: at(0),
			}},
			want: TicketState{
				Provider: "ksyun", TicketID: "1204", Status: "waiting_on_us", RawStatus: "3",
				LastNoteID: "n-9", CreatorUserID: "feishu:ou_1",
				Snapshot: []byte(`{"title":"磁盘告警 \"quoted\" 🚨"}`), UpdatedAt: stored(at(0)),
			},
		},
		{
			name: "second save replaces the state",
			saves: []TicketState{
				{Provider: "aliyun", TicketID: "77", Status: "open", RawStatus: "assigned", LastNoteID: "1", CreatorUserID: "wecom:u1", Snapshot: []byte("a"), UpdatedAt: at(0)},
				{Provider: "aliyun", TicketID: "77", Status: "closed", RawStatus: "confirmed", LastNoteID: "2", CreatorUserID: "wecom:u2", Snapshot: []byte("b"), UpdatedAt: at(time.Hour)},
			},
			want: TicketState{Provider: "aliyun", TicketID: "77", Status: "closed", RawStatus: "confirmed", LastNoteID: "2", CreatorUserID: "wecom:u2", Snapshot: []byte("b"), UpdatedAt: stored(at(time.Hour))},
		},
		{
			name: "an empty creator keeps the stored one",
			saves: []TicketState{
				{Provider: "weiban", TicketID: "WB-1", Status: "open", CreatorUserID: "feishu:ou_1", UpdatedAt: at(0)},
				{Provider: "weiban", TicketID: "WB-1", Status: "in_progress", UpdatedAt: at(time.Minute)},
			},
			want: TicketState{Provider: "weiban", TicketID: "WB-1", Status: "in_progress", CreatorUserID: "feishu:ou_1", UpdatedAt: stored(at(time.Minute))},
		},
		{
			name:  "zero time stays zero",
			saves: []TicketState{{Provider: "ksyun", TicketID: "0", Status: "open"}},
			want:  TicketState{Provider: "ksyun", TicketID: "0", Status: "open"},
		},
		{
			name:  "no snapshot",
			saves: []TicketState{{Provider: "ksyun", TicketID: "1", UpdatedAt: at(0)}},
			want:  TicketState{Provider: "ksyun", TicketID: "1", UpdatedAt: stored(at(0))},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			for _, ts := range tc.saves {
				mustDo(t, s.SaveTicket(ctx, ts))
			}
			got, err := s.Ticket(ctx, tc.want.Provider, tc.want.TicketID)
			if err != nil {
				t.Fatal(err)
			}
			if !equalTicket(got, tc.want) {
				t.Errorf("Ticket = %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestTicketNotFound(t *testing.T) {
	s := openTest(t)
	mustDo(t, s.SaveTicket(context.Background(), TicketState{Provider: "ksyun", TicketID: "1"}))
	for _, tc := range []struct{ provider, id string }{{"ksyun", "2"}, {"aliyun", "1"}} {
		_, err := s.Ticket(context.Background(), tc.provider, tc.id)
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("Ticket(%s, %s) err = %v, want ErrNotFound", tc.provider, tc.id, err)
		}
	}
	if err := s.SaveTicket(context.Background(), TicketState{Provider: "ksyun"}); err == nil {
		t.Error("SaveTicket with an empty ticket id succeeded")
	}
}

func TestTicketsList(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, id := range []struct{ provider, id string }{{"ksyun", "2"}, {"aliyun", "9"}, {"ksyun", "10"}, {"ksyun", "1"}} {
		mustDo(t, s.SaveTicket(ctx, TicketState{Provider: id.provider, TicketID: id.id, UpdatedAt: t0}))
	}
	for _, tc := range []struct {
		provider string
		want     []string
	}{
		// Ticket ids are strings and sort as strings.
		{"ksyun", []string{"ksyun/1", "ksyun/10", "ksyun/2"}},
		{"aliyun", []string{"aliyun/9"}},
		{"", []string{"aliyun/9", "ksyun/1", "ksyun/10", "ksyun/2"}},
		{"weiban", nil},
	} {
		t.Run("provider="+tc.provider, func(t *testing.T) {
			ts, err := s.Tickets(ctx, tc.provider)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, x := range ts {
				got = append(got, x.Provider+"/"+x.TicketID)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Tickets(%q) = %v, want %v", tc.provider, got, tc.want)
			}
		})
	}
}

// equalTicket compares field by field; a nil and an empty snapshot are the same.
func equalTicket(a, b TicketState) bool {
	return a.Provider == b.Provider && a.TicketID == b.TicketID && a.Status == b.Status &&
		a.RawStatus == b.RawStatus && a.LastNoteID == b.LastNoteID &&
		a.CreatorUserID == b.CreatorUserID && a.UpdatedAt.Equal(b.UpdatedAt) &&
		a.UpdatedAt.Location() == b.UpdatedAt.Location() && bytes.Equal(a.Snapshot, b.Snapshot)
}
