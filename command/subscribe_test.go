package command

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
)

// listingVendor is a stub vendor whose list a subscription can use: it narrows by the states
// it declares and by customer, in pages of size.
type listingVendor struct {
	*stubVendor
	states []providers.Status
	size   int
	lists  int
}

func (v *listingVendor) ListFilters() []providers.ListFilter {
	fs := []providers.ListFilter{{Key: "customer", Names: []string{"客户", "customer"}}}
	if v.states != nil {
		fs = append([]providers.ListFilter{{Key: providers.FilterStatus, Names: []string{"状态", "status"}, Statuses: v.states}}, fs...)
	}
	return fs
}

func (v *listingVendor) ListPageSize() int { return v.size }

func (v *listingVendor) ListTickets(_ context.Context, q providers.ListQuery) ([]providers.Ticket, int64, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.lists++
	var match []providers.Ticket
	for _, t := range v.tickets {
		if len(q.Statuses) > 0 && !slices.Contains(q.Statuses, t.Status) || q.Filters["customer"] != "" && t.Customer != q.Filters["customer"] {
			continue
		}
		match = append(match, t)
	}
	slices.SortFunc(match, func(a, b providers.Ticket) int { return strings.Compare(a.ID, b.ID) })
	lo := min((q.Page-1)*q.Size, len(match))
	return match[lo:min(lo+q.Size, len(match))], int64(len(match)), nil
}

// subscribeHarness is a harness whose ksyun lists (two to a page, with the open states and
// closed) and has four tickets: two open ones of 金山, a closed one of 金山, one of 别家.
func subscribeHarness(t *testing.T, cfg Config) (*harness, *listingVendor) {
	t.Helper()
	v := &listingVendor{stubVendor: newStubVendor("ksyun"), size: 2,
		states: []providers.Status{providers.StatusOpen, providers.StatusInProgress, providers.StatusPendingConfirm, providers.StatusClosed}}
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	v.put(providers.Ticket{ID: "1", Title: "磁盘告警", Customer: "金山", CreatedAt: at})
	v.put(providers.Ticket{ID: "2", Title: "慢查询", Customer: "金山", Status: providers.StatusInProgress, CreatedAt: at})
	v.put(providers.Ticket{ID: "3", Title: "已解决", Customer: "金山", Status: providers.StatusClosed, CreatedAt: at})
	v.put(providers.Ticket{ID: "4", Title: "别家的", Customer: "别家", CreatedAt: at})
	h := buildHarness(t, cfg, filepath.Join(t.TempDir(), "bot.db"), map[string]providers.Provider{"ksyun": v})
	h.vendors = map[string]*stubVendor{"ksyun": v.stubVendor}
	return h, v
}

// followed lists the ticket ids the default chat follows.
func (h *harness) followed() []string {
	h.t.Helper()
	fs, err := h.store.Following(context.Background(), "feishu", "oc_group")
	if err != nil {
		h.t.Fatal(err)
	}
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.TicketID)
	}
	slices.Sort(ids)
	return ids
}

// 订阅 with a filter: stored, the open tickets that match followed at once (over pages),
// listed by 订阅, not doubled by subscribing again, removed by 取消订阅 (its tickets stay).
func TestSubscribe(t *testing.T) {
	h, _ := subscribeHarness(t, Config{})
	got := only(t, h.say("订阅 ksyun 客户=金山")).Text()
	if !strings.Contains(got, "已订阅 #1 金山云 · 客户=金山") || !strings.Contains(got, "现有 2 张未结工单") {
		t.Fatalf("answer = %s", got)
	}
	if ids := h.followed(); !slices.Equal(ids, []string{"1", "2"}) {
		t.Fatalf("the chat follows %v, want the two open tickets of 金山", ids)
	}
	if got := only(t, h.say("订阅 ksyun 客户=金山")).Text(); !strings.Contains(got, "本群已有这个订阅：#1") {
		t.Fatalf("subscribing again = %s", got)
	}
	if got := only(t, h.say("订阅 ksyun 状态=待确认")).Text(); !strings.Contains(got, "已订阅 #2 金山云 · 状态=待确认") || !strings.Contains(got, "现有 0 张") {
		t.Fatalf("a subscription by state = %s", got)
	}
	list := only(t, h.say("订阅")).Text()
	for _, want := range []string{"本群的订阅（2 个）", "#1 金山云 · 客户=金山", "#2 金山云 · 状态=待确认", "取消订阅 1"} {
		if !strings.Contains(list, want) {
			t.Errorf("订阅 lists %s; want %q in it", list, want)
		}
	}
	if got := only(t, h.say("取消订阅 1")).Text(); !strings.Contains(got, "已取消订阅 #1 金山云 · 客户=金山") {
		t.Fatalf("取消订阅 = %s", got)
	}
	if got := only(t, h.say("取消订阅 1")).Text(); !strings.Contains(got, "本群没有订阅 #1") {
		t.Fatalf("取消订阅 again = %s", got)
	}
	if ids := h.followed(); len(ids) != 2 {
		t.Errorf("after 取消订阅 the chat follows %v; its tickets should stay", ids)
	}
	subs, _ := h.store.Subscriptions(context.Background(), "feishu", "oc_group")
	if len(subs) != 1 || subs[0].N != 2 || subs[0].Statuses[0] != string(providers.StatusPendingConfirm) {
		t.Errorf("stored = %+v", subs)
	}
	en := only(t, h.say("subscribe")).Text()
	if !strings.Contains(en, "This chat's subscriptions (1)") || !strings.Contains(en, "#2 Kingsoft Cloud · state=To confirm") {
		t.Errorf("in English: %s", en)
	}
}

// Bad input gets a usage hint naming what the vendor's list takes, and nothing is stored or
// followed: a key it cannot filter by, a state it cannot, two values where one goes, a
// vendor whose list cannot be used, more open tickets than the limit.
func TestSubscribeBadInput(t *testing.T) {
	cases := []struct {
		name, text string
		cfg        Config
		want       []string
	}{
		{"unknown key", "订阅 ksyun 产品=ECS", Config{}, []string{"金山云的工单列表不能按「产品」筛选；可用的条件：状态、客户；", "可用的条件：状态、客户", "可用的状态：待处理、处理中、待确认、已关闭", "订阅 [供应商"}},
		{"state it lacks", "订阅 ksyun 状态=待我方补充", Config{}, []string{"不能按状态「待我方补充」筛选", "可用的状态：待处理"}},
		{"unknown state", "订阅 ksyun 状态=紧急", Config{}, []string{"不能按状态「紧急」筛选"}},
		{"two values", "订阅 ksyun 客户=金山,别家", Config{}, []string{"「客户」只能写一个值"}},
		{"English", "subscribe ksyun product=ECS", Config{}, []string{"Kingsoft Cloud's ticket list cannot filter by \"product\"", "Filters it takes: status, customer"}},
		{"over the limit", "订阅 ksyun", Config{SubscriptionLimit: 2}, []string{"超过 2 张金山云的未结工单，没有保存", "状态=…、客户=…"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, _ := subscribeHarness(t, c.cfg)
			got := only(t, h.say(c.text)).Text()
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("answer %s\nwants %q", got, w)
				}
			}
			if subs, _ := h.store.Subscriptions(context.Background(), "feishu", "oc_group"); len(subs) != 0 {
				t.Errorf("stored %+v", subs)
			}
			if ids := h.followed(); len(ids) != 0 {
				t.Errorf("follows %v", ids)
			}
		})
	}
	t.Run("a list without states, too long to read", func(t *testing.T) {
		h, v := subscribeHarness(t, Config{})
		v.states = nil
		for i := range 2 * subscriptionPages * v.size {
			v.put(providers.Ticket{ID: fmt.Sprint(100 + i), Title: "已解决", Customer: "金山", Status: providers.StatusClosed})
		}
		got := only(t, h.say("订阅 ksyun 状态=待处理")).Text()
		if !strings.Contains(got, "金山云的工单列表不能按状态筛选；可用的条件：客户") {
			t.Errorf("a state filter: %s", got)
		}
		got = only(t, h.say("订阅 ksyun")).Text()
		if !strings.Contains(got, "金山云的列表不能只列未结的工单，而这个账号的工单多得一次读不完") || !strings.Contains(got, "客户=…") {
			t.Errorf("answer = %s", got)
		}
		if subs, _ := h.store.Subscriptions(context.Background(), "feishu", "oc_group"); len(subs) != 0 {
			t.Errorf("stored %+v", subs)
		}
	})
	t.Run("a vendor that cannot list", func(t *testing.T) {
		h := newHarness(t, Config{})
		if got := only(t, h.say("订阅 ksyun")).Text(); !strings.Contains(got, "金山云的接口不能列出账号下的工单，无法订阅") {
			t.Errorf("answer = %s", got)
		}
	})
}

// In a chat that names its admins, only they may change its subscriptions; anyone may list
// them.
func TestSubscribePermission(t *testing.T) {
	h, _ := subscribeHarness(t, Config{Chats: []Chat{{Platform: "feishu", ChatID: "oc_group", Admins: []string{"ou_zhang"}}}})
	if got := only(t, h.send(msg{user: "ou_li", text: "订阅 ksyun"})).Text(); !strings.Contains(got, "只有本群的管理员可以修改订阅") {
		t.Fatalf("a member's 订阅 = %s", got)
	}
	if subs, _ := h.store.Subscriptions(context.Background(), "feishu", "oc_group"); len(subs) != 0 {
		t.Fatalf("a member's 订阅 stored %+v", subs)
	}
	if got := only(t, h.say("订阅 ksyun")).Text(); !strings.Contains(got, "已订阅 #1") {
		t.Fatalf("the admin's 订阅 = %s", got)
	}
	if got := only(t, h.send(msg{user: "ou_li", text: "取消订阅 1"})).Text(); !strings.Contains(got, "只有本群的管理员") {
		t.Fatalf("a member's 取消订阅 = %s", got)
	}
	if got := only(t, h.send(msg{user: "ou_li", text: "订阅"})).Text(); !strings.Contains(got, "#1 金山云") {
		t.Fatalf("a member's list = %s", got)
	}
}

// [[chats]] subscribe presets are made at start, once: a second start finds them and reads
// no vendor list for them; a preset the vendor's list cannot apply is logged, not made.
func TestSubscriptionPresets(t *testing.T) {
	cfg := Config{Chats: []Chat{{Platform: "feishu", ChatID: "oc_group", Subscribe: []string{"ksyun 客户=金山", "ksyun 产品=ECS"}}}}
	h, v := subscribeHarness(t, cfg)
	h.bot.Presets(context.Background())
	subs, _ := h.store.Subscriptions(context.Background(), "feishu", "oc_group")
	if len(subs) != 1 || subs[0].Filters["customer"] != "金山" || subs[0].By != "config" {
		t.Fatalf("after the first start: %+v", subs)
	}
	if ids := h.followed(); !slices.Equal(ids, []string{"1", "2"}) {
		t.Fatalf("the preset's open tickets: %v", ids)
	}
	if !strings.Contains(h.log(), "ksyun 产品=ECS") || !strings.Contains(h.log(), "不能按「产品」筛选") {
		t.Errorf("the preset the list cannot apply is not logged:\n%s", h.log())
	}
	v.mu.Lock()
	lists := v.lists
	v.mu.Unlock()
	h.bot.Presets(context.Background())
	if subs, _ := h.store.Subscriptions(context.Background(), "feishu", "oc_group"); len(subs) != 1 {
		t.Fatalf("after a second start: %+v", subs)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.lists != lists {
		t.Errorf("a second start listed the vendor %d times for a preset it has", v.lists-lists)
	}
}

// [[chats]] subscribe is checked where it is written: a vendor that is not configured, a word
// that is no key=value.
func TestSubscriptionPresetProblems(t *testing.T) {
	for _, c := range []struct{ preset, want string }{
		{"tencent", "the first word is the vendor"},
		{"ksyun 客户", `"客户" is no key=value filter`},
		{"ksyun 客户=金山", ""},
	} {
		err := presetProblem(c.preset, map[string]bool{"ksyun": true})
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("presetProblem(%q) = %v, want %q", c.preset, err, c.want)
		}
	}
}

// The notice of a ticket a subscription found names the subscription and says how to see
// and take the ticket, on both platforms.
func TestNoticeOfANewTicket(t *testing.T) {
	h := newHarness(t, Config{})
	tk := providerTicket("1204", "磁盘告警")
	tk.Provider = "ksyun"
	v := bot.NoticeView{Kind: bot.NoticeNew, Ticket: tk, Subscription: 2, Priority: "normal"}
	for _, platform := range []string{"feishu", "wecom"} {
		out, err := h.bot.Notices(context.Background(), platform, "oc_group", []bot.NoticeView{v})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"订阅的新工单", "新工单 · 订阅", "2", "「查看 ksyun:1204」查看详情，「认领 ksyun:1204」认领"} {
			if !strings.Contains(string(out.Body), want) {
				t.Errorf("%s: %s\nwants %q", platform, out.Body, want)
			}
		}
	}
}
