package bot

import (
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
