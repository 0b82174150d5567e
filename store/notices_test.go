package store

import (
	"context"
	"testing"
	"time"
)

func TestAdvanceTicketIsCompareAndSetWithItsNotices(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	at := time.UnixMilli(1700000000000).UTC()
	prev := TicketState{Provider: "ksyun", TicketID: "1", Status: "open", RawStatus: "1", CreatorUserID: "feishu:ou_a", UpdatedAt: at}
	if err := s.SaveTicket(ctx, prev); err != nil {
		t.Fatal(err)
	}
	next := prev
	next.Status, next.RawStatus, next.LastNoteID = "waiting_on_us", "2", "n9"
	n := Notice{ID: "k1", Platform: "feishu", ChatID: "oc_1", Provider: "ksyun", TicketID: "1", Kind: "status", Payload: []byte(`{"x":1}`), CreatedAt: at}

	ok, err := s.AdvanceTicket(ctx, prev, next, []Notice{n})
	if err != nil || !ok {
		t.Fatalf("advance: %v %v", ok, err)
	}
	// From the old state again (a stale read): nothing changes, no second notice.
	ok, err = s.AdvanceTicket(ctx, prev, next, []Notice{{ID: "k2", Platform: "feishu", ChatID: "oc_1", CreatedAt: at}})
	if err != nil || ok {
		t.Fatalf("stale advance applied: %v %v", ok, err)
	}
	got, _ := s.Ticket(ctx, "ksyun", "1")
	if got.Status != "waiting_on_us" || got.LastNoteID != "n9" || got.CreatorUserID != "feishu:ou_a" {
		t.Fatalf("ticket after advance: %+v", got)
	}
	pending, err := s.PendingNotices(ctx, at, 10)
	if err != nil || len(pending) != 1 || pending[0].ID != "k1" || string(pending[0].Payload) != `{"x":1}` {
		t.Fatalf("pending: %+v %v", pending, err)
	}
	// Deferred: not due until later; then sent: gone.
	if err := s.DeferNotices(ctx, []string{"k1"}, at.Add(time.Minute), "feishu: 429"); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.PendingNotices(ctx, at, 10); len(p) != 0 {
		t.Fatalf("deferred notice is due early: %+v", p)
	}
	p, _ := s.PendingNotices(ctx, at.Add(time.Minute), 10)
	if len(p) != 1 || p[0].Attempts != 1 {
		t.Fatalf("deferred notice: %+v", p)
	}
	if err := s.MarkNoticesSent(ctx, []string{"k1"}, at); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.PendingNotices(ctx, at.Add(time.Hour), 10); len(p) != 0 {
		t.Fatalf("sent notice still pending: %+v", p)
	}
	// A card action that claimed the ticket since it was read: the change may be the bot's
	// own, so the stale read applies nothing.
	cur, _ := s.Ticket(ctx, "ksyun", "1")
	if _, won, err := s.ClaimTicket(ctx, "ksyun", "1", cur.Version, Claim{By: "张三", Op: "close", At: at}); !won || err != nil {
		t.Fatalf("claim: %v %v", won, err)
	}
	closed := cur
	closed.Status = "closed"
	if ok, err := s.AdvanceTicket(ctx, cur, closed, nil); err != nil || ok {
		t.Fatalf("advance over a claim made since the read: %v %v", ok, err)
	}
	// A failing notice rolls the whole change back.
	cur, _ = s.Ticket(ctx, "ksyun", "1")
	next2 := cur
	next2.Status = "closed"
	if ok, err := s.AdvanceTicket(ctx, cur, next2, []Notice{{ID: "", Platform: "feishu"}}); err == nil || ok {
		t.Fatalf("invalid notice accepted: %v %v", ok, err)
	}
	if got, _ := s.Ticket(ctx, "ksyun", "1"); got.Status != "waiting_on_us" {
		t.Fatalf("state advanced without its notice: %+v", got)
	}
}

// TestEnqueueNoticeOnceByID: a notice recorded under the same id twice (two replicas, or a
// restart, deciding the same daily summary) is recorded once, and once sent stays sent.
func TestEnqueueNoticeOnceByID(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	at := time.UnixMilli(1700000000000).UTC()
	n := Notice{ID: "summary:feishu/oc_1:2026-11-21", Platform: "feishu", ChatID: "oc_1", Kind: "summary", CreatedAt: at}
	for i, want := range []bool{true, false} {
		fresh, err := s.EnqueueNotice(ctx, n)
		if err != nil || fresh != want {
			t.Fatalf("enqueue %d = %v, %v; want %v", i, fresh, err, want)
		}
	}
	if p, _ := s.PendingNotices(ctx, at, 10); len(p) != 1 || p[0].Kind != "summary" {
		t.Fatalf("pending = %+v", p)
	}
	mustDo(t, s.MarkNoticesSent(ctx, []string{n.ID}, at))
	if fresh, err := s.EnqueueNotice(ctx, n); err != nil || fresh {
		t.Fatalf("enqueue after sending = %v, %v; want false", fresh, err)
	}
	if p, _ := s.PendingNotices(ctx, at.Add(time.Hour), 10); len(p) != 0 {
		t.Fatalf("a sent notice came back: %+v", p)
	}
	if _, err := s.EnqueueNotice(ctx, Notice{Platform: "feishu", ChatID: "oc_1"}); err == nil {
		t.Fatal("a notice without id was accepted")
	}
}

// A notice is leased to one process at a time; its lease ends when it is sent, deferred,
// released or runs out. One still undelivered past its time is given up (kept with its
// error); sent and given-up notices are forgotten once old enough.
func TestNoticeLeaseGiveUpPrune(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	at := time.UnixMilli(1700000000000).UTC()
	for _, id := range []string{"a", "b", "c"} {
		if _, err := s.EnqueueNotice(ctx, Notice{ID: id, Platform: "feishu", ChatID: "oc_1", Kind: "status", CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	won, err := s.LeaseNotices(ctx, []string{"a", "b"}, at, at.Add(time.Minute))
	if err != nil || len(won) != 2 {
		t.Fatalf("first lease: %v %v", won, err)
	}
	if won, _ := s.LeaseNotices(ctx, []string{"a", "b", "c"}, at, at.Add(time.Minute)); len(won) != 1 || won[0] != "c" {
		t.Fatalf("second process leased %v, want only c", won)
	}
	if p, _ := s.PendingNotices(ctx, at, 10); len(p) != 0 {
		t.Fatalf("leased notices listed as pending: %+v", p)
	}
	// a is sent, b released, c's lease runs out.
	if err := s.MarkNoticesSent(ctx, []string{"a"}, at); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseNotices(ctx, []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	p, _ := s.PendingNotices(ctx, at, 10)
	if len(p) != 1 || p[0].ID != "b" {
		t.Fatalf("after release: %+v", p)
	}
	if p, _ := s.PendingNotices(ctx, at.Add(time.Minute), 10); len(p) != 2 {
		t.Fatalf("after c's lease ran out: %+v", p)
	}
	if err := s.DeferNotices(ctx, []string{"b"}, at, "feishu: 500"); err != nil {
		t.Fatal(err)
	}
	// Given up: made before the cut, not sent. a (sent) is not touched.
	n, err := s.GiveUpNotices(ctx, at.Add(time.Millisecond), at.Add(2*time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("given up %d (%v), want b and c", n, err)
	}
	if p, _ := s.PendingNotices(ctx, at.Add(time.Hour), 10); len(p) != 0 {
		t.Fatalf("given-up notices pending: %+v", p)
	}
	var lastErr string
	if err := s.db.QueryRowContext(ctx, `SELECT last_error FROM notices WHERE id = 'b'`).Scan(&lastErr); err != nil || lastErr != "given up: feishu: 500" {
		t.Fatalf("b's error %q (%v)", lastErr, err)
	}
	if err := s.PruneNotices(ctx, at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notices`).Scan(&left); err != nil || left != 2 {
		t.Fatalf("after pruning what was sent before the cut: %d left (%v), want b and c", left, err)
	}
	if err := s.PruneNotices(ctx, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notices`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("after pruning everything older: %d left", left)
	}
}
