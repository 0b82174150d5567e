package command

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// owns checks who owns ksyun:1204 in the test chat ("" for nobody).
func owns(want string) func(t *testing.T, h *harness, _ *fakeVendor) {
	return func(t *testing.T, h *harness, _ *fakeVendor) {
		t.Helper()
		o, err := h.store.OwnerOf(context.Background(), "feishu", "oc_group", "ksyun", "1204")
		if want == "" {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("owned by %+v (%v), want nobody", o, err)
			}
			return
		}
		if err != nil || o.UserID != want {
			t.Errorf("owned by %+v (%v), want %s", o, err, want)
		}
	}
}

// claimedBy makes who the owner of ksyun:1204 in the test chat.
func claimedBy(who string) func(t *testing.T, h *harness, v *fakeVendor) {
	return func(t *testing.T, h *harness, v *fakeVendor) {
		t.Helper()
		if _, err := h.store.SetOwner(context.Background(), store.Owner{Platform: "feishu", ChatID: "oc_group", Provider: "ksyun",
			TicketID: "1204", UserID: who, By: who, At: h.bot.Now()}); err != nil {
			t.Fatal(err)
		}
	}
}

// 认领 and 转派: the group's owner of a ticket, on its card, once claimed kept from others'
// claims, handed over by 转派 to someone mentioned; members only where the chat has members.
func TestOwnership(t *testing.T) {
	li := []bot.Mention{{Name: "李四", UserID: "ou_li"}}
	runCases(t, []cmdCase{{
		name:  "认领: the chat's card shows the owner",
		setup: func(t *testing.T, h *harness, _ *fakeVendor) { saveCard(t, h, "om_card", "1204") },
		text:  "认领 ksyun:1204",
		want:  []string{"你已认领 ksyun:1204", "**负责人**：<at id=ou_zhang></at>"},
		not:   []string{`"cmd":"claim ksyun:1204"`},
		check: owns("ou_zhang"),
	}, {
		name:  "an unowned card has the 认领 button",
		text:  "查看 ksyun:1204",
		want:  []string{`"cmd":"claim ksyun:1204"`},
		not:   []string{"负责人"},
		check: owns(""),
	}, {
		name:  "the button",
		click: "claim ksyun:1204",
		want:  []string{"toast success: 你已认领 ksyun:1204", "<at id=ou_zhang></at>"},
		check: owns("ou_zhang"),
	}, {
		name:  "claimed by someone else",
		setup: claimedBy("ou_li"),
		text:  "认领 ksyun:1204",
		want:  []string{"ksyun:1204 已由 <at user_id=\"ou_li\"></at> 认领。要接手，请用「转派 ksyun:1204 @你自己」。"},
		check: owns("ou_li"),
	}, {
		name: "转派 to someone mentioned",
		setup: func(t *testing.T, h *harness, v *fakeVendor) {
			saveCard(t, h, "om_card", "1204")
			claimedBy("ou_zhang")(t, h, v)
		},
		text:     "转派 ksyun:1204 @李四",
		mentions: li,
		want:     []string{"已把 ksyun:1204 转派给 @李四。原负责人：<at user_id=\"ou_zhang\"></at>。", "<at id=ou_li></at>"},
		not:      []string{"流转"},
		check:    owns("ou_li"),
	}, {
		name:     "a vendor that hands over too is named",
		vendor:   func(v *fakeVendor) { v.caps.Transfer = true },
		text:     "转派 ksyun:1204 @李四",
		mentions: li,
		want:     []string{"要在金山云同时转交处理人，请发送「流转 ksyun:1204 @李四」"},
		check:    owns("ou_li"),
	}, {
		name:  "转派 to a mention the platform did not name",
		text:  "转派 ksyun:1204 @王五",
		want:  []string{"不知道「王五」是谁"},
		check: owns(""),
	}, {
		name:  "转派 by user id",
		text:  "assign ksyun:1204 wangwu",
		want:  []string{"ksyun:1204 is now owned by <at user_id=\"wangwu\"></at>."},
		check: owns("wangwu"),
	}, {
		name:     "where text cannot @ someone, they are named by their id",
		platform: "wecom",
		text:     "assign ksyun:1204 wangwu",
		want:     []string{"ksyun:1204 is now owned by wangwu."},
		not:      []string{"<at"},
	}, {
		name:  "a non-member may not claim",
		cfg:   membersOnly,
		text:  "认领 ksyun:1204",
		want:  []string{saidMembersOnly},
		check: owns(""),
	}})
}

// 我的: the tickets I own here, and those I created here that nobody owns.
func TestMine(t *testing.T) {
	runCases(t, []cmdCase{{
		name: "owned and created",
		setup: func(t *testing.T, h *harness, v *fakeVendor) {
			followingMany(t, h, v) // 1204 was created here by ou_zhang
			claimedBy("ou_zhang")(t, h, v)
			for _, o := range []store.Owner{{TicketID: "1205", UserID: "ou_zhang"}, {TicketID: "2001", UserID: "ou_li"}} {
				o.Platform, o.ChatID, o.Provider, o.By, o.At = "feishu", "oc_group", "ksyun", "ou_li", h.bot.Now()
				if _, err := h.store.SetOwner(context.Background(), o); err != nil {
					t.Fatal(err)
				}
			}
		},
		text: "我的",
		want: []string{"本群关注的工单 · 我的（2）", "数据库连接超时", "磁盘扩容"},
		not:  []string{"订单服务告警"},
	}, {
		name: "created by me, owned by another: theirs",
		setup: func(t *testing.T, h *harness, v *fakeVendor) {
			followingMany(t, h, v)
			claimedBy("ou_li")(t, h, v)
		},
		text: "mine",
		want: []string{"No ticket matches."},
	}})
}

// A notice that needs the group mentions the ticket's owner here, not whoever opened it.
func TestNoticeMentionsTheOwner(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	tk := providers.Ticket{Provider: "ksyun", ID: "1204", Title: "数据库连接超时", Status: providers.StatusWaitingOnUs}
	view := []bot.NoticeView{{Ticket: tk, Kind: "status", From: providers.StatusInProgress, To: providers.StatusWaitingOnUs, Mention: "ou_creator", Priority: "high"}}
	before, err := h.bot.Notices(ctx, "feishu", "oc_group", view)
	if err != nil || !strings.Contains(string(before.Body), "ou_creator") {
		t.Fatalf("unowned, the notice mentions %s (%v)", before.Body, err)
	}
	if _, err := h.store.SetOwner(ctx, store.Owner{Platform: "feishu", ChatID: "oc_group", Provider: "ksyun", TicketID: "1204", UserID: "ou_owner", By: "x", At: h.bot.Now()}); err != nil {
		t.Fatal(err)
	}
	after, err := h.bot.Notices(ctx, "feishu", "oc_group", view)
	if err != nil || !strings.Contains(string(after.Body), "ou_owner") || strings.Contains(string(after.Body), "ou_creator") {
		t.Errorf("owned, the notice: %s (%v)", after.Body, err)
	}
	// Another chat has no owner: its notice mentions the creator.
	other, _ := h.bot.Notices(ctx, "feishu", "oc_other", view)
	if !strings.Contains(string(other.Body), "ou_creator") {
		t.Errorf("another chat's notice: %s", other.Body)
	}
	// A notice that needs nobody mentions nobody, owner or not.
	quiet, _ := h.bot.Notices(ctx, "feishu", "oc_group", []bot.NoticeView{{Ticket: tk, Kind: "status", From: providers.StatusOpen, To: providers.StatusInProgress}})
	if strings.Contains(string(quiet.Body), "ou_owner") {
		t.Errorf("a quiet notice mentions the owner: %s", quiet.Body)
	}
}
