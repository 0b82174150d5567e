package app

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/aliyun/aliyuntest"
	"github.com/ticketbot/ticketbot/store"
)

// aliyunRig is the watcher wired by hand to the real store, the Aliyun fake (whose batch
// read, QuestionList, carries no notes) and the Feishu fake, with a clock the test moves.
type aliyunRig struct {
	t     *testing.T
	st    *store.SQL
	af    *aliyuntest.Server
	ap    *aliyun.Provider
	ff    *feishutest.Server
	w     *bot.Watcher
	mu    sync.Mutex
	clock time.Time
}

func newAliyunRig(t *testing.T, wc bot.WatchConfig) *aliyunRig {
	t.Helper()
	af := aliyuntest.New("ali-key", "ali-secret")
	t.Cleanup(af.Close)
	ap, err := aliyun.New(af.Config())
	if err != nil {
		t.Fatal(err)
	}
	w := newWiring(t, ap)
	rig := &aliyunRig{t: t, st: w.st, af: af, ap: ap, ff: w.ff, clock: time.Date(2026, 11, 21, 10, 0, 0, 0, bot.DefaultLocation())}
	wc.Now = rig.now
	rig.w = bot.NewWatcher(wc, w.st, w.provs, map[string]bot.Platform{"feishu": w.fs}, w.handler, nil, nil, w.log)
	return rig
}

func (r *aliyunRig) now() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.clock
}

func (r *aliyunRig) advance(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clock = r.clock.Add(d)
}

// follow creates a ticket at the fake and makes oc_ali follow it, as the bot does after 建单:
// the ticket as read back (with its notes) is the baseline.
func (r *aliyunRig) follow(title string) providers.Ticket {
	r.t.Helper()
	ctx := context.Background()
	tk, err := r.ap.Create(ctx, providers.CreateRequest{Title: title, Content: "详情"})
	if err != nil {
		r.t.Fatal(err)
	}
	if tk, err = r.ap.Get(ctx, tk.ID); err != nil {
		r.t.Fatal(err)
	}
	snap, _ := json.Marshal(tk)
	st := store.TicketState{Provider: "aliyun", TicketID: tk.ID, Status: string(tk.Status), RawStatus: tk.RawStatus,
		CreatorUserID: "feishu:ou_owner", Snapshot: snap, UpdatedAt: r.now()}
	if tk.LatestNote != nil {
		st.LastNoteID = tk.LatestNote.ID
	}
	if err := r.st.SaveTicket(ctx, st); err != nil {
		r.t.Fatal(err)
	}
	if err := r.st.Follow(ctx, store.Follow{Platform: "feishu", ChatID: "oc_ali", Provider: "aliyun", TicketID: tk.ID,
		By: "feishu:ou_owner", CreatedAt: r.now()}); err != nil {
		r.t.Fatal(err)
	}
	return tk
}

// sweep runs one sweep and one delivery and returns the vendor calls the sweep made, by
// action.
func (r *aliyunRig) sweep() map[string]int {
	r.t.Helper()
	before := len(r.af.Calls())
	if err := r.w.Sweep(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	calls := map[string]int{}
	for _, c := range r.af.Calls()[before:] {
		calls[c.Action]++
	}
	if err := r.w.Deliver(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	return calls
}

// notices are the new-reply and status notices the chat got.
func (r *aliyunRig) notices() []string {
	var out []string
	for _, m := range r.ff.Messages() {
		if strings.Contains(m.Content, "工单有新回复") || strings.Contains(m.Content, "工单状态更新") || strings.Contains(m.Content, "个工单有更新") {
			out = append(out, m.Content)
		}
	}
	return out
}

// TestAliyunStaffReplyIsAnnounced: a 小二 reply on an open Aliyun ticket whose status does not
// change reaches the group as a 新回复 notice at the ticket's next turn of notes_every,
// though QuestionList (the watcher's batch read) carries no notes.
func TestAliyunStaffReplyIsAnnounced(t *testing.T) {
	r := newAliyunRig(t, bot.WatchConfig{NotesEvery: 5 * time.Minute, NotesBudget: 30})
	tk := r.follow("ECS 无法登录")
	if err := r.af.SetStatus(tk.ID, "dealing"); err != nil {
		t.Fatal(err)
	}
	r.sweep() // the status change (card only) and the baseline of its notes

	if err := r.af.AddOfficialNote(tk.ID, "已为您重置密码，请重试"); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 5; i++ {
		r.advance(time.Minute)
		if calls := r.sweep(); calls["QuestionListNote"] != 0 || calls["QuestionList"] != 1 {
			t.Fatalf("sweep at +%dm made %v; want one QuestionList and no note read before the ticket's turn", i, calls)
		}
	}
	if n := r.notices(); len(n) != 0 {
		t.Fatalf("announced before the notes were read: %v", n)
	}
	r.advance(time.Minute) // +5m
	if calls := r.sweep(); calls["QuestionListNote"] != 1 {
		t.Fatalf("sweep at +5m made %v; want one note read", calls)
	}
	got := r.notices()
	if len(got) != 1 || !strings.Contains(got[0], "工单有新回复") || !strings.Contains(got[0], "已为您重置密码") ||
		!strings.Contains(got[0], "aliyun:"+tk.ID) {
		t.Fatalf("chat got %v, want one 新回复 notice quoting the 小二", got)
	}
}

// TestAliyunNoteReadsStayWithinTheBudget: however many tickets are open, a sweep reads at
// most notes_budget of them, and every one gets its turn; a status change with a 小二 reply
// is announced quoting it, in the sweep that sees it.
func TestAliyunNoteReadsStayWithinTheBudget(t *testing.T) {
	const budget, n = 2, 5
	r := newAliyunRig(t, bot.WatchConfig{NotesEvery: 5 * time.Minute, NotesBudget: budget})
	var ids []string
	for range n {
		ids = append(ids, r.follow("磁盘告警").ID)
	}
	read := 0
	for i := range 3 { // ⌈5/2⌉ sweeps: everyone's first turn
		calls := r.sweep()
		if calls["QuestionListNote"] > budget || calls["QuestionList"] != 1 {
			t.Fatalf("sweep %d made %v; want one QuestionList and at most %d note reads", i, calls, budget)
		}
		read += calls["QuestionListNote"]
		r.advance(time.Minute)
	}
	if read != n {
		t.Fatalf("%d note reads in the first three sweeps, want each of the %d tickets once", read, n)
	}

	if err := r.af.SetStatus(ids[4], "wait_feedback"); err != nil {
		t.Fatal(err)
	}
	if err := r.af.AddOfficialNote(ids[4], "请提供实例 ID"); err != nil {
		t.Fatal(err)
	}
	if calls := r.sweep(); calls["QuestionListNote"] != 1 {
		t.Fatalf("the sweep that saw the change made %v; want its notes read", calls)
	}
	got := r.notices()
	if len(got) != 1 || !strings.Contains(got[0], "待我方补充") || !strings.Contains(got[0], "请提供实例 ID") {
		t.Fatalf("chat got %v, want the 待我方补充 notice quoting the 小二", got)
	}
}
