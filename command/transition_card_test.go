package command

import (
	"context"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/providers"
)

// A ticket card shows the buttons of the transitions its vendor can do from the ticket's
// status, and no others: 重新打开 only on a closed ticket of a vendor that can reopen; 驳回 and
// 流转 only where the platform has forms for their input; every one that acts asks first (the
// platform's dialog, or a confirmation card), carrying the card's version.
func TestTicketCardTransitionButtons(t *testing.T) {
	tests := []struct {
		name     string
		platform string
		caps     providers.Capabilities
		closed   bool
		want     []string // "text=command" of every button, in order
	}{
		{"feishu, an open ticket of a vendor that rejects", "feishu",
			providers.Capabilities{Reply: true, Close: true, Reject: true}, false,
			[]string{"回复=reply ksyun:1204", "关闭=close ksyun:1204 #v0", "驳回=reject ksyun:1204", "认领=claim ksyun:1204", "刷新=show ksyun:1204", "关注=watch ksyun:1204"}},
		{"feishu, an open ticket of a vendor that transfers", "feishu",
			providers.Capabilities{Reply: true, Close: true, Transfer: true}, false,
			[]string{"回复=reply ksyun:1204", "关闭=close ksyun:1204 #v0", "流转=transfer ksyun:1204", "认领=claim ksyun:1204", "刷新=show ksyun:1204", "关注=watch ksyun:1204"}},
		{"feishu, a closed ticket of a vendor that reopens", "feishu",
			providers.Capabilities{Reply: true, Close: true, Reopen: true, Reject: true}, true,
			[]string{"重新打开=reopen ksyun:1204 #v0", "刷新=show ksyun:1204", "关注=watch ksyun:1204"}},
		{"feishu, a closed ticket of a vendor that cannot reopen", "feishu",
			providers.Capabilities{Reply: true, Close: true, Transfer: true}, true,
			[]string{"刷新=show ksyun:1204", "关注=watch ksyun:1204"}},
		{"feishu, an open ticket of a vendor that reopens shows no 重新打开", "feishu",
			providers.Capabilities{Close: true, Reopen: true}, false,
			[]string{"关闭=close ksyun:1204 #v0", "认领=claim ksyun:1204", "刷新=show ksyun:1204", "关注=watch ksyun:1204"}},
		{"wecom has no forms: no 驳回 or 流转, and 关闭 asks with a card", "wecom",
			providers.Capabilities{Reply: true, Close: true, Reject: true, Transfer: true}, false,
			[]string{"关闭=confirm close ksyun:1204 #v0", "认领=claim ksyun:1204", "刷新=show ksyun:1204", "关注=watch ksyun:1204"}},
		{"wecom, a closed ticket of a vendor that reopens asks with a card", "wecom",
			providers.Capabilities{Close: true, Reopen: true}, true,
			[]string{"重新打开=confirm reopen ksyun:1204 #v0", "刷新=show ksyun:1204", "关注=watch ksyun:1204"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newFakeVendor("ksyun")
			v.caps = tt.caps
			v.closed["1204"] = tt.closed
			h := buildHarness(t, Config{}, ":memory:", map[string]providers.Provider{"ksyun": v})
			out, err := h.bot.TicketCard(context.Background(), tt.platform, "oc_group", v.ticket("1204"))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, b := range cardButtons(t, out.Body) {
				got = append(got, b[0]+"="+b[1])
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("buttons\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			// Feishu's acting buttons carry the dialog.
			if tt.platform == "feishu" && strings.Contains(strings.Join(tt.want, " "), "#v0") && !strings.Contains(string(out.Body), `"confirm"`) {
				t.Errorf("no confirmation dialog on %s", out.Body)
			}
		})
	}
}

// 重新打开 on a WeCom card asks first, then reopens once, through the confirmation card.
func TestWeComReopenAsksFirst(t *testing.T) {
	v := newFakeVendor("ksyun")
	closedVendor(v)
	h := buildHarness(t, Config{Chats: []Chat{{Platform: "wecom", ChatID: "oc_group", Admins: []string{"ou_zhang"}}}}, ":memory:",
		map[string]providers.Provider{"ksyun": v})
	out, err := h.bot.TicketCard(context.Background(), "wecom", "oc_group", v.ticket("1204"))
	if err != nil {
		t.Fatal(err)
	}
	ask := h.click("wecom", "om_card", button(t, out.Body, "重新打开"), nil)
	if !strings.Contains(string(ask.Card), "确认重新打开 ksyun:1204？") || len(v.Calls()) != 1 {
		t.Fatalf("重新打开: toast %q card %s, calls %q", ask.Toast.Text, ask.Card, v.Calls())
	}
	done := h.click("wecom", "om_card", button(t, ask.Card, "确认重新打开"), nil)
	again := h.click("wecom", "om_card", button(t, ask.Card, "确认重新打开"), nil)
	var reopens int
	for _, c := range v.Calls() {
		if strings.HasPrefix(c, "reopen ") {
			reopens++
		}
	}
	t.Logf("first %+v; second %+v", done.Toast, again.Toast)
	if reopens != 1 || done.Toast.Type != "success" || !strings.Contains(again.Toast.Text, "ksyun:1204") {
		t.Errorf("reopens %d; first toast %+v; second %+v", reopens, done.Toast, again.Toast)
	}
}
