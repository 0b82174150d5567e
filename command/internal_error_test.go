package command

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// A fault that is ours (not a usage mistake, not the vendor's answer) reads 内部错误 with an
// id in the chat, never the error itself; the same id is in the ERROR log line and the audit
// row, so an admin finds what happened from what the person shows them.
func TestInternalErrorHasOneIDInChatLogAndAudit(t *testing.T) {
	h := newHarness(t, Config{DefaultProvider: "ksyun"})
	v := h.vendors["ksyun"]
	v.mu.Lock()
	v.getErr = errors.New("decode ticket: unexpected field secret=hunter2")
	v.mu.Unlock()
	got := h.say("查看 1204")
	if len(got) != 1 {
		t.Fatalf("answers %+v", got)
	}
	m := regexp.MustCompile(`^内部错误（编号 ([0-9a-f]{8})），请联系管理员。$`).FindStringSubmatch(got[0].Text())
	if m == nil {
		t.Fatalf("answer %q", got[0].Text())
	}
	id := m[1]
	logs := h.log()
	if !strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "error_id="+id) {
		t.Errorf("no ERROR line with error_id=%s:\n%s", id, logs)
	}
	entries, err := h.store.Audit(context.Background(), time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Result != "error" || entries[0].Detail != "error id "+id || entries[0].Command != "show" {
		t.Fatalf("audit %+v", entries)
	}
	if strings.Contains(got[0].Text(), "hunter2") || strings.Contains(entries[0].Detail, "hunter2") {
		t.Error("the error's text reached the chat or the audit")
	}
	// The vendor's own refusal is no internal error: it is said with the vendor's code.
	v.mu.Lock()
	v.getErr = &providers.VendorError{Provider: "ksyun", Code: "TicketNotFound", Message: "工单不存在"}
	v.mu.Unlock()
	if got := h.say("查看 1205"); len(got) != 1 || strings.Contains(got[0].Text(), "内部错误") || !strings.Contains(got[0].Text(), "TicketNotFound") {
		t.Fatalf("a vendor refusal answered %+v", got)
	}
}
