package ksyun

import "testing"

// A code documented for one call gets its sentence there only: close_ticket's 23000 says the
// state allows no close; the same code from reject_handle (or a read) says what Kingsoft said.
func TestHintsByCall(t *testing.T) {
	c := &client{}
	tests := []struct {
		op, msg, zh, en string
	}{
		{"close_ticket", "工单状态不允许关闭", "工单状态不允许关闭。", "the ticket's state does not allow closing it."},
		{"reject_handle", "产品线分派状态不允许驳回", "产品线分派状态不允许驳回", "产品线分派状态不允许驳回"},
		{"detail", "工单状态异常", "工单状态异常", "工单状态异常"},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			e := c.vendorError(tt.op, "23000", tt.msg, "", false, "")
			if zh, en := e.Sentence(false), e.Sentence(true); zh != tt.zh || en != tt.en {
				t.Errorf("Sentence = %q / %q, want %q / %q", zh, en, tt.zh, tt.en)
			}
		})
	}
}
