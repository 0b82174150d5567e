package command

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// A reply tried before is checked at the vendor before it is sent again; when the vendor
// cannot be asked (its notes fail), the reply waits for the next try instead of being sent
// blind, which could post it twice.
func TestReplyUncheckableIsNotRepeatedBlind(t *testing.T) {
	h := newHarness(t, Config{DefaultProvider: "ksyun"})
	v := h.vendors["ksyun"]
	v.put(providers.Ticket{ID: "1204", Title: "数据库连接超时"})
	down := &providers.VendorError{Provider: "ksyun", Code: "HTTP 503", Temporary: true}
	v.mu.Lock()
	v.replyErr = down
	v.mu.Unlock()
	if got := h.say("回复 ksyun:1204 已重启实例"); len(got) != 1 || !strings.Contains(got[0].Text(), "回复已保存") {
		t.Fatalf("answer while the vendor is down: %+v", got)
	}
	v.mu.Lock()
	v.replyErr, v.notesErr = nil, down
	v.mu.Unlock()
	later := time.Now()
	h.bot.Now = func() time.Time { return later }
	for range 3 {
		later = later.Add(10 * time.Minute)
		h.bot.DrainOutbox(context.Background())
	}
	if _, replies, _ := v.calls(); replies != 0 {
		t.Fatalf("replied %d times without knowing whether the first try got through", replies)
	}
	jobs, err := h.store.JobsSince(context.Background(), time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.Kind == jobReply && (j.State != store.JobPending || !strings.Contains(j.LastError, "503")) {
			t.Fatalf("reply job %+v, want pending on the vendor's 503", j)
		}
	}
	v.mu.Lock()
	v.notesErr = nil
	v.mu.Unlock()
	later = later.Add(10 * time.Minute)
	h.bot.DrainOutbox(context.Background())
	if _, replies, _ := v.calls(); replies != 1 {
		t.Fatalf("replies once the vendor can be asked: %d, want 1", replies)
	}
}
