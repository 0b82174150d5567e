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

// A transition whose answer was lost (it reached the vendor; the call timed out) is checked at
// the vendor before it is repeated: the ticket already shows it, so it is not done twice, and
// the chat is told it is done.
func TestTransitionUnknownOutcomeIsCheckedFirst(t *testing.T) {
	lost := &providers.VendorError{Provider: "ksyun", Code: "timeout", Temporary: true}
	// reached makes the vendor do it, then lose the answer, the first time only.
	reached := func(v *fakeVendor, do func()) func() error {
		n := 0
		return func() error {
			if n++; n > 1 {
				return nil
			}
			v.mu.Lock()
			do()
			v.mu.Unlock()
			return lost
		}
	}
	tests := []struct {
		name, text, call, later string
		vendor                  func(v *fakeVendor)
	}{
		{"close", "关闭 ksyun:1204", "close ", "已关闭", func(v *fakeVendor) {
			f := reached(v, func() { v.closed["1204"] = true })
			v.CloseFn = func(string, providers.CloseRequest) error { return f() }
		}},
		{"reopen", "重开 ksyun:1204", "reopen ", "已重新打开", func(v *fakeVendor) {
			closedVendor(v)
			f := reached(v, func() { v.closed["1204"] = false })
			v.ReopenFn = func(string, providers.ReopenRequest) error { return f() }
		}},
		{"reject", "驳回 ksyun:1204 非本产品线", "reject ", "已驳回", func(v *fakeVendor) {
			rejecter(v)
			f := reached(v, func() { v.rejected["1204"] = true })
			v.RejectFn = func(string, providers.RejectRequest) error { return f() }
		}},
		{"transfer", "流转 ksyun:1204 lina", "transfer ", "已流转给 lina", func(v *fakeVendor) {
			transferrer(v)
			f := reached(v, func() { v.handler["1204"] = "lina" })
			v.TransferFn = func(string, providers.TransferRequest) error { return f() }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newFakeVendor("ksyun")
			tt.vendor(v)
			h := buildHarness(t, Config{Chats: []Chat{{Platform: "feishu", ChatID: "oc_group", Admins: []string{"ou_zhang"}}}},
				":memory:", map[string]providers.Provider{"ksyun": v})
			if got := h.say(tt.text); len(got) != 1 || !strings.Contains(got[0].Text(), "已保存") {
				t.Fatalf("answer when the answer was lost: %+v", got)
			}
			later := time.Now()
			h.bot.Now = func() time.Time { return later }
			p := h.platform("feishu")
			n := p.count()
			for range 3 {
				later = later.Add(10 * time.Minute)
				h.bot.DrainOutbox(context.Background())
			}
			var made int
			for _, c := range v.Calls() {
				if strings.HasPrefix(c, tt.call) {
					made++
				}
			}
			if made != 1 {
				t.Errorf("%s made %d times, want once: %q", tt.name, made, v.Calls())
			}
			var told []string
			for _, m := range p.since(n) {
				told = append(told, m.Text())
			}
			if !strings.Contains(strings.Join(told, "\n"), tt.later) {
				t.Errorf("the chat was told %q, want %q", told, tt.later)
			}
		})
	}
}
