package command

import (
	"slices"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

// 关注 and 取消关注: the chat follows the ticket (read from its vendor first, so a ticket that
// does not exist is not followed) or stops; everyone in the chat may do either.
func TestWatchCommand(t *testing.T) {
	followsOnly := func(want ...string) func(*testing.T, *harness, *fakeVendor) {
		return func(t *testing.T, h *harness, _ *fakeVendor) {
			if got := follows(t, h); !slices.Equal(got, want) {
				t.Errorf("the chat follows %q, want %q", got, want)
			}
		}
	}
	runCases(t, []cmdCase{{
		name:  "success",
		text:  "关注 ksyun:1204",
		want:  []string{"send: ", "数据库连接超时", "取消关注"},
		calls: []string{"get 1204"},
		check: followsOnly("ksyun:1204"),
	}, {
		name:  "the 关注 button",
		click: "watch ksyun:1204",
		want:  []string{"toast success: 本群已关注工单 ksyun:1204", "取消关注"},
		calls: []string{"get 1204"},
		check: followsOnly("ksyun:1204"),
	}, {
		name:  "usage: no ticket",
		text:  "关注",
		want:  []string{"缺少工单号。用法：关注 工单号"},
		calls: []string{},
		check: followsOnly(),
	}, {
		name:  "a non-member may watch",
		cfg:   membersOnly,
		text:  "关注 ksyun:1204",
		not:   []string{saidMembersOnly},
		check: followsOnly("ksyun:1204"),
	}, {
		name:   "vendor error",
		vendor: func(v *fakeVendor) { v.GetFn = failGet(errVendor) },
		text:   "关注 ksyun:1204",
		want:   []string{saidVendorError},
		calls:  []string{"get 1204"},
		check:  followsOnly(),
	}, {
		name:   "not found at the vendor",
		vendor: func(v *fakeVendor) { v.GetFn = failGet(providers.ErrNotFound) },
		text:   "关注 ksyun:1204",
		want:   []string{"金山云找不到工单 ksyun:1204。"},
		check:  followsOnly(),
	}, {
		name:   "unsupported",
		vendor: func(v *fakeVendor) { v.GetFn = failGet(errUnsupported) },
		text:   "关注 ksyun:1204",
		want:   []string{saidUnsupported},
		check:  followsOnly(),
	}})
}

func TestUnwatchCommand(t *testing.T) {
	watched := func(t *testing.T, h *harness, v *fakeVendor) {
		remember(t, h, v.ticket("1204"), "")
		follow(t, h, "1204")
	}
	runCases(t, []cmdCase{{
		name:  "success",
		setup: watched,
		text:  "取消关注 ksyun:1204",
		want:  []string{"reply: 本群已取消关注工单 ksyun:1204。"},
		calls: []string{},
		check: func(t *testing.T, h *harness, _ *fakeVendor) {
			if got := follows(t, h); len(got) != 0 {
				t.Errorf("the chat still follows %q", got)
			}
		},
	}, {
		name:  "not watching",
		text:  "unwatch ksyun:1204",
		want:  []string{"This chat was not watching ksyun:1204."},
		calls: []string{"get 1204"},
	}, {
		name:  "the 取消关注 button redraws the card with 关注",
		setup: watched,
		click: "unwatch ksyun:1204",
		want:  []string{"toast success: 本群已取消关注工单 ksyun:1204。", "关注"},
		not:   []string{"取消关注\""},
		calls: []string{},
	}, {
		name:  "usage: no ticket",
		text:  "取消关注",
		want:  []string{"缺少工单号。用法：取消关注 工单号"},
		calls: []string{},
	}, {
		name:  "a non-member may unwatch",
		cfg:   membersOnly,
		setup: watched,
		text:  "取消关注 ksyun:1204",
		want:  []string{"本群已取消关注工单 ksyun:1204。"},
	}, {
		// The follow is gone either way; only the card's redraw needed the vendor.
		name:   "vendor error while redrawing",
		vendor: func(v *fakeVendor) { v.GetFn = failGet(errVendor) },
		setup:  func(t *testing.T, h *harness, _ *fakeVendor) { follow(t, h, "1204") },
		text:   "取消关注 ksyun:1204",
		want:   []string{"本群已取消关注工单 ksyun:1204。"},
		not:    []string{"23000"},
		calls:  []string{"get 1204"},
	}})
}
