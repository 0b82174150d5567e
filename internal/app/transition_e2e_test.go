package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// 驳回 through the real server and Kingsoft's fake: the card's button opens the reason's
// input, its submit reaches reject_handle once with the ticket's product line and the reason,
// and the card then shows the rejection; 重开, which Kingsoft's API lacks, is answered with
// why, and nothing reaches the vendor.
func TestEndToEndFeishuKingsoftReject(t *testing.T) {
	h := startHarness(t, "")
	h.say("ev-create", "om_user-1", "建单 ksyun 数据库连接超时")
	h.waitFor("the ticket card", func() bool { return len(h.messages("interactive")) == 1 })
	card := h.messages("interactive")[0]
	id := fmt.Sprint(h.ksyun.Tickets()[0].ID)
	if !strings.Contains(card.Content, `"cmd":"reject ksyun:`+id+`"`) {
		t.Fatalf("the card offers no 驳回: %s", card.Content)
	}
	h.waitCardRecorded(card.ID)

	a := h.click("ev-reject-open", card.ID, "reject ksyun:"+id, nil)
	if !strings.Contains(string(a.Card.Data), "reject_text") || !strings.Contains(string(a.Card.Data), "确认驳回工单") {
		t.Fatalf("驳回 should open the reason's input, with the dialog on its submit: %+v %s", a.Toast, a.Card.Data)
	}
	if n := rejectCalls(h); len(n) != 0 {
		t.Fatalf("opening the input rejected: %v", n)
	}
	a = h.click("ev-reject-send", card.ID, "reject ksyun:"+id, map[string]string{"reject_text": "非本产品线问题，请转网络组"})
	if a.Toast.Type != "success" || !strings.Contains(a.Toast.Content, "已驳回") || !strings.Contains(string(a.Card.Data), "已拒绝") {
		t.Fatalf("驳回's submit: %+v %s", a.Toast, a.Card.Data)
	}
	h.click("ev-reject-send", card.ID, "reject ksyun:"+id, map[string]string{"reject_text": "非本产品线问题，请转网络组"})
	calls := rejectCalls(h)
	if len(calls) != 1 || !strings.Contains(calls[0], `"productGroupId":36`) || !strings.Contains(calls[0], "非本产品线问题，请转网络组") {
		t.Fatalf("reject_handle calls: %v", calls)
	}
	if got, _ := h.ksyun.Ticket(id); got.Assigns[0].Status != 4 {
		t.Errorf("the line's assignment at the vendor: %+v, want 4 (已拒绝)", got.Assigns[0])
	}

	n := len(h.ksyun.Calls())
	h.say("ev-reopen", "om_user-2", "重开 ksyun:"+id)
	h.waitAnswer("om_user-2", "不支持这个操作：金山云工单 API 没有重新打开工单的接口")
	// Reads may come meanwhile (the watcher's sweep, the reject's own follow-up); nothing may
	// be written.
	for _, c := range h.ksyun.Calls()[n:] {
		if c.Method != http.MethodGet {
			t.Errorf("a reopen Kingsoft cannot do wrote to it: %s %s", c.Method, c.Path)
		}
	}
}

// rejectCalls are the bodies of the reject_handle calls Kingsoft's fake received.
func rejectCalls(h *harness) []string {
	var out []string
	for _, c := range h.ksyun.Calls() {
		if strings.HasSuffix(c.Path, "/reject_handle") {
			b, _ := json.Marshal(c.Body)
			out = append(out, string(b))
		}
	}
	return out
}
