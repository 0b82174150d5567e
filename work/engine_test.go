package work

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/internal/reqid"
	"github.com/ticketbot/ticketbot/retry"
	"github.com/ticketbot/ticketbot/store"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var errDown = errors.New("vendor down")

func openStore(t *testing.T) *store.SQL {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "work.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newEngine(t *testing.T, st Store, clk *clock) *Engine {
	t.Helper()
	return New(st, Config{
		Policy:    retry.Policy{Base: time.Second, Max: 4 * time.Second, GiveUpAfter: time.Hour, Lease: time.Minute, Every: time.Second},
		Retryable: func(err error) bool { return errors.Is(err, errDown) },
		Log:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:       clk.now,
	})
}

func job(id, kind string, clk *clock) Job {
	return Job{ID: id, Kind: kind, Platform: "feishu", ChatID: "oc_1", CreatedAt: clk.now(), NextAt: clk.now()}
}

func load(t *testing.T, st *store.SQL, id string) Job {
	t.Helper()
	j, err := st.Job(context.Background(), id)
	if err != nil {
		t.Fatalf("job %s: %v", id, err)
	}
	return j
}

// A job that fails for now is deferred with the backoff, tried again when due (told it may
// have happened already), and once done stores the jobs it leads to with its end.
func TestSubmitDeferThenDone(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
	st := openStore(t)
	e := newEngine(t, st, clk)
	var tries []bool // Again, per try
	var deferred, ended atomic.Int32
	e.Register("reply", Kind{
		Do: func(ctx context.Context, a *Attempt) error {
			tries = append(tries, a.Again)
			if len(tries) == 1 {
				return errDown
			}
			a.Value = "ok"
			return nil
		},
		Deferred: func(context.Context, *Attempt, error) { deferred.Add(1) },
		Done: func(_ context.Context, a *Attempt) []Job {
			if a.Value != "ok" {
				t.Errorf("Value not kept from Do: %v", a.Value)
			}
			return []Job{job("say/"+a.Job.ID, "say", clk)}
		},
		Ended: func(_ context.Context, a *Attempt, err error) {
			if err != nil || load(t, st, a.Job.ID).State != store.JobDone {
				t.Errorf("Ended before the end was stored (err %v)", err)
			}
			ended.Add(1)
		},
	})
	e.Register("say", Kind{Paced: true, Do: func(context.Context, *Attempt) error { return nil }})

	_, end, err := e.Submit(ctx, job("r1", "reply", clk), slog.Default())
	if end != Queued || !errors.Is(err, errDown) || deferred.Load() != 1 {
		t.Fatalf("first try: end %v err %v deferred %d", end, err, deferred.Load())
	}
	j := load(t, st, "r1")
	if j.State != store.JobPending || j.Attempts != 1 || j.LastError != "vendor down" {
		t.Fatalf("after the first try: %+v", j)
	}
	if wait := j.NextAt.Sub(clk.now()); wait < 500*time.Millisecond || wait > time.Second {
		t.Fatalf("deferred by %v, want the first backoff (0.5–1 s)", wait)
	}
	if !j.GiveUpAt.Equal(clk.now().Add(time.Hour)) {
		t.Fatalf("give-up at %v, want the policy's hour", j.GiveUpAt)
	}
	e.Drain(ctx) // not due yet
	if len(tries) != 1 {
		t.Fatalf("tried before due: %v", tries)
	}
	clk.add(time.Second)
	e.Drain(ctx)
	if len(tries) != 2 || !tries[1] || ended.Load() != 1 {
		t.Fatalf("second try: tries %v ended %d", tries, ended.Load())
	}
	if j := load(t, st, "r1"); j.State != store.JobDone || j.Attempts != 2 {
		t.Fatalf("after the second try: %+v", j)
	}
	say := load(t, st, "say/r1")
	if say.State != store.JobPending || !say.GiveUpAt.Equal(say.CreatedAt.Add(time.Hour)) {
		t.Fatalf("the answer it led to: %+v", say)
	}
	e.Drain(ctx)
	if load(t, st, "say/r1").State != store.JobDone {
		t.Fatal("the answer was not sent")
	}
	if _, end, _ := e.Submit(ctx, job("r1", "reply", clk), slog.Default()); end != Duplicate {
		t.Fatalf("the same id submitted again: %v", end)
	}
}

// A failure that will not pass, or one still failing at the give-up time, fails the job for
// good, counted by kind; Failed's jobs (telling the chat) are stored with the end.
func TestGiveUp(t *testing.T) {
	for _, tc := range []struct {
		name  string
		err   error
		after time.Duration // when the retry comes
	}{
		{"refused", errors.New("code 400: bad ticket"), 0},
		{"down past its time", errDown, 2 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			clk := &clock{t: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
			st := openStore(t)
			e := newEngine(t, st, clk)
			reg := prometheus.NewRegistry()
			e.UseMetrics(bot.NewMetrics(reg))
			var failed error
			e.Register("close", Kind{
				Do: func(context.Context, *Attempt) error { return tc.err },
				Failed: func(_ context.Context, a *Attempt, err error) []Job {
					failed = err
					return []Job{job("say/failed/"+a.Job.ID, "say", clk)}
				},
			})
			e.Register("say", Kind{Paced: true, Do: func(context.Context, *Attempt) error { return nil }})
			_, end, _ := e.Submit(ctx, job("c1", "close", clk), slog.Default())
			if tc.after > 0 {
				if end != Queued {
					t.Fatalf("first try %v, want queued", end)
				}
				clk.add(tc.after)
				e.Drain(ctx)
			} else if end != Failed {
				t.Fatalf("end %v, want failed", end)
			}
			if j := load(t, st, "c1"); j.State != store.JobFailed || !errors.Is(failed, tc.err) {
				t.Fatalf("job %+v, Failed told %v", j, failed)
			}
			if _, err := st.Job(ctx, "say/failed/c1"); err != nil {
				t.Fatalf("the chat is not told: %v", err)
			}
			want := "# HELP ticketbot_jobs_given_up_total Jobs of the work engine that failed for good (a vendor refusal, or retried until [bot.retry] give_up_after), by kind.\n" +
				"# TYPE ticketbot_jobs_given_up_total counter\nticketbot_jobs_given_up_total{kind=\"close\"} 1\n"
			if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "ticketbot_jobs_given_up_total"); err != nil {
				t.Error(err)
			}
		})
	}
}

// A job whose process died mid-call (running, lease over) is taken again after the lease,
// told Again; two engines on one store try it once between them.
func TestLeaseOverIsTakenOnceAndChecked(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
	st := openStore(t)
	var mu sync.Mutex
	var agains []bool
	kind := Kind{Do: func(_ context.Context, a *Attempt) error {
		mu.Lock()
		defer mu.Unlock()
		agains = append(agains, a.Again)
		return nil
	}}
	e1, e2 := newEngine(t, st, clk), newEngine(t, st, clk)
	e1.Register("reply", kind)
	e2.Register("reply", kind)
	// What a dead process leaves: stored started, leased, never ended.
	j := job("r1", "reply", clk)
	j.State, j.Attempts, j.LeaseEnd = store.JobRunning, 1, clk.now().Add(time.Minute)
	if _, err := st.EnqueueJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	e1.Drain(ctx)
	if len(agains) != 0 {
		t.Fatal("taken during its lease")
	}
	clk.add(time.Minute)
	var wg sync.WaitGroup
	for _, e := range []*Engine{e1, e2} {
		wg.Go(func() { e.Drain(ctx) })
	}
	wg.Wait()
	if len(agains) != 1 || !agains[0] {
		t.Fatalf("tries after the lease: %v, want one, told Again", agains)
	}
	if j := load(t, st, "r1"); j.State != store.JobDone || j.Attempts != 2 {
		t.Fatalf("job %+v", j)
	}
}

// A chat send the chat has no room for is put back in its place, not failed: the chat is
// held until the platform's time, then the send goes; the chat's later sends wait behind it.
func TestPacedSendWaitsForItsChat(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
	st := openStore(t)
	e := newEngine(t, st, clk)
	room := clk.now().Add(10 * time.Second)
	var sent []string
	e.Register("say", Kind{Paced: true, Do: func(_ context.Context, a *Attempt) error {
		if clk.now().Before(room) {
			return &bot.BusyError{RetryAt: room, Err: errors.New("chat over its rate")}
		}
		sent = append(sent, a.Job.ID)
		return nil
	}})
	if err := e.Keep(ctx, job("a1", "say", clk), errDown, slog.Default()); err != nil {
		t.Fatal(err)
	}
	clk.add(time.Second)
	e.Drain(ctx)
	if len(sent) != 0 || !e.Behind("feishu", "oc_1") || e.Waiting() != 1 {
		t.Fatalf("busy chat: sent %v behind %v waiting %d", sent, e.Behind("feishu", "oc_1"), e.Waiting())
	}
	if err := e.Keep(ctx, job("a2", "say", clk), ErrBehind, slog.Default()); err != nil {
		t.Fatal(err)
	}
	clk.add(5 * time.Second)
	e.Drain(ctx)
	if len(sent) != 0 {
		t.Fatalf("sent before the chat had room: %v", sent)
	}
	clk.add(5 * time.Second)
	e.Drain(ctx)
	if strings.Join(sent, " ") != "a1 a2" || e.Behind("feishu", "oc_1") || e.Waiting() != 0 {
		t.Fatalf("after room: sent %v behind %v waiting %d", sent, e.Behind("feishu", "oc_1"), e.Waiting())
	}
	if j := load(t, st, "a1"); j.State != store.JobDone {
		t.Fatalf("a1 %+v", j)
	}
}

// chatOrder sends each chat's due answers oldest first, leaving other chats' answers and the
// vendor jobs in their places.
func TestChatOrder(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	e := New(nil, Config{})
	e.Register("say", Kind{Paced: true, Do: func(context.Context, *Attempt) error { return nil }})
	e.Register("create", Kind{Do: func(context.Context, *Attempt) error { return nil }})
	say := func(id, chat string, created time.Duration) Job {
		return Job{ID: id, Kind: "say", Platform: "wecom", ChatID: chat, CreatedAt: t0.Add(created)}
	}
	tests := []struct {
		name string
		in   []Job
		want string
	}{
		{"a later answer due first goes second", []Job{say("a2", "A", 2), {ID: "create", Kind: "create"}, say("b1", "B", 0), say("a1", "A", 1)},
			"a1 create b1 a2"},
		{"same time: by id", []Job{say("x2", "A", 1), say("x1", "A", 1)}, "x1 x2"},
		{"one chat on two platforms is two chats", []Job{say("f2", "A", 2), {ID: "f1", Kind: "say", Platform: "feishu", ChatID: "A", CreatedAt: t0}},
			"f2 f1"},
		{"nothing to do", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, j := range e.chatOrder(tc.in) {
				got = append(got, j.ID)
			}
			if strings.Join(got, " ") != tc.want {
				t.Fatalf("got %v, want %s", got, tc.want)
			}
		})
	}
}

// A job of a kind nobody registered fails at once (a wiring mistake), instead of being
// retried for ever.
func TestUnknownKindFails(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
	st := openStore(t)
	if _, err := st.EnqueueJob(ctx, job("x1", "teleport", clk)); err != nil {
		t.Fatal(err)
	}
	newEngine(t, st, clk).Drain(ctx)
	if j := load(t, st, "x1"); j.State != store.JobFailed || !strings.Contains(j.LastError, "teleport") {
		t.Fatalf("job %+v", j)
	}
}

// Run prunes at start: finished jobs older than KeepFinished, delivery ids older than
// DeliveryRetention; newer ones stay.
func TestRunPrunes(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
	st := openStore(t)
	e := New(st, Config{Policy: retry.Default, Now: clk.now, KeepFinished: 24 * time.Hour,
		Prune: []Pruner{{What: "delivery ids", Keep: DeliveryRetention, Prune: st.PruneProcessed}},
		Log:   slog.New(slog.NewTextHandler(io.Discard, nil))})
	e.Register("say", Kind{Do: func(context.Context, *Attempt) error { return nil }})
	for _, age := range []time.Duration{48 * time.Hour, time.Hour} {
		id := "old"
		if age == time.Hour {
			id = "new"
		}
		j := job(id, "say", &clock{t: clk.now().Add(-age)})
		j.State, j.Attempts, j.LeaseEnd = store.JobRunning, 1, clk.now()
		if _, err := st.EnqueueJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		if err := st.FinishJob(ctx, j, store.JobDone, clk.now().Add(-age), ""); err != nil {
			t.Fatal(err)
		}
		if _, err := st.MarkProcessed(ctx, "evt_"+id, clk.now().Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	run, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); e.Run(run) }()
	// Wait for both ends of the pass (jobs first, then delivery ids): polling MarkProcessed
	// changes nothing while the id is still there (it answers "seen").
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, oldErr := st.Job(ctx, "old")
		if errors.Is(oldErr, store.ErrNotFound) {
			if fresh, _ := st.MarkProcessed(ctx, "evt_old", clk.now()); fresh {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the old job and delivery id not pruned within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	<-done
	if _, err := st.Job(ctx, "new"); err != nil {
		t.Fatalf("a recent job was pruned: %v", err)
	}
	if fresh, _ := st.MarkProcessed(ctx, "evt_new", clk.now()); fresh {
		t.Error("a recent delivery id was forgotten")
	}
}

// A flood of answers kept for one busy chat logs a line a second with a count, not a line
// each.
func TestKeptAnswersLogALineASecond(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
	st := openStore(t)
	var buf strings.Builder
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, nil))
	e := newEngine(t, st, clk)
	e.Register("say", Kind{Paced: true, Do: func(context.Context, *Attempt) error { return nil }})
	for i := range 100 {
		if err := e.Keep(ctx, job(fmt.Sprint("a", i), "say", clk), ErrBehind, log); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	lines := strings.Count(buf.String(), "answer waits")
	mu.Unlock()
	if lines < 1 || lines > 3 {
		t.Fatalf("%d log lines for 100 kept answers, want one a second", lines)
	}
	if e.Waiting() != 100 {
		t.Fatalf("%d answers waiting, want 100", e.Waiting())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// A replica whose attempt runs past its lease (a paused process, a vendor slower than the
// lease) loses the job to another replica: the other checks and finishes it and gives the
// answer; the late attempt's end changes nothing and says nothing.
func TestLateAttemptLosesItsJobToTheTakeover(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
	st := openStore(t)
	reg := prometheus.NewRegistry()
	metrics := bot.NewMetrics(reg)
	var ended, answers sync.Map // engine name → count
	count := func(m *sync.Map, k string) {
		v, _ := m.LoadOrStore(k, new(atomic.Int32))
		v.(*atomic.Int32).Add(1)
	}
	get := func(m *sync.Map, k string) int32 {
		if v, ok := m.Load(k); ok {
			return v.(*atomic.Int32).Load()
		}
		return 0
	}
	paused, resume := make(chan struct{}), make(chan struct{})
	engine := func(name string) *Engine {
		e := newEngine(t, st, clk)
		e.UseMetrics(metrics)
		e.Register("reply", Kind{
			Do: func(ctx context.Context, a *Attempt) error {
				if name == "a" {
					close(paused)
					<-resume
				} else if !a.Again {
					t.Errorf("the takeover was not told the last try may have happened")
				}
				return nil
			},
			Done:  func(_ context.Context, a *Attempt) []Job { return []Job{job("say/"+name, "say", clk)} },
			Ended: func(context.Context, *Attempt, error) { count(&ended, name) },
		})
		e.Register("say", Kind{Paced: true, Do: func(context.Context, *Attempt) error { count(&answers, name); return nil }})
		return e
	}
	a, b := engine("a"), engine("b")

	done := make(chan End, 1)
	go func() {
		_, end, _ := a.Submit(ctx, job("r1", "reply", clk), slog.Default())
		done <- end
	}()
	select {
	case <-paused:
	case <-time.After(10 * time.Second):
		t.Fatal("a never tried the job")
	}
	clk.add(2 * time.Minute) // past a's lease
	b.Drain(ctx)
	if got := load(t, st, "r1"); got.State != store.JobDone || got.Attempts != 2 {
		t.Fatalf("after b's takeover: %+v", got)
	}
	close(resume)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a's attempt never ended")
	}
	if get(&ended, "a") != 0 || get(&ended, "b") != 1 {
		t.Errorf("ended: a %d, b %d; want only b's", get(&ended, "a"), get(&ended, "b"))
	}
	if _, err := st.Job(ctx, "say/a"); err == nil {
		t.Error("the late attempt enqueued its answer")
	}
	if _, err := st.Job(ctx, "say/b"); err != nil {
		t.Errorf("the takeover's answer: %v", err)
	}
	for ev, want := range map[string]float64{"takeover": 1, "lost": 1} {
		if got := leaseCount(t, reg, ev); got != want {
			t.Errorf("ticketbot_job_leases_total{event=%q} = %v, want %v", ev, got, want)
		}
	}
}

// leaseCount is ticketbot_job_leases_total{event} in reg.
func leaseCount(t *testing.T, reg *prometheus.Registry, event string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "ticketbot_job_leases_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "event" && l.GetValue() == event {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// flakyEnqueue is a store whose first EnqueueJob calls fail, as a database that went away.
type flakyEnqueue struct {
	*store.SQL
	fails atomic.Int32
}

func (f *flakyEnqueue) EnqueueJob(ctx context.Context, j store.Job) (bool, error) {
	if f.fails.Add(-1) >= 0 {
		return false, errors.New("dial tcp 127.0.0.1:5432: connection refused")
	}
	return f.SQL.EnqueueJob(ctx, j)
}

// A write submitted while the store does not answer waits for it (as long as its command
// may) and then runs once; past the command's deadline it fails and nothing was done.
func TestSubmitWaitsForTheStore(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
	st := &flakyEnqueue{SQL: openStore(t)}
	st.fails.Store(2)
	e := newEngine(t, st, clk)
	var done atomic.Int32
	e.Register("reply", Kind{Do: func(context.Context, *Attempt) error { done.Add(1); return nil }})
	_, end, err := e.Submit(context.Background(), job("r1", "reply", clk), slog.Default())
	if end != OK || err != nil || done.Load() != 1 {
		t.Fatalf("after the store came back: end %v err %v done %d", end, err, done.Load())
	}
	if got := load(t, st.SQL, "r1"); got.State != store.JobDone {
		t.Fatalf("stored: %+v", got)
	}

	st.fails.Store(1000)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, end, err = e.Submit(ctx, job("r2", "reply", clk), slog.Default())
	if end != Failed || err == nil || done.Load() != 1 {
		t.Fatalf("past the deadline: end %v err %v done %d", end, err, done.Load())
	}
}

// countingStore records what each Drain read.
type countingStore struct {
	*store.SQL
	mu   sync.Mutex
	read []int // rows per DueJobsByChat
}

func (c *countingStore) DueJobsByChat(ctx context.Context, now time.Time, limit, perChat int) ([]store.Job, error) {
	js, err := c.SQL.DueJobsByChat(ctx, now, limit, perChat)
	c.mu.Lock()
	c.read = append(c.read, len(js))
	c.mu.Unlock()
	return js, err
}

// A chat far over its send rate, with hundreds of answers due at once, costs a pass a few
// rows, not all of them: one can go, and the rest stay in the store until their turn. Every
// answer still goes, in the chat's order.
func TestDrainReadsAFewOfAFloodedChat(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
	st := &countingStore{SQL: openStore(t)}
	e := newEngine(t, st, clk)
	var sent []string
	room := clk.now()
	e.Register("say", Kind{Paced: true, Do: func(_ context.Context, a *Attempt) error {
		if clk.now().Before(room) {
			return &bot.BusyError{RetryAt: room, Err: errors.New("chat over its rate")}
		}
		room = clk.now().Add(time.Second) // one a second
		sent = append(sent, a.Job.ID)
		return nil
	}})
	const n = 300
	for i := range n {
		if err := e.Keep(ctx, job(fmt.Sprintf("a%03d", i), "say", clk), ErrBehind, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
			t.Fatal(err)
		}
	}
	for s := 0; s < 2*n && len(sent) < n; s++ {
		clk.add(time.Second)
		e.Drain(ctx)
	}
	if len(sent) != n {
		t.Fatalf("sent %d of %d", len(sent), n)
	}
	for i, id := range sent {
		if want := fmt.Sprintf("a%03d", i); id != want {
			t.Fatalf("answer %d was %s: out of order", i, id)
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for i, r := range st.read {
		if r > drainPerChat {
			t.Fatalf("pass %d read %d rows of one chat, want at most %d", i, r, drainPerChat)
		}
	}
}

// A burst of answers for one chat keeps at most maxKeptIDs job ids in memory: the rest wait
// on disk and are counted. They still hold the chat (a new answer queues behind them), go out
// in order, and the chat is let go only once the last of them has gone.
func TestKeptAnswersPastTheBoundStillHoldTheChat(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
	st := openStore(t)
	e := newEngine(t, st, clk)
	var sent []string
	room := clk.now().Add(time.Second)
	e.Register("say", Kind{Paced: true, Do: func(_ context.Context, a *Attempt) error {
		if clk.now().Before(room) {
			return &bot.BusyError{RetryAt: room, Err: errors.New("chat over its rate")}
		}
		sent = append(sent, a.Job.ID)
		return nil
	}})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	n := maxKeptIDs*2 + 17
	for i := range n {
		cause := ErrBehind
		if i == 0 {
			cause = &bot.BusyError{RetryAt: room}
		}
		if err := e.Keep(ctx, job(fmt.Sprintf("a%04d", i), "say", clk), cause, quiet); err != nil {
			t.Fatal(err)
		}
	}
	e.pace.mu.Lock()
	l := e.pace.lanes[laneKey{"feishu", "oc_1"}]
	ids, untracked := len(l.kept), l.untracked
	e.pace.mu.Unlock()
	if ids != maxKeptIDs || untracked != n-maxKeptIDs || e.Waiting() != n {
		t.Fatalf("kept %d ids and %d counted (waiting %d), want %d and %d", ids, untracked, e.Waiting(), maxKeptIDs, n-maxKeptIDs)
	}
	clk.add(time.Second)
	for pass := 0; len(sent) < n && pass < 4*n/drainPerChat+10; pass++ {
		// Past the remembered ids the chat is still behind: a new answer must not overtake.
		if !e.Behind("feishu", "oc_1") {
			t.Fatalf("after %d of %d sent the chat was let go", len(sent), n)
		}
		e.Drain(ctx)
	}
	if len(sent) != n {
		t.Fatalf("sent %d of %d", len(sent), n)
	}
	for i, id := range sent {
		if want := fmt.Sprintf("a%04d", i); id != want {
			t.Fatalf("answer %d was %s: out of order", i, id)
		}
	}
	e.Drain(ctx) // a complete page with none of the chat's: the counted ones are gone too
	if e.Behind("feishu", "oc_1") || e.Waiting() != 0 {
		t.Fatalf("after all were sent: behind %v, waiting %d", e.Behind("feishu", "oc_1"), e.Waiting())
	}
}

// A job tried again later runs with the request id of the delivery that made it, read from
// the job (Config.RequestID), so its vendor calls and log lines name that delivery.
func TestLaterAttemptNamesItsRequest(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	st := openStore(t)
	var logs strings.Builder
	e := New(st, Config{
		Policy:    retry.Policy{Base: time.Second, Max: 4 * time.Second, GiveUpAfter: time.Hour, Lease: time.Minute, Every: time.Second},
		Retryable: func(err error) bool { return errors.Is(err, errDown) },
		Log:       slog.New(slog.NewTextHandler(&logs, nil)),
		Now:       clk.now,
		RequestID: func(j Job) string { return "rid-" + j.ID },
	})
	var seen []string
	e.Register("reply", Kind{Do: func(ctx context.Context, a *Attempt) error {
		seen = append(seen, reqid.From(ctx))
		a.Log.Info("calling the vendor")
		if len(seen) == 1 {
			return errDown
		}
		return nil
	}})
	if _, end, _ := e.Submit(ctx, job("r1", "reply", clk), slog.New(slog.NewTextHandler(&logs, nil))); end != Queued {
		t.Fatalf("first try %v, want queued", end)
	}
	clk.add(time.Minute)
	e.Drain(ctx)
	if len(seen) != 2 || seen[0] != "" || seen[1] != "rid-r1" {
		t.Errorf("attempts ran with request ids %q, want the later one to name rid-r1", seen)
	}
	if j := load(t, st, "r1"); j.State != store.JobDone {
		t.Errorf("job %+v", j)
	}
	if !strings.Contains(logs.String(), `request_id=rid-r1 job=r1 attempt=2`) {
		t.Errorf("the later attempt's log names no request:\n%s", logs.String())
	}
}
