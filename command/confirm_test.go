package command

import (
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

// 确认: a transition's button on a platform without confirmation dialogs (WeCom) turns the
// card into a question; nothing reaches the vendor until 确认关闭 (确认重新打开, …), which carries
// the card's version and what the command carried.
func TestConfirmCommand(t *testing.T) {
	mine := func(t *testing.T, h *harness, v *fakeVendor) { remember(t, h, v.ticket("1204"), "wecom:ou_zhang") }
	runCases(t, []cmdCase{{
		name:     "success",
		platform: "wecom",
		setup:    mine,
		click:    "confirm close ksyun:1204 #v0",
		want:     []string{"确认关闭 ksyun:1204？", "close ksyun:1204 #v0", "card ksyun:1204", "关闭后供应商将不再处理此工单。"},
		calls:    []string{},
	}, {
		name:     "a vendor where only the creator may close says so",
		platform: "wecom",
		setup:    mine,
		vendor:   func(v *fakeVendor) { v.caps.CloseCreatorOnly = true },
		click:    "confirm close ksyun:1204",
		want:     []string{"仅工单创建人可以关闭。"},
	}, {
		name:     "usage: only a transition is confirmed",
		platform: "wecom",
		click:    "confirm show ksyun:1204",
		want:     []string{"toast error: 只能确认关闭、重开、驳回或流转。用法：确认 关闭|重开|驳回|流转 工单号"},
		calls:    []string{},
	}, {
		name:     "permission: neither its creator nor an admin",
		platform: "wecom",
		click:    "confirm close ksyun:1204",
		want:     []string{"toast error: 只有工单创建人或群管理员可以关闭工单 ksyun:1204。"},
		not:      []string{"确认关闭"},
		calls:    []string{"get 1204"},
	}, {
		name:     "vendor error",
		platform: "wecom",
		vendor:   func(v *fakeVendor) { v.GetFn = failGet(errVendor) },
		click:    "confirm close ksyun:1204",
		want:     []string{"toast error: " + saidVendorError},
	}, {
		name:     "unsupported",
		platform: "wecom",
		vendor:   func(v *fakeVendor) { v.GetFn = failGet(errUnsupported) },
		click:    "confirm close ksyun:1204",
		want:     []string{"toast error: " + saidUnsupported},
	}, {
		name:     "重新打开 asks the same way, for a closed ticket of a vendor that can reopen",
		platform: "wecom",
		vendor:   closedVendor,
		setup:    mine,
		click:    "confirm reopen ksyun:1204 #v0",
		want:     []string{"确认重新打开 ksyun:1204？", `"reopen ksyun:1204 #v0"`, "重新打开后，供应商会继续处理此工单。", "确认重新打开"},
		calls:    []string{},
	}, {
		name:     "a confirmed reason is carried by the confirming button",
		platform: "wecom",
		vendor:   rejecter,
		setup:    mine,
		click:    "confirm reject ksyun:1204\n非本产品线问题 #v0",
		want:     []string{"确认驳回 ksyun:1204？", `"reject ksyun:1204\n非本产品线问题 #v0"`, "确认驳回"},
		calls:    []string{},
	}, {
		name:     "a reopen the vendor cannot do says why on the button",
		platform: "wecom",
		setup:    mine,
		vendor: func(v *fakeVendor) {
			v.closed["1204"] = true
			v.why = map[string]*providers.UnsupportedError{providers.OpReopen: {Op: "reopen", Reason: "没有重新打开的接口"}}
		},
		click: "confirm reopen ksyun:1204 #v0",
		want:  []string{"toast error: 不支持这个操作：没有重新打开的接口。"},
		not:   []string{"确认重新打开"},
		calls: []string{},
	}, {
		name:     "a reopen of an open ticket is refused on the button",
		platform: "wecom",
		setup:    mine,
		vendor:   func(v *fakeVendor) { v.caps.Reopen = true },
		click:    "confirm reopen ksyun:1204 #v0",
		want:     []string{"toast info: 工单 ksyun:1204 没有关闭（现在是「待处理」），无需重新打开。"},
		calls:    []string{},
	}, {
		name:     "already closed",
		platform: "wecom",
		vendor: func(v *fakeVendor) {
			v.GetFn = func(id string) (providers.Ticket, error) {
				tk := v.ticket(id)
				tk.Status = providers.StatusClosed
				return tk, nil
			}
		},
		click: "confirm close ksyun:1204",
		want:  []string{"toast info: 工单 ksyun:1204 已经是「已关闭」。"},
	}})
}
