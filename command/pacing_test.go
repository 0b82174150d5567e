package command

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/store"
)

// testClock is a clock the pacing tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// pacedHarness is the harness whose Feishu-like platform keeps a send rate per chat, as the
// real platforms do: a send over it is refused at once with a bot.BusyError, posting nothing.
// down, when set, makes every call to that chat fail otherwise (an outage).
type pacedHarness struct {
	*harness
	clk   *testClock
	limit *bot.Limiter

	mu      sync.Mutex
	refused map[string]int // chat -> busy refusals
	down    map[string]bool
}

func newPacedHarness(t *testing.T, rate bot.Rate) *pacedHarness {
	h := &pacedHarness{harness: newHarness(t, Config{DefaultProvider: "ksyun"}),
		clk: &testClock{t: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}, refused: map[string]int{}, down: map[string]bool{}}
	h.bot.Now = h.clk.now
	h.limit = bot.NewLimiter(h.clk.now, rate)
	h.feishu.fail = func(_ int, p posted) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.down[p.Chat] {
			return errors.New("feishu: 502 bad gateway")
		}
		_, _, err := h.limit.Take(context.Background(), p.Chat, h.clk.now(), nil)
		if err != nil {
			h.refused[p.Chat]++
		}
		return err
	}
	for i := 1; i <= 9; i++ {
		h.vendors["ksyun"].put(providerTicket(fmt.Sprint(1200+i), fmt.Sprint("工单 ", i)))
	}
	return h
}

// show types 查看 of ticket 120n in chat and returns what was posted at once.
func (h *pacedHarness) show(chat string, n int) []posted {
	h.t.Helper()
	return h.send(msg{chat: chat, text: fmt.Sprint("查看 ksyun:", 1200+n)})
}

// cardsIn lists the tickets of the cards posted into chat, in order.
func (h *pacedHarness) cardsIn(chat string) []string {
	var ids []string
	for _, p := range h.feishu.since(0) {
		if p.Chat != chat {
			continue
		}
		for i := 1; i <= 9; i++ {
			if id := fmt.Sprint("ksyun:", 1200+i); strings.Contains(p.Text(), id) {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

func (h *pacedHarness) refusals(chat string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.refused[chat]
}

// TestBusyChatAnswersWaitInOrder: a chat allowed two answers a minute asks for six. Two go
// at once; the third is refused as busy and waits in the outbox without holding the worker;
// the next three queue behind it without being tried; another chat is answered at once all
// along. The outbox sends the six in order as the chat gets room, trying none early more
// than once, and another chat's retry is not held up by the busy one.
func TestBusyChatAnswersWaitInOrder(t *testing.T) {
	h := newPacedHarness(t, bot.Rate{N: 2, Per: time.Minute})
	t0 := h.clk.now()
	for i := 1; i <= 6; i++ {
		got := h.show("oc_busy", i)
		if want := i <= 2; (len(got) == 1) != want {
			t.Fatalf("answer %d posted at once: %d messages, want %v", i, len(got), want)
		}
	}
	if n := h.refusals("oc_busy"); n != 1 {
		t.Fatalf("the platform was asked %d times too early, want once (the rest queued behind)", n)
	}
	// Another chat is answered at once.
	if got := h.show("oc_other", 7); len(got) != 1 {
		t.Fatalf("the other chat got %d messages", len(got))
	}
	// Another chat whose platform fails keeps its answer with the ordinary backoff.
	h.clk.set(t0.Add(59 * time.Second))
	h.mu.Lock()
	h.down["oc_down"] = true
	h.mu.Unlock()
	if got := h.show("oc_down", 8); len(got) != 0 {
		t.Fatalf("posted into a chat that is down: %v", got)
	}
	h.mu.Lock()
	h.down["oc_down"] = false
	h.mu.Unlock()

	// Before the minute is over nothing of the busy chat is tried.
	h.clk.set(t0.Add(30 * time.Second))
	h.bot.DrainOutbox(context.Background())
	if n := h.refusals("oc_busy"); n != 1 || len(h.cardsIn("oc_busy")) != 2 {
		t.Fatalf("tried early: %d refusals, %v", n, h.cardsIn("oc_busy"))
	}
	// A minute on: two more go; the fifth is busy again and keeps its place; the other
	// chat's retry, due after the busy chat's answers, goes in the same pass.
	h.clk.set(t0.Add(62 * time.Second))
	h.bot.DrainOutbox(context.Background())
	if got := h.cardsIn("oc_busy"); len(got) != 4 {
		t.Fatalf("after a minute: %v", got)
	}
	if got := h.cardsIn("oc_down"); len(got) != 1 {
		t.Fatalf("the other chat's retry waited for the busy one: %v", got)
	}
	if n := h.refusals("oc_busy"); n != 2 {
		t.Fatalf("%d refusals, want 2 (the fifth, once; the sixth not tried)", n)
	}
	// A minute after those two: the last two.
	h.clk.set(t0.Add(2*time.Minute + 5*time.Second))
	h.bot.DrainOutbox(context.Background())
	want := []string{"ksyun:1201", "ksyun:1202", "ksyun:1203", "ksyun:1204", "ksyun:1205", "ksyun:1206"}
	if got := h.cardsIn("oc_busy"); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("the busy chat got %v, want %v in order, once each", got, want)
	}
	// The cards the outbox posted are the chat's cards of their tickets.
	if c, err := h.store.CardInChat(context.Background(), "feishu", "oc_busy", "ksyun", "1206"); err != nil || c.MessageID == "" {
		t.Fatalf("card of 1206 not recorded: %+v %v", c, err)
	}
	// Nothing waits any more: the chat's next answer goes straight out when it has room.
	h.clk.set(t0.Add(4 * time.Minute))
	if got := h.show("oc_busy", 9); len(got) != 1 {
		t.Fatalf("after the queue drained: %d messages", len(got))
	}
	if n := h.bot.work.Waiting(); n != 0 {
		t.Fatalf("%d answers still recorded as waiting", n)
	}
	if h.t.Failed() {
		t.Log(h.log())
	}
}

// A sentence answer (a usage hint, through Reply) waits in the chat's order too, and an
// answer that could only go after its give-up time is given up, not retried forever.
func TestBusyChatTextAnswerAndGiveUp(t *testing.T) {
	h := newPacedHarness(t, bot.Rate{N: 1, Per: 2 * time.Hour})
	t0 := h.clk.now()
	h.show("oc_busy", 1)
	if got := h.send(msg{chat: "oc_busy", text: "关闭"}); len(got) != 0 {
		t.Fatalf("posted over the rate: %v", got)
	}
	jobs, err := h.store.JobsSince(context.Background(), t0)
	if err != nil || len(jobs) != 1 || jobs[0].Kind != jobSay || !jobs[0].NextAt.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("jobs %+v %v", jobs, err)
	}
	// Due at the chat's room, two hours on: past the answer's hour, so given up.
	h.clk.set(t0.Add(2 * time.Hour))
	h.limit = bot.NewLimiter(h.clk.now, bot.Rate{N: 1, Per: 2 * time.Hour})
	h.limit.Reserve("oc_busy") // still busy for two more hours
	h.bot.DrainOutbox(context.Background())
	j, err := h.store.Job(context.Background(), jobs[0].ID)
	if err != nil || j.State != store.JobFailed {
		t.Fatalf("job %+v %v", j, err)
	}
	if n := h.bot.work.Waiting(); n != 0 {
		t.Fatalf("%d answers still recorded as waiting", n)
	}
}

// An answer kept here but sent by another process (a replica's outbox took it) no longer
// holds the chat: at the next drain it is forgotten and the chat is answered at once again.
func TestKeptAnswerSentElsewhereIsForgotten(t *testing.T) {
	h := newPacedHarness(t, bot.Rate{N: 1, Per: time.Minute})
	ctx := context.Background()
	t0 := h.clk.now()
	h.show("oc_busy", 1)
	if got := h.show("oc_busy", 2); len(got) != 0 {
		t.Fatalf("posted over the rate: %v", got)
	}
	jobs, err := h.store.JobsSince(ctx, t0)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("jobs %+v %v", jobs, err)
	}
	// Another replica sends it when the chat has room.
	h.clk.set(t0.Add(time.Minute))
	j := jobs[0]
	if ok, err := h.store.StartJob(ctx, j, h.clk.now(), h.clk.now().Add(time.Minute)); !ok || err != nil {
		t.Fatalf("start %v %v", ok, err)
	}
	j.Attempts++ // the attempt StartJob began
	if err := h.store.FinishJob(ctx, j, store.JobDone, h.clk.now(), ""); err != nil {
		t.Fatal(err)
	}
	if !h.bot.work.Behind("feishu", "oc_busy") {
		t.Fatal("the chat should still look held before the outbox looked")
	}
	h.bot.DrainOutbox(ctx)
	if h.bot.work.Behind("feishu", "oc_busy") || h.bot.work.Waiting() != 0 {
		t.Fatal("the answer sent elsewhere still holds the chat")
	}
	h.limit = bot.NewLimiter(h.clk.now, bot.Rate{N: 1, Per: time.Minute})
	if got := h.show("oc_busy", 3); len(got) != 1 {
		t.Fatalf("the chat's next answer: %d messages", len(got))
	}
}
