package app

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

// A Weiban work_order_change push reaches the following group at once (no poll: the sweep
// interval is an hour), and the same push delivered again changes nothing.
func TestWeibanPushUpdatesTheFollowingGroup(t *testing.T) {
	wf := weibantest.New("corp-e2e", "weiban-secret-e2e")
	t.Cleanup(wf.Close)
	c := wf.Config()
	h := startHarness(t, fmt.Sprintf(`
[watch]
interval = "1h"
deliver_every = "10ms"
[providers.weiban]
base_url = %q
corp_id = %q
secret = %q
staff_id = %q
handler_id = %q
template_id = %d
event_token = %q
event_aes_key = %q
`, c.BaseURL, c.CorpID, c.Secret.Reveal(), c.StaffID, c.HandlerID, c.TemplateID, c.EventToken.Reveal(), c.EventAESKey.Reveal()))
	ctx := context.Background()
	url := h.url + "/weiban/events"
	order := weibantest.DocOrderNo

	h.say("ev-1", "om_w1", "关注 weiban:"+order)
	h.waitFor("the card", func() bool { return len(h.messages("interactive")) == 1 })
	card := h.messages("interactive")[0]
	if !strings.Contains(card.Content, "weiban:"+order) {
		t.Fatalf("card: %s", card.Content)
	}

	if err := wf.AddFlow(order, weibantest.AgentID, "已为您处理，请确认"); err != nil {
		t.Fatal(err)
	}
	if code, err := wf.PushChange(ctx, url, order, "reply"); err != nil || code != 200 {
		t.Fatalf("push: %d %v", code, err)
	}
	h.waitFor("the notice of the reply", func() bool { return len(h.notices()) == 1 })
	if n := h.notices()[0]; !strings.Contains(n.Content, "已为您处理，请确认") || n.ParentID != card.ID {
		t.Errorf("notice: %+v", n)
	}
	// The same push again (Weiban delivers at least once): nothing new.
	if code, err := wf.ResendLast(ctx, url); err != nil || code != 200 {
		t.Fatalf("resend: %d %v", code, err)
	}
	// A close as a barrier: it is announced, and it is the only other notice. (Weiban's
	// status enum is unpublished: an unmapped raw value is read through the event's kind.)
	if err := wf.SetStatus(order, weibantest.StatusClosed); err != nil {
		t.Fatal(err)
	}
	if code, err := wf.PushChange(ctx, url, order, "close"); err != nil || code != 200 {
		t.Fatalf("close push: %d %v", code, err)
	}
	h.waitFor("the close notice", func() bool { return len(h.notices()) == 2 })
	if n := h.notices()[1]; !strings.Contains(n.Content, "已关闭") {
		t.Errorf("close notice: %s", n.Content)
	}
	h.waitFor("the card patched", func() bool {
		m, _ := h.feishu.Message(card.ID)
		return m.Patches >= 1
	})

	// A forged push: 401.
	forger := weibantest.New("corp-e2e", "x")
	t.Cleanup(forger.Close)
	if code, err := forger.PushChange(ctx, url, order, "reply"); err != nil || code != 401 {
		t.Errorf("forged push: %d %v", code, err)
	}
	if _, m := getJSON(t, h.admin+"/metrics"); !strings.Contains(string(m), `ticketbot_webhooks_rejected_total{platform="weiban",reason="unauthorized"} 1`) {
		t.Errorf("the forged push was not counted:\n%s", grepLines(string(m), "rejected"))
	}
}
