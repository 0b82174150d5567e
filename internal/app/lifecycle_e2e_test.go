package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
	"github.com/ticketbot/ticketbot/span"
	"github.com/ticketbot/ticketbot/store"
)

// noWatch keeps the watcher off the held vendor, and makes Kingsoft's own HTTP timeout longer
// than any wait of these tests: only [bot] command_timeout can end a hanging call.
const noWatch = `timeout = "10m"
[watch]
enabled = false
`

// TestCommandHangingAtTheVendorIsCutAtItsTimeout: the vendor never answers; at
// [bot] command_timeout the command is cancelled and the person is told the vendor did not
// answer in time.
func TestCommandHangingAtTheVendorIsCutAtItsTimeout(t *testing.T) {
	h := startHarnessBot(t, `command_timeout = "300ms"`, noWatch)
	id, _ := h.createTicket("厂商无响应")
	release := h.ksyun.Hold()
	t.Cleanup(release) // before the fakes close (cleanups run last-registered first)

	h.say("ev-slow", "om_slow", "查看 ksyun:"+id)
	h.waitFor("the call held at the vendor", func() bool { return h.ksyun.Waiting() > 0 })
	got := h.waitAnswer("om_slow", "timeout")
	if !strings.Contains(got, "暂时无法访问") {
		t.Errorf("answer %q, want the vendor's timeout sentence", got)
	}
}

// TestShutdownLetsACommandInFlightFinishBeforeTheStoreCloses: a reply is held at the vendor
// when shutdown starts; Serve waits for it, and once the vendor answers, the reply's job is
// recorded done and its answer sent, all before the store closes.
func TestShutdownLetsACommandInFlightFinishBeforeTheStoreCloses(t *testing.T) {
	h := startHarnessBot(t, "", noWatch) // server.shutdown_timeout = "10s"
	id, card := h.createTicket("停机")
	release := h.ksyun.Hold()
	t.Cleanup(release)

	h.say("ev-r", "om_r", "停机前的回复", feishutest.WithRootID(card.ID), feishutest.WithParentID(card.ID))
	h.waitFor("the reply held at the vendor", func() bool { return h.ksyun.Waiting() > 0 })
	stopped := make(chan struct{})
	go func() { defer close(stopped); h.stop() }()
	h.waitFor("the shutdown to start", func() bool { return strings.Contains(h.logs.String(), "shutting down") })
	// While it drains, the replica is alive but no longer ready: a load balancer stops
	// sending it deliveries.
	h.waitFor("/readyz to say it is shutting down", func() bool {
		code, body := getJSON(t, h.admin+"/readyz")
		return code == 503 && strings.Contains(string(body), "shutting down")
	})
	if code, body := getJSON(t, h.admin+"/healthz"); code != 200 {
		t.Errorf("/healthz while draining: %d %s", code, body)
	}
	select {
	case <-stopped:
		t.Fatalf("Serve returned while a command was still running\n%s", h.logs)
	case <-time.After(200 * time.Millisecond):
	}
	release()
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatalf("Serve did not return after the command finished\n%s", h.logs)
	}

	if n := h.vendorComments(id, "停机前的回复"); n != 1 {
		t.Errorf("the vendor got the reply %d times, want 1", n)
	}
	if got := h.answersTo("om_r"); len(got) != 1 || !strings.Contains(got[0], "已回复到工单") {
		t.Errorf("answers %q, want the reply's confirmation", got)
	}
	j, err := h.openStore().Job(context.Background(), "reply/feishu/om_r")
	if err != nil || j.State != store.JobDone {
		t.Errorf("reply job %+v (%v), want done: its end was written before the store closed", j, err)
	}
	for _, bad := range []string{"database is closed", "work left unfinished", "still running"} {
		if strings.Contains(h.logs.String(), bad) {
			t.Errorf("logs say %q:\n%s", bad, h.logs)
		}
	}
}

// TestShutdownCancelsACommandStillRunningAtTheDeadline: the vendor never answers; at
// server.shutdown_timeout the command is cancelled, its reply kept in the store for the next
// start (not left "running"), and only then is the store closed.
func TestShutdownCancelsACommandStillRunningAtTheDeadline(t *testing.T) {
	h := startHarnessEdit(t, "", noWatch, func(c *Config) { c.Server.ShutdownTimeout = span.Of(300 * time.Millisecond) })
	_, card := h.createTicket("停机超时")
	release := h.ksyun.Hold()
	t.Cleanup(release)
	// The fake's side of the held request waits for release, after Serve has returned.
	h.notServes = append(h.notServes, goleak.IgnoreAnyFunction("github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest.(*Server).serveHTTP"))

	h.say("ev-r", "om_r", "来不及的回复", feishutest.WithRootID(card.ID), feishutest.WithParentID(card.ID))
	h.waitFor("the reply held at the vendor", func() bool { return h.ksyun.Waiting() > 0 })
	stopped := make(chan struct{})
	go func() { defer close(stopped); h.stop() }()
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatalf("Serve did not return: the held command was not cancelled\n%s", h.logs)
	}

	j, err := h.openStore().Job(context.Background(), "reply/feishu/om_r")
	if err != nil || j.State != store.JobPending {
		t.Errorf("reply job %+v (%v), want pending: kept for the next start before the store closed", j, err)
	}
	if strings.Contains(h.logs.String(), "database is closed") {
		t.Errorf("the store was closed under running work:\n%s", h.logs)
	}
}
