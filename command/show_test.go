package command

import (
	"context"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// 查看 (刷新): the ticket read from its vendor, with its last notes, as a new card; everyone
// in the chat may look, members or not.
func TestShowCommand(t *testing.T) {
	notes := func(v *fakeVendor) {
		v.NotesFn = func(string) ([]providers.Note, error) {
			return []providers.Note{{ID: "n1", Body: "请提供实例 ID", Official: true, At: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}}, nil
		}
	}
	stored := func(t *testing.T, h *harness, _ *fakeVendor) {
		if _, ok := h.bot.tickets.Last(context.Background(), "ksyun", "1204"); !ok {
			t.Error("the ticket read was not stored")
		}
	}
	runCases(t, []cmdCase{{
		name:   "success",
		vendor: notes,
		text:   "查看 ksyun:1204",
		want:   []string{"send: ", "数据库连接超时", "请提供实例 ID"},
		calls:  []string{"get 1204", "notes 1204"},
		check:  stored,
	}, {
		name:  "the 刷新 button makes the clicked card the ticket's card",
		click: "show ksyun:1204",
		want:  []string{"toast success: 已刷新", "数据库连接超时"},
		calls: []string{"get 1204", "notes 1204"},
		check: func(t *testing.T, h *harness, _ *fakeVendor) {
			if c, err := h.store.CardByMessage(context.Background(), "feishu", "om_card"); err != nil || c.TicketID != "1204" {
				t.Errorf("card by message: %+v, %v", c, err)
			}
		},
	}, {
		name:  "usage: no ticket",
		text:  "查看",
		want:  []string{"缺少工单号。用法：查看 工单号"},
		calls: []string{},
	}, {
		name:  "usage: words after the ticket",
		text:  "show ksyun:1204 please",
		want:  []string{"Unexpected \"please\". Usage: show ticket"},
		calls: []string{},
	}, {
		name:  "a non-member may look",
		cfg:   membersOnly,
		text:  "查看 ksyun:1204",
		want:  []string{"数据库连接超时"},
		not:   []string{saidMembersOnly},
		calls: []string{"get 1204", "notes 1204"},
	}, {
		name:   "vendor error",
		vendor: func(v *fakeVendor) { v.GetFn = failGet(errVendor) },
		text:   "查看 ksyun:1204",
		want:   []string{saidVendorError},
		calls:  []string{"get 1204"},
	}, {
		name:   "not found at the vendor",
		vendor: func(v *fakeVendor) { v.GetFn = failGet(providers.ErrNotFound) },
		text:   "查看 ksyun:1204",
		want:   []string{"金山云找不到工单 ksyun:1204。"},
	}, {
		name:   "unsupported",
		vendor: func(v *fakeVendor) { v.GetFn = failGet(errUnsupported) },
		text:   "查看 ksyun:1204",
		want:   []string{saidUnsupported},
	}, {
		name:   "notes failing only leave them out",
		vendor: func(v *fakeVendor) { v.NotesFn = func(string) ([]providers.Note, error) { return nil, errVendor } },
		text:   "查看 ksyun:1204",
		want:   []string{"send: ", "数据库连接超时"},
		not:    []string{"23000"},
		calls:  []string{"get 1204", "notes 1204"},
	}, {
		name: "a vendor without notes is not asked for them",
		vendor: func(v *fakeVendor) {
			v.caps.Notes = false
		},
		text:  "查看 ksyun:1204",
		calls: []string{"get 1204"},
	}})
}

func failGet(err error) func(string) (providers.Ticket, error) {
	return func(string) (providers.Ticket, error) { return providers.Ticket{}, err }
}
