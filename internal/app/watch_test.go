package app

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/feishu"
	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
	"github.com/ticketbot/ticketbot/command"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/ksyun"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/templates"
)

// watchRig is the watcher wired by hand to the real store, the Kingsoft fake and the Feishu
// fake, so a test can sweep and deliver step by step and "crash" in between.
type watchRig struct {
	t       *testing.T
	st      store.Store
	ks      *ksyuntest.Server
	kp      *ksyun.Provider
	ff      *feishutest.Server
	fs      *feishu.Feishu
	handler *command.Bot
}

func newWatchRig(t *testing.T) *watchRig {
	t.Helper()
	ks := ksyuntest.New("ks", "ks-secret")
	t.Cleanup(ks.Close)
	kp, err := ksyun.New(ks.Config())
	if err != nil {
		t.Fatal(err)
	}
	w := newWiring(t, kp)
	return &watchRig{t: t, st: w.st, ks: ks, kp: kp, ff: w.ff, fs: w.fs, handler: w.handler}
}

// wiring is what a hand-wired watcher test stands on: a SQLite store, the Feishu fake and
// platform, and the handlers over one provider.
type wiring struct {
	st      *store.SQL
	ff      *feishutest.Server
	fs      *feishu.Feishu
	handler *command.Bot
	provs   map[string]providers.Provider
	log     *slog.Logger
}

func newWiring(t *testing.T, p providers.Provider) wiring {
	t.Helper()
	w := wiring{log: slog.New(slog.NewTextHandler(io.Discard, nil)), provs: map[string]providers.Provider{p.Name(): p}}
	var err error
	if w.st, err = store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "w.db")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.st.Close() })
	w.ff = feishutest.New("cli_w", "fs-secret")
	t.Cleanup(w.ff.Close)
	cfg := feishu.Config{AppID: "cli_w", AppSecret: "fs-secret", VerificationToken: "v", EncryptKey: "k", BaseURL: w.ff.URL()}
	cfg.Defaults()
	if w.fs, err = feishu.New(cfg, nil, w.log); err != nil {
		t.Fatal(err)
	}
	r, err := templates.New("")
	if err != nil {
		t.Fatal(err)
	}
	w.handler = command.New(command.Config{}, command.Deps{Vendors: vendorRegistry, Providers: w.provs, Store: w.st, Renderer: r,
		Platforms: map[string]bot.Platform{"feishu": w.fs}, Log: w.log})
	return w
}

// watcher builds a watcher over st, as a (re)started process would.
func (r *watchRig) watcher(st store.Store) *bot.Watcher {
	return bot.NewWatcher(bot.WatchConfig{}, st, map[string]providers.Provider{"ksyun": r.kp},
		map[string]bot.Platform{"feishu": r.fs}, r.handler, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// follow creates a ticket at the fake and makes chat follow it, with the baseline stored.
func (r *watchRig) follow(chat, title string) providers.Ticket {
	r.t.Helper()
	ctx := context.Background()
	tk, err := r.kp.Create(ctx, providers.CreateRequest{Title: title})
	if err != nil {
		r.t.Fatal(err)
	}
	snap, _ := json.Marshal(tk)
	if err := r.st.SaveTicket(ctx, store.TicketState{Provider: "ksyun", TicketID: tk.ID, Status: string(tk.Status),
		RawStatus: tk.RawStatus, CreatorUserID: "feishu:ou_owner", Snapshot: snap, UpdatedAt: time.Now()}); err != nil {
		r.t.Fatal(err)
	}
	if err := r.st.Follow(ctx, store.Follow{Platform: "feishu", ChatID: chat, Provider: "ksyun", TicketID: tk.ID, By: "feishu:ou_owner", CreatedAt: time.Now()}); err != nil {
		r.t.Fatal(err)
	}
	return tk
}

// failMarkOnce fails the first MarkNoticesSent, as a crash right after a send would.
type failMarkOnce struct {
	store.Store
	failed atomic.Bool
}

func (f *failMarkOnce) MarkNoticesSent(ctx context.Context, ids []string, at time.Time) error {
	if f.failed.CompareAndSwap(false, true) {
		return errors.New("injected crash before the notice was marked sent")
	}
	return f.Store.MarkNoticesSent(ctx, ids, at)
}

// pending counts the notices owed to chats as messages (card redraws aside).
func pending(t *testing.T, st store.Store) int {
	t.Helper()
	ns, err := st.PendingNotices(context.Background(), time.Now().Add(time.Hour), 10000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, x := range ns {
		if x.Kind != "card" {
			n++
		}
	}
	return n
}

func TestWatcherCrashBetweenDetectionAndDeliveryLosesAndRepeatsNothing(t *testing.T) {
	r := newWatchRig(t)
	ctx := context.Background()
	tk := r.follow("oc_crash", "磁盘告警")
	if err := r.ks.SetStatus(tk.ID, 3); err != nil { // closed at the vendor's console
		t.Fatal(err)
	}

	// Process 1 detects the change and dies before delivering.
	if err := r.watcher(r.st).Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if n := pending(t, r.st); n != 1 {
		t.Fatalf("%d notices pending after detection, want 1", n)
	}

	// Process 2 delivers, and dies right after the send, before marking it sent.
	crashy := &failMarkOnce{Store: r.st}
	if err := r.watcher(crashy).Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	// Process 3 starts: sweeps (nothing new at the vendor) and delivers again.
	w3 := r.watcher(r.st)
	if err := w3.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w3.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if n := pending(t, r.st); n != 0 {
		t.Fatalf("%d notices still pending", n)
	}
	var got []feishutest.Message
	for _, m := range r.ff.Messages() {
		if strings.Contains(m.Content, "ksyun:"+tk.ID) {
			got = append(got, m)
		}
	}
	if len(got) != 1 || !strings.Contains(got[0].Content, "已关闭") {
		t.Fatalf("want exactly one notice of the close, got %d: %+v", len(got), got)
	}
}

func TestWatcherBurstIsCoalescedWithinTheChatLimit(t *testing.T) {
	r := newWatchRig(t)
	ctx := context.Background()
	const n = 200
	var ids []string
	for i := range n {
		ids = append(ids, r.follow("oc_burst", "批量工单 "+string(rune('A'+i%26))).ID)
	}
	for _, id := range ids {
		if err := r.ks.SetStatus(id, 3); err != nil {
			t.Fatal(err)
		}
	}
	w := r.watcher(r.st)
	if err := w.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if got := pending(t, r.st); got != n {
		t.Fatalf("%d notices recorded, want %d", got, n)
	}
	deadline := time.Now().Add(20 * time.Second)
	for pending(t, r.st) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("notices still pending: %d", pending(t, r.st))
		}
		if err := w.Deliver(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	msgs := r.ff.Messages()
	all := ""
	for _, m := range msgs {
		all += m.Content
	}
	for _, id := range ids {
		if !strings.Contains(all, "ksyun:"+id) {
			t.Errorf("ticket %s was never announced", id)
		}
	}
	if want := (n + 24) / 25; len(msgs) != want {
		t.Errorf("%d messages for %d changes, want %d merged messages", len(msgs), n, want)
	}
	if l := r.ff.Limited(); l != 0 {
		t.Errorf("the fake refused %d sends for exceeding Feishu's 5/s per chat", l)
	}
}

func TestWatcherNoticeDeliveryFailureIsRetried(t *testing.T) {
	r := newWatchRig(t)
	ctx := context.Background()
	tk := r.follow("oc_retry", "网络抖动")
	if err := r.ks.SetStatus(tk.ID, 4); err != nil {
		t.Fatal(err)
	}
	w := r.watcher(r.st)
	if err := w.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	r.ff.FailNext(3, 500, 1, "internal error") // the SDK retries nothing; three failures cover the token retry too
	if err := w.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if pending(t, r.st) != 1 {
		t.Fatal("a failed notice must stay pending")
	}
	ns, _ := r.st.PendingNotices(ctx, time.Now().Add(time.Hour), 10)
	if len(ns) != 1 || ns[0].Attempts != 1 {
		t.Fatalf("attempts %d, want 1", ns[0].Attempts)
	}
}

// A person who looks at a ticket (查看) before the watcher does must not swallow the notice
// the rest of the group is owed.
func TestManualRefreshDoesNotSwallowANotice(t *testing.T) {
	r := newWatchRig(t)
	ctx := context.Background()
	tk := r.follow("oc_look", "证书过期")
	if err := r.ks.SetStatus(tk.ID, 4); err != nil {
		t.Fatal(err)
	}
	r.handler.HandleMessage(ctx, bot.Message{Platform: "feishu", ChatID: "oc_look", ChatType: "group", UserID: "ou_x",
		MessageID: "om_look", Text: "查看 ksyun:" + tk.ID})
	var card bool
	for _, m := range r.ff.Messages() {
		card = card || strings.Contains(m.Content, "已取消")
	}
	if !card {
		t.Fatal("the 查看 command did not show the fresh ticket")
	}
	if err := r.watcher(r.st).Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if n := pending(t, r.st); n != 1 {
		t.Fatalf("%d notices owed after a manual refresh, want 1", n)
	}
}
