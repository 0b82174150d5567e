package bot

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

func TestDetect(t *testing.T) {
	const (
		open    = providers.StatusOpen
		working = providers.StatusInProgress
		waiting = providers.StatusWaitingOnUs
		confirm = providers.StatusPendingConfirm
		closed  = providers.StatusClosed
		cancel  = providers.StatusCancelled
		unknown = providers.StatusUnknown
	)
	staff := &providers.Note{ID: "n2", Official: true, Body: "请提供日志"}
	ours := &providers.Note{ID: "n2", Official: false, Body: "已提供"}
	tests := []struct {
		name           string
		prev           providers.Status
		prevNote       string
		to             providers.Status
		note           *providers.Note
		advance, card  bool
		kind, priority string
		withNote       bool
	}{
		{name: "first sight is a quiet baseline", prev: "", to: waiting, advance: true},
		{name: "nothing new", prev: working, to: working},
		{name: "unknown never announces nor advances", prev: working, to: unknown},
		{name: "open to in progress: card only", prev: open, to: working, advance: true, card: true},
		{name: "waiting on us: high", prev: working, to: waiting, advance: true, card: true, kind: "status", priority: "high"},
		{name: "waiting with the staff note", prev: working, to: waiting, note: staff, advance: true, card: true, kind: "status", priority: "high", withNote: true},
		{name: "pending confirm: high", prev: working, to: confirm, advance: true, card: true, kind: "status", priority: "high"},
		{name: "closed by the vendor", prev: working, to: closed, advance: true, card: true, kind: "status", priority: "normal"},
		{name: "cancelled", prev: open, to: cancel, advance: true, card: true, kind: "status", priority: "normal"},
		{name: "reopened", prev: closed, to: working, advance: true, card: true, kind: "status", priority: "normal"},
		{name: "closed to closed is quiet", prev: closed, to: closed},
		{name: "confirm back to work", prev: confirm, to: working, advance: true, card: true, kind: "status", priority: "normal"},
		{name: "waiting back to work: quiet", prev: waiting, to: working, advance: true, card: true},
		{name: "back in the queue: quiet", prev: working, to: open, advance: true, card: true},
		{name: "unknown then waiting", prev: unknown, to: waiting, advance: true, card: true, kind: "status", priority: "high"},
		{name: "unknown then working: quiet", prev: unknown, to: working, advance: true, card: true},
		{name: "new staff reply", prev: working, prevNote: "n1", to: working, note: staff, advance: true, card: true, kind: "note", priority: "normal", withNote: true},
		{name: "our own reply is quiet", prev: working, prevNote: "n1", to: working, note: ours, advance: true, card: true},
		{name: "same note again", prev: working, prevNote: "n2", to: working, note: staff},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := detect(tt.prev, tt.prevNote, providers.Ticket{Provider: "ksyun", ID: "1", Status: tt.to, LatestNote: tt.note})
			if c.advance != tt.advance || c.card != tt.card {
				t.Errorf("advance %v card %v, want %v %v", c.advance, c.card, tt.advance, tt.card)
			}
			switch {
			case tt.kind == "" && c.notice != nil:
				t.Errorf("unexpected notice %+v", c.notice)
			case tt.kind != "" && c.notice == nil:
				t.Errorf("no notice, want %s", tt.kind)
			case c.notice != nil:
				if c.notice.Kind != tt.kind || c.notice.Priority != tt.priority || (c.notice.Note != nil) != tt.withNote {
					t.Errorf("notice %+v, want kind %s priority %s note %v", c.notice, tt.kind, tt.priority, tt.withNote)
				}
			}
		})
	}
}

// TestEveryStatusNoticeHasAName: whatever transition announces, its name is one a chat can
// list in notify_statuses, and every listed name is one some transition announces.
func TestEveryStatusNoticeHasAName(t *testing.T) {
	all := []providers.Status{providers.StatusOpen, providers.StatusInProgress, providers.StatusWaitingOnUs,
		providers.StatusPendingConfirm, providers.StatusClosed, providers.StatusCancelled, providers.StatusUnknown}
	named := map[string]bool{}
	for _, from := range all {
		for _, to := range all {
			n := statusNotice(from, to)
			if n == nil || from == to {
				continue
			}
			named[n.Name()] = true
			if !slices.Contains(NoticeKinds, n.Name()) {
				t.Errorf("%s → %s announces as %q, which notify_statuses cannot name", from, to, n.Name())
			}
		}
	}
	for _, k := range NoticeKinds {
		if !named[k] {
			t.Errorf("notify_statuses accepts %q, which no transition announces", k)
		}
	}
	if got := (NoticeView{Kind: "status", From: providers.StatusClosed, To: providers.StatusOpen}).Name(); got != NoticeReopened {
		t.Errorf("closed → open is named %q, want %q", got, NoticeReopened)
	}
}

// TestReopenNoticesGoOutUnderEveryDefault: a ticket reopened at the vendor is announced with
// no list (the default) and with DefaultNotify written out, and silenced only by a list
// without "reopened".
func TestReopenNoticesGoOutUnderEveryDefault(t *testing.T) {
	asSet := func(names ...string) map[string]bool {
		m := map[string]bool{}
		for _, n := range names {
			m[n] = true
		}
		return m
	}
	for _, tc := range []struct {
		name   string
		notify map[string]bool
		want   bool
	}{
		{"no list", nil, true},
		{"the default list", asSet(DefaultNotify...), true},
		{"closes only", asSet("closed"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newWatchEnv(t, 1, "oc_1")
			ctx := context.Background()
			w := e.watcher(e.prov, func(string, string) ChatPolicy { return ChatPolicy{Notify: tc.notify} }, nil)
			e.prov.set("1000", providers.StatusClosed)
			if err := w.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
			e.prov.set("1000", providers.StatusInProgress)
			for range 10 { // closed tickets are read every 10th sweep
				if err := w.Sweep(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Deliver(ctx); err != nil {
				t.Fatal(err)
			}
			got := strings.Join(e.plat.all(), "\n")
			if reopened := strings.Contains(got, "mem:1000=in_progress"); reopened != tc.want {
				t.Errorf("reopen announced = %v, want %v; chat got %q", reopened, tc.want, got)
			}
		})
	}
}
