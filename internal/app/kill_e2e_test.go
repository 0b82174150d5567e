package app

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
	"github.com/ticketbot/ticketbot/internal/testbin"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
	"github.com/ticketbot/ticketbot/store"
)

// process is the real ticketbot binary, run as a child the test can kill -9.
type process struct {
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan error
	// admin is the URL of its admin listener.
	admin string
}

var servingAddr = regexp.MustCompile(`msg="ticketbot serving" addr=(\S+) .*admin_addr=(\S+)`)

// startProcess runs bin with the config and waits until it serves; it returns its URL.
func startProcess(t *testing.T, bin, config string) (*process, string) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--config", config)
	cmd.Env = append(os.Environ(), "E2E_FEISHU_SECRET=feishu-secret-e2e", "E2E_KSYUN_SECRET=ks-secret-e2e")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, logs: &syncBuffer{}, done: make(chan error, 1)}
	addr := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(p.logs, line)
			if m := servingAddr.FindStringSubmatch(line); m != nil {
				addr <- m[1:]
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})
	select {
	case a := <-addr:
		p.admin = "http://" + a[1]
		return p, "http://" + a[0]
	case err := <-p.done:
		t.Fatalf("ticketbot exited: %v\n%s", err, p.logs)
	case <-time.After(30 * time.Second):
		t.Fatalf("ticketbot did not start\n%s", p.logs)
	}
	return nil, ""
}

// TestKill9WithQueuedRepliesLosesAndDoublesNothing is the outbox's promise end to end: replies
// written while the vendor is down are kept across kill -9 and a restart, and each reaches
// the vendor exactly once when it recovers.
func TestKill9WithQueuedRepliesLosesAndDoublesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := testbin.Build(t, dir)

	kf := ksyuntest.New("ks-app", "ks-secret-e2e")
	ff := feishutest.New("cli_e2e", "feishu-secret-e2e")
	t.Cleanup(kf.Close)
	t.Cleanup(ff.Close)
	dbPath := filepath.Join(dir, "kill.db")
	config := filepath.Join(dir, "config.toml")
	retry := "[bot.retry]\nbase = \"50ms\"\nmax = \"200ms\"\nevery = \"20ms\"\nlease = \"1s\"\n"
	if err := os.WriteFile(config, []byte(harnessConfig(dbPath, "", retry, ff, kf)), 0o600); err != nil {
		t.Fatal(err)
	}

	first, url := startProcess(t, bin, config)
	h := &harness{t: t, ksyun: kf, feishu: ff, logs: first.logs, dbPath: dbPath, url: url}
	id, card := h.createTicket("数据库主从延迟")

	kf.Down()
	texts := []string{"已把读流量切回主库", "延迟已降到 1 秒内", "请确认是否可以关闭"}
	for i, text := range texts {
		h.say(fmt.Sprintf("ev-q%d", i), fmt.Sprintf("om_q%d", i), text, feishutest.WithRootID(card.ID), feishutest.WithParentID(card.ID))
	}
	for i := range texts {
		h.waitAnswer(fmt.Sprintf("om_q%d", i), "回复已保存")
	}

	// kill -9: no shutdown, no flush, whatever was running is cut.
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-first.done
	jobs, err := h.openStore().JobsSince(context.Background(), time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	pending := 0
	for _, j := range jobs {
		if j.Kind == "reply" && (j.State == store.JobPending || j.State == store.JobRunning) {
			pending++
		}
	}
	if pending != len(texts) {
		t.Fatalf("%d replies kept after kill -9, want %d: %+v", pending, len(texts), jobs)
	}
	for _, text := range texts {
		if n := h.vendorComments(id, text); n != 0 {
			t.Fatalf("%q reached a vendor that was down", text)
		}
	}

	second, url := startProcess(t, bin, config)
	h.url, h.logs = url, second.logs
	kf.Recover()
	for i, text := range texts {
		h.waitFor("reply "+text, func() bool { return h.vendorComments(id, text) >= 1 })
		h.waitAnswer(fmt.Sprintf("om_q%d", i), "✅ 回复已送达")
	}
	time.Sleep(300 * time.Millisecond) // room for a wrong second delivery to show
	for i, text := range texts {
		if n := h.vendorComments(id, text); n != 1 {
			t.Errorf("%q reached the vendor %d times, want exactly 1", text, n)
		}
		confirmations := 0
		for _, a := range h.answersTo(fmt.Sprintf("om_q%d", i)) {
			if strings.Contains(a, "✅") {
				confirmations++
			}
		}
		if confirmations != 1 {
			t.Errorf("reply %d confirmed %d times", i, confirmations)
		}
	}

	// A graceful stop of the second process exits cleanly.
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-second.done:
		if err != nil {
			t.Errorf("ticketbot after SIGTERM: %v\n%s", err, second.logs)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("ticketbot did not stop on SIGTERM")
	}
}

// TestKill9AfterTheVendorAppliedRepliesDoublesNothing: the vendor applies each of 20 replies
// (typed 回复 commands and replies in the card's thread, mixed) and then hangs; the process
// is killed with SIGKILL before any answer comes back. After a restart each reply is found
// at the vendor instead of being sent again: every text reaches the vendor exactly once, and
// the group gets one confirmation per reply.
func TestKill9AfterTheVendorAppliedRepliesDoublesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := testbin.Build(t, dir)
	kf := ksyuntest.New("ks-app", "ks-secret-e2e")
	ff := feishutest.New("cli_e2e", "feishu-secret-e2e")
	t.Cleanup(kf.Close)
	t.Cleanup(ff.Close)
	dbPath := filepath.Join(dir, "kill.db")
	config := filepath.Join(dir, "config.toml")
	// Enough workers for every reply to be at the vendor at once; no per-person budget.
	botExtra := "workers = 24\ncommands_per_minute = -1\n"
	retry := "[bot.retry]\nbase = \"50ms\"\nmax = \"200ms\"\nevery = \"20ms\"\nlease = \"1s\"\n"
	if err := os.WriteFile(config, []byte(harnessConfig(dbPath, botExtra, retry, ff, kf)), 0o600); err != nil {
		t.Fatal(err)
	}

	first, url := startProcess(t, bin, config)
	h := &harness{t: t, ksyun: kf, feishu: ff, logs: first.logs, dbPath: dbPath, url: url}
	id, card := h.createTicket("磁盘 IO 告警")

	release := kf.HangAfterWrite()
	defer release()
	const n = 20
	text := func(i int) string { return fmt.Sprintf("第%02d条处理记录", i) }
	for i := range n {
		ev, msg := fmt.Sprintf("ev-k%02d", i), fmt.Sprintf("om_k%02d", i)
		if i%2 == 0 {
			h.say(ev, msg, fmt.Sprintf("回复 ksyun:%s %s", id, text(i)))
		} else {
			h.say(ev, msg, text(i), feishutest.WithRootID(card.ID), feishutest.WithParentID(card.ID))
		}
	}
	h.waitFor("every reply applied at the vendor and hanging", func() bool { return kf.Hanging() == n })

	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-first.done
	release()
	for i := range n {
		if c := h.vendorComments(id, text(i)); c != 1 {
			t.Fatalf("before the restart %q is at the vendor %d times, want 1", text(i), c)
		}
	}

	second, url := startProcess(t, bin, config)
	h.url, h.logs = url, second.logs
	for i := range n {
		h.waitAnswer(fmt.Sprintf("om_k%02d", i), "✅ 回复已送达")
	}
	time.Sleep(300 * time.Millisecond) // room for a wrong second delivery to show
	for i := range n {
		if c := h.vendorComments(id, text(i)); c != 1 {
			t.Errorf("%q reached the vendor %d times, want exactly 1", text(i), c)
		}
		confirmations := 0
		for _, a := range h.answersTo(fmt.Sprintf("om_k%02d", i)) {
			if strings.Contains(a, "✅") {
				confirmations++
			}
		}
		if confirmations != 1 {
			t.Errorf("reply %d confirmed %d times", i, confirmations)
		}
	}
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-second.done
}
