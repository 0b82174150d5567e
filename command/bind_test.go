package command

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// boundTo checks whom the store says the platform user is at ksyun ("" for nobody).
func boundTo(user, want string) func(t *testing.T, h *harness, _ *fakeVendor) {
	return func(t *testing.T, h *harness, _ *fakeVendor) {
		t.Helper()
		b, err := h.store.BindingOf(context.Background(), "feishu", user, "ksyun")
		switch {
		case want == "" && !errors.Is(err, store.ErrNotFound):
			t.Errorf("%s is bound to %q (%v), want unbound", user, b.VendorID, err)
		case want != "" && (err != nil || b.VendorID != want):
			t.Errorf("%s is bound to %q (%v), want %s", user, b.VendorID, err, want)
		}
	}
}

// bindFirst binds a user at ksyun before the case runs, as if they had typed 绑定.
func bindFirst(user, id string) func(t *testing.T, h *harness, _ *fakeVendor) {
	return func(t *testing.T, h *harness, _ *fakeVendor) {
		t.Helper()
		if _, err := h.store.Bind(context.Background(), store.Binding{Platform: "feishu", UserID: user, Provider: "ksyun",
			VendorID: id, By: user, CreatedAt: time.Now()}, false); err != nil {
			t.Fatal(err)
		}
	}
}

// actedAs checks whom each vendor write acted as ("" the configured default).
func actedAs(want ...string) func(t *testing.T, _ *harness, v *fakeVendor) {
	return func(t *testing.T, _ *harness, v *fakeVendor) {
		t.Helper()
		v.mu.Lock()
		defer v.mu.Unlock()
		if !slices.Equal(v.Actors, want) {
			t.Errorf("the vendor writes acted as %q, want %q", v.Actors, want)
		}
	}
}

func checks(cs ...func(t *testing.T, h *harness, v *fakeVendor)) func(t *testing.T, h *harness, v *fakeVendor) {
	return func(t *testing.T, h *harness, v *fakeVendor) {
		t.Helper()
		for _, c := range cs {
			c(t, h, v)
		}
	}
}

var (
	chatAdmin   = Config{Chats: []Chat{{Platform: "feishu", ChatID: "oc_group", Admins: []string{"ou_zhang"}}}}
	mappedZhang = Config{Users: []User{{Name: "张三丰", IDs: map[string]string{"feishu": "ou_zhang", "ksyun": "38361"}}}}
	mentionLi   = []bot.Mention{{Name: "李四", UserID: "ou_li"}}
)

// 绑定: a person binds their own vendor identity; an admin binds others and takes an identity
// over; the configuration wins; bad ids, vendors without personal identities and someone
// else's identity are refused and store nothing.
func TestBindCommand(t *testing.T) {
	runCases(t, []cmdCase{{
		name:   "oneself",
		people: true,
		text:   "绑定 ksyun 38361",
		want:   []string{"已绑定：你在金山云的身份是长工号 38361。此后你在群里建单、回复和关闭", "金山云没有可查询此身份的接口"},
		calls:  []string{"identity 38361"},
		check:  boundTo("ou_zhang", "38361"),
	}, {
		name:   "glued, and named by the vendor",
		people: true,
		vendor: func(v *fakeVendor) {
			v.IdentityFn = func(id string) (providers.Identity, error) {
				return providers.Identity{ID: id, Name: "张三", Checked: true}, nil
			}
		},
		text:  "绑定ksyun:38361",
		want:  []string{"你在金山云的身份是长工号 38361（张三）"},
		not:   []string{"没有可查询此身份的接口"},
		check: boundTo("ou_zhang", "38361"),
	}, {
		name:     "in English on WeCom",
		people:   true,
		platform: "wecom",
		text:     "bind kingsoft 38361",
		want:     []string{"Bound: at Kingsoft Cloud you are employee number 38361."},
	}, {
		name:   "an id the vendor refuses by its form",
		people: true,
		text:   "绑定 ksyun zhangsan",
		want:   []string{"「zhangsan」不是有效的金山云长工号，例如：绑定 ksyun 38361"},
		check:  boundTo("ou_zhang", ""),
	}, {
		name:   "the vendor fails the lookup",
		people: true,
		vendor: func(v *fakeVendor) {
			v.IdentityFn = func(string) (providers.Identity, error) { return providers.Identity{}, errVendor }
		},
		text:  "绑定 ksyun 38361",
		want:  []string{saidVendorError},
		check: boundTo("ou_zhang", ""),
	}, {
		name:  "a vendor that acts as one account",
		text:  "绑定 ksyun 38361",
		want:  []string{"金山云以配置的账号操作，没有个人身份可以绑定"},
		calls: []string{},
		check: boundTo("ou_zhang", ""),
	}, {
		name:   "the configuration wins",
		people: true,
		cfg:    mappedZhang,
		text:   "绑定 ksyun 40001",
		want:   []string{"你在配置 [[users]] 中已映射为金山云长工号 38361，配置优先"},
		calls:  []string{},
		check:  boundTo("ou_zhang", ""),
	}, {
		name:   "someone else's identity",
		people: true,
		setup:  bindFirst("ou_li", "38361"),
		text:   "绑定 ksyun 38361",
		want:   []string{"金山云长工号 38361 已被另一位同事绑定，不能再绑定给你。如确属于你，请让群管理员为你绑定"},
		not:    []string{"ou_li"},
		check:  checks(boundTo("ou_zhang", ""), boundTo("ou_li", "38361"), auditResultIs("denied")),
	}, {
		name:   "an admin takes an identity over",
		people: true,
		cfg:    chatAdmin,
		setup:  bindFirst("ou_li", "38361"),
		text:   "绑定 ksyun 38361",
		want:   []string{"已绑定：你在金山云的身份是长工号 38361", "此身份原先绑定给了 ou_li，已为其解除"},
		check:  checks(boundTo("ou_zhang", "38361"), boundTo("ou_li", "")),
	}, {
		name:     "an admin binds someone they @",
		people:   true,
		cfg:      chatAdmin,
		text:     "绑定 ksyun 40001 @李四",
		mentions: mentionLi,
		want:     []string{"已将 @李四 绑定为金山云长工号 40001"},
		check:    checks(boundTo("ou_li", "40001"), boundTo("ou_zhang", "")),
	}, {
		name:   "an admin binds someone by user id",
		people: true,
		cfg:    chatAdmin,
		text:   "绑定 ksyun 40001 ou_li",
		want:   []string{"已将 ou_li 绑定为金山云长工号 40001"},
		check:  boundTo("ou_li", "40001"),
	}, {
		name:   "a mention the platform does not name",
		people: true,
		cfg:    chatAdmin,
		text:   "绑定 ksyun 40001 @李四",
		want:   []string{"不知道 @李四 是谁：请写 TA 的用户 ID（TA 发送「我是谁」可以看到）"},
		check:  boundTo("ou_li", ""),
	}, {
		name:     "not an admin binding someone else",
		people:   true,
		text:     "绑定 ksyun 40001 @李四",
		mentions: mentionLi,
		want:     []string{"只有群管理员可以为别人绑定或解绑身份"},
		calls:    []string{},
		check:    checks(boundTo("ou_li", ""), auditResultIs("denied")),
	}, {
		name:  "usage: the id is missing",
		text:  "绑定 ksyun",
		want:  []string{"缺少你在ksyun的身份 ID", "绑定 供应商 你的身份ID [@某人]"},
		calls: []string{},
	}})
}

// 解绑: the binding goes, and the person is told again at their next write that they act as
// the default.
func TestUnbindCommand(t *testing.T) {
	runCases(t, []cmdCase{{
		name:   "oneself",
		people: true,
		setup:  bindFirst("ou_zhang", "38361"),
		text:   "解绑 ksyun",
		want:   []string{"已解除你在金山云的身份绑定（长工号 38361）。此后以配置的默认身份操作"},
		check:  boundTo("ou_zhang", ""),
	}, {
		name:   "nothing bound",
		people: true,
		text:   "unbind ksyun",
		want:   []string{"You have no identity bound at Kingsoft Cloud."},
	}, {
		name:     "an admin unbinds someone",
		people:   true,
		cfg:      chatAdmin,
		setup:    bindFirst("ou_li", "40001"),
		text:     "解绑 ksyun @李四",
		mentions: mentionLi,
		want:     []string{"已解除 @李四 在金山云的身份绑定（长工号 40001）"},
		check:    boundTo("ou_li", ""),
	}, {
		name:     "not an admin unbinding someone",
		people:   true,
		setup:    bindFirst("ou_li", "40001"),
		text:     "解绑 ksyun @李四",
		mentions: mentionLi,
		want:     []string{"只有群管理员可以为别人绑定或解绑身份"},
		check:    boundTo("ou_li", "40001"),
	}})
}

// Writes act as the configured identity, else the bound one, else the vendor's default; a
// person acting as the default is told once, and again after an unbind.
func TestWritesActAsTheBoundIdentity(t *testing.T) {
	const told = "提示：你还没有绑定金山云身份，本次以配置的默认身份操作。发送「绑定 ksyun 你的长工号」（如 绑定 ksyun 38361）"
	runCases(t, []cmdCase{{
		name:   "bound",
		people: true,
		setup:  bindFirst("ou_zhang", "40001"),
		text:   "建单 ksyun 数据库连接超时",
		not:    []string{told},
		check:  actedAs("40001"),
	}, {
		name:   "configured and bound: the configuration wins",
		people: true,
		cfg:    mappedZhang,
		setup:  bindFirst("ou_zhang", "40001"),
		text:   "回复 ksyun:1204 已重启",
		check:  actedAs("38361"),
	}, {
		name:   "unbound: told once",
		people: true,
		text:   "建单 ksyun 数据库连接超时",
		want:   []string{told},
		check: func(t *testing.T, h *harness, v *fakeVendor) {
			shown := h.say("回复 ksyun:1204 已重启")
			for _, p := range shown {
				if contains(p.Text(), "还没有绑定") {
					t.Errorf("told a second time: %s", p.Text())
				}
			}
			actedAs("", "")(t, h, v)
			h.say("绑定 ksyun 38361")
			h.say("解绑 ksyun")
			again := false
			for _, p := range h.say("回复 ksyun:1204 再试") {
				again = again || contains(p.Text(), "还没有绑定")
			}
			if !again {
				t.Error("not told again after an unbind")
			}
		},
	}, {
		name: "a vendor that acts as one account says nothing",
		text: "建单 ksyun 数据库连接超时",
		not:  []string{"还没有绑定"},
	}, {
		name:   "the vendor's creator may close by their bound identity",
		people: true,
		setup:  bindFirst("ou_zhang", "40001"),
		vendor: func(v *fakeVendor) {
			v.GetFn = func(id string) (providers.Ticket, error) {
				t := v.ticket(id)
				t.CreatorID = "40001"
				return t, nil
			}
		},
		text:  "关闭 ksyun:1204",
		want:  []string{"已关闭"},
		check: actedAs("40001"),
	}, {
		name:   "someone else's ticket at the vendor may not be closed",
		people: true,
		setup:  bindFirst("ou_zhang", "40002"),
		vendor: func(v *fakeVendor) {
			v.GetFn = func(id string) (providers.Ticket, error) {
				t := v.ticket(id)
				t.CreatorID = "40001"
				return t, nil
			}
		},
		text:  "关闭 ksyun:1204",
		want:  []string{"只有工单创建人或群管理员可以关闭工单"},
		check: actedAs(),
	}})
}

// auditResultIs checks the one audit row's result.
func auditResultIs(want string) func(t *testing.T, h *harness, _ *fakeVendor) {
	return func(t *testing.T, h *harness, _ *fakeVendor) {
		t.Helper()
		entries, err := h.store.Audit(context.Background(), time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		if err != nil || len(entries) != 1 || entries[0].Result != want {
			t.Errorf("audit %+v (%v), want one row %q", entries, err, want)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
