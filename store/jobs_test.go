package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func job(id string) Job {
	return Job{ID: id, Kind: "reply", Platform: "feishu", ChatID: "oc_1", MessageID: "om_1", UserID: "ou_1",
		Provider: "ksyun", TicketID: "1204", Payload: []byte(`{"text":"hi"}`), NextAt: t0, CreatedAt: t0, GiveUpAt: t0.Add(time.Hour)}
}

func TestJobsEnqueueIsIdempotent(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for i, want := range []bool{true, false} {
		fresh, err := s.EnqueueJob(ctx, job("reply/feishu/om_1"))
		if err != nil || fresh != want {
			t.Fatalf("enqueue #%d = %v, %v; want %v", i+1, fresh, err, want)
		}
	}
	j, err := s.Job(ctx, "reply/feishu/om_1")
	if err != nil {
		t.Fatal(err)
	}
	if j.State != JobPending || j.Attempts != 0 || string(j.Payload) != `{"text":"hi"}` || !j.GiveUpAt.Equal(stored(t0.Add(time.Hour))) {
		t.Fatalf("stored job: %+v", j)
	}
	if _, err := s.Job(ctx, "nope"); err == nil {
		t.Fatal("a missing job was found")
	}
}

func TestJobsLifecycle(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if _, err := s.EnqueueJob(ctx, job("a")); err != nil {
		t.Fatal(err)
	}
	due, err := s.DueJobs(ctx, t0, 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("due = %v, %v", due, err)
	}
	if ok, err := s.StartJob(ctx, due[0], t0, t0.Add(time.Minute)); !ok || err != nil {
		t.Fatalf("start = %v, %v", ok, err)
	}
	// Running and leased: not due, and nobody else may start it.
	if due, _ := s.DueJobs(ctx, t0.Add(time.Second), 10); len(due) != 0 {
		t.Fatalf("a running job is due: %+v", due)
	}
	if ok, _ := s.StartJob(ctx, due[0], t0, t0.Add(time.Minute)); ok {
		t.Fatal("a running job started twice")
	}
	first := due[0]
	first.Attempts++ // the attempt StartJob began: its lease token
	if err := s.DeferJob(ctx, first, t0.Add(10*time.Second), "ksyun 503"); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueJobs(ctx, t0.Add(9*time.Second), 10); len(due) != 0 {
		t.Fatal("a deferred job is due before its time")
	}
	due, _ = s.DueJobs(ctx, t0.Add(10*time.Second), 10)
	if len(due) != 1 || due[0].Attempts != 1 || due[0].LastError != "ksyun 503" || due[0].State != JobPending {
		t.Fatalf("deferred job: %+v", due)
	}
	if ok, _ := s.StartJob(ctx, due[0], t0.Add(10*time.Second), t0.Add(time.Minute)); !ok {
		t.Fatal("start after defer failed")
	}
	second := due[0]
	second.Attempts++
	say := job("say/a")
	say.Kind = "say"
	if err := s.FinishJob(ctx, second, JobDone, t0.Add(11*time.Second), "", say); err != nil {
		t.Fatal(err)
	}
	j, _ := s.Job(ctx, "a")
	if j.State != JobDone || j.Attempts != 2 || j.DoneAt.IsZero() {
		t.Fatalf("finished job: %+v", j)
	}
	if j, err := s.Job(ctx, "say/a"); err != nil || j.State != JobPending {
		t.Fatalf("the follow-up job: %+v, %v", j, err)
	}
	// Finishing again changes nothing: that attempt no longer holds the job.
	if err := s.FinishJob(ctx, second, JobFailed, t0.Add(12*time.Second), "late"); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("finishing a done job = %v, want ErrLeaseLost", err)
	}
	if j, _ := s.Job(ctx, "a"); j.State != JobDone {
		t.Fatalf("a done job became %s", j.State)
	}
	if err := s.PruneJobs(ctx, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Job(ctx, "a"); err == nil {
		t.Fatal("prune kept a done job")
	}
	if _, err := s.Job(ctx, "say/a"); err != nil {
		t.Fatal("prune dropped a pending job")
	}
}

func TestJobsLeaseExpiryMakesARunningJobDue(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	_, _ = s.EnqueueJob(ctx, job("a"))
	due, _ := s.DueJobs(ctx, t0, 10)
	_, _ = s.StartJob(ctx, due[0], t0, t0.Add(time.Minute))
	// The process died mid-call: after the lease the job is due again, marked running.
	due, _ = s.DueJobs(ctx, t0.Add(time.Minute), 10)
	if len(due) != 1 || due[0].State != JobRunning {
		t.Fatalf("after the lease: %+v", due)
	}
}

func TestJobsStartOnceAmongRunners(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	_, _ = s.EnqueueJob(ctx, job("a"))
	due, _ := s.DueJobs(ctx, t0, 10)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, _ := s.StartJob(ctx, due[0], t0, t0.Add(time.Minute)); ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d runners started the job", wins.Load())
	}
}

func TestAuditRecordAndRange(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for i, r := range []string{"ok", "queued", "refused"} {
		err := s.RecordAudit(ctx, AuditEntry{At: t0.Add(time.Duration(i) * time.Hour), Platform: "feishu", ChatID: "oc_1",
			UserID: "ou_1", UserName: "张三", Command: "close", Provider: "ksyun", TicketID: "1204",
			RequestIDs: []string{"req-1", "req-2"}[:i%3], Result: r})
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Audit(ctx, t0.Add(time.Hour), t0.Add(3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Result != "queued" || got[1].Result != "refused" {
		t.Fatalf("audit range: %+v", got)
	}
	if len(got[0].RequestIDs) != 1 || got[0].RequestIDs[0] != "req-1" || len(got[1].RequestIDs) != 2 {
		t.Fatalf("request ids: %+v", got)
	}
	if got[0].UserName != "张三" || !got[0].At.Equal(stored(t0.Add(time.Hour))) {
		t.Fatalf("entry: %+v", got[0])
	}
}

// A job enqueued started by its first attempt is nobody else's until that attempt ends or
// its lease runs out: the retry loop cannot try a job its enqueuer is trying.
func TestJobsEnqueuedStartedIsNotDueDuringItsLease(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	j := job("held")
	j.State, j.Attempts, j.LeaseEnd = JobRunning, 1, t0.Add(time.Minute)
	if fresh, err := s.EnqueueJob(ctx, j); !fresh || err != nil {
		t.Fatalf("enqueue = %v, %v", fresh, err)
	}
	got, err := s.Job(ctx, "held")
	if err != nil || got.State != JobRunning || got.Attempts != 1 {
		t.Fatalf("stored: %+v, %v", got, err)
	}
	if due, _ := s.DueJobs(ctx, t0.Add(59*time.Second), 10); len(due) != 0 {
		t.Fatalf("a job held by its first attempt is due: %+v", due)
	}
	// Its attempt ends in a deferral: due again at the deferral's time, not before.
	if err := s.DeferJob(ctx, j, t0.Add(30*time.Second), "503"); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueJobs(ctx, t0.Add(30*time.Second), 10); len(due) != 1 || due[0].Attempts != 1 {
		t.Fatalf("after its deferral: %+v", due)
	}
	// Another held job whose process died: due once its lease ran out, as an unknown outcome.
	k := job("dead")
	k.State, k.Attempts, k.LeaseEnd = JobRunning, 1, t0.Add(time.Minute)
	_, _ = s.EnqueueJob(ctx, k)
	due, _ := s.DueJobs(ctx, t0.Add(time.Minute), 10)
	found := false
	for _, d := range due {
		found = found || (d.ID == "dead" && d.State == JobRunning)
	}
	if !found {
		t.Fatalf("a held job past its lease is not due: %+v", due)
	}
}

// Two processes on one database: the first starts a job and pauses past its lease; the second
// takes it over. The first can then neither end the job nor enqueue what it leads to, however
// it ends; the second ends it once.
func TestJobLeaseIsFencedByItsAttempt(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	a, b := db.open(t), db.open(t)
	if _, err := a.EnqueueJob(ctx, job("w")); err != nil {
		t.Fatal(err)
	}
	due, _ := a.DueJobs(ctx, t0, 10)
	if ok, err := a.StartJob(ctx, due[0], t0, t0.Add(time.Minute)); !ok || err != nil {
		t.Fatalf("a starts: %v %v", ok, err)
	}
	first := due[0]
	first.Attempts++

	// The lease runs out; b finds the job due (an unknown outcome) and takes it over.
	later := t0.Add(2 * time.Minute)
	due, _ = b.DueJobs(ctx, later, 10)
	if len(due) != 1 || due[0].State != JobRunning {
		t.Fatalf("after the lease: due %+v", due)
	}
	if ok, err := b.StartJob(ctx, due[0], later, later.Add(time.Minute)); !ok || err != nil {
		t.Fatalf("b takes over: %v %v", ok, err)
	}
	second := due[0]
	second.Attempts++

	// a wakes up: its end changes nothing and enqueues nothing.
	say := job("say/w")
	if err := a.FinishJob(ctx, first, JobDone, later, "", say); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("a's finish = %v, want ErrLeaseLost", err)
	}
	if err := a.DeferJob(ctx, first, later.Add(time.Hour), "503"); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("a's defer = %v, want ErrLeaseLost", err)
	}
	if _, err := b.Job(ctx, "say/w"); err == nil {
		t.Fatal("the paused attempt enqueued its answer")
	}
	if j, _ := b.Job(ctx, "w"); j.State != JobRunning || j.Attempts != 2 {
		t.Fatalf("the job after a's end: %+v", j)
	}
	// b ends it, with its answer, once.
	if err := b.FinishJob(ctx, second, JobDone, later, "", say); err != nil {
		t.Fatal(err)
	}
	if j, err := a.Job(ctx, "say/w"); err != nil || j.State != JobPending {
		t.Fatalf("b's answer: %+v, %v", j, err)
	}
}

// The queue's depth by kind and state counts what is not finished, a job tried before apart
// (retrying), with each group's oldest, on every driver.
func TestJobDepths(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, id := range []string{"a", "b", "c", "d"} {
		j := job(id)
		switch id {
		case "b":
			j.CreatedAt = t0.Add(-time.Hour)
		case "c":
			j.Kind = "say"
		}
		if _, err := s.EnqueueJob(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	due, _ := s.DueJobs(ctx, t0, 10)
	for _, j := range due {
		if j.ID == "a" || j.ID == "d" {
			if ok, err := s.StartJob(ctx, j, t0, t0.Add(time.Minute)); !ok || err != nil {
				t.Fatal(ok, err)
			}
		}
		if j.ID == "d" {
			j.Attempts++
			if err := s.DeferJob(ctx, j, t0.Add(time.Minute), "vendor down"); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := s.JobDepths(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []JobDepth{{Kind: "reply", State: JobPending, Count: 1, Oldest: t0.Add(-time.Hour)},
		{Kind: "reply", State: "retrying", Count: 1, Oldest: t0}, {Kind: "reply", State: JobRunning, Count: 1, Oldest: t0},
		{Kind: "say", State: JobPending, Count: 1, Oldest: t0}}
	if !slices.EqualFunc(got, want, func(a, b JobDepth) bool {
		return a.Kind == b.Kind && a.State == b.State && a.Count == b.Count && a.Oldest.Equal(b.Oldest.Truncate(time.Millisecond))
	}) {
		t.Fatalf("depths = %+v, want %+v", got, want)
	}
}

// A chat with many answers due yields only its first few to one pass; other chats and jobs of
// no chat are not crowded out, and each chat's come in order.
func TestDueJobsByChat(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	add := func(id, chat string, at time.Duration) {
		j := job(id)
		j.ChatID, j.NextAt, j.CreatedAt = chat, t0.Add(at), t0.Add(at)
		if _, err := s.EnqueueJob(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		add(fmt.Sprintf("busy-%02d", i), "oc_busy", time.Duration(i)*time.Millisecond)
	}
	add("calm-1", "oc_calm", time.Second)
	add("nochat-1", "", 2*time.Second)
	add("nochat-2", "", 3*time.Second)
	got, err := s.DueJobsByChat(ctx, t0.Add(time.Hour), 100, 2)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, j := range got {
		ids = append(ids, j.ID)
	}
	if want := []string{"busy-00", "busy-01", "calm-1", "nochat-1", "nochat-2"}; !slices.Equal(ids, want) {
		t.Fatalf("due = %v, want %v", ids, want)
	}
}

// Concurrent enqueues are written together, and each still learns whether its job was new:
// of many callers enqueuing the same id at once exactly one is told it was, and every
// distinct job is stored.
func TestEnqueueJobConcurrentCallers(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	var fresh atomic.Int64
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			for _, id := range []string{"same", fmt.Sprint("own-", i)} {
				ok, err := s.EnqueueJob(ctx, job(id))
				if err != nil {
					t.Error(err)
				}
				if ok && id == "same" {
					fresh.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := fresh.Load(); n != 1 {
		t.Fatalf("%d callers told the shared job was new, want 1", n)
	}
	jobs, err := s.JobsSince(ctx, t0.Add(-time.Hour))
	if err != nil || len(jobs) != 65 {
		t.Fatalf("stored %d jobs, %v; want 65", len(jobs), err)
	}
}

// TestPruneAudit forgets the entries before the cut, on both drivers and through Cached; the
// entry at the cut and newer ones stay.
func TestPruneAudit(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, prune := range []struct {
		name string
		st   Store
	}{{"SQL", s}, {"Cached", NewCached(s, 0)}} {
		t.Run(prune.name, func(t *testing.T) {
			for h := range 4 {
				mustDo(t, s.RecordAudit(ctx, AuditEntry{At: t0.Add(time.Duration(h) * time.Hour), Platform: "feishu",
					ChatID: "oc_1", UserID: "ou_1", Command: "list", Result: strconv.Itoa(h)}))
			}
			mustDo(t, prune.st.PruneAudit(ctx, t0.Add(2*time.Hour)))
			got, err := s.Audit(ctx, t0.Add(-time.Hour), t0.Add(5*time.Hour))
			mustDo(t, err)
			if len(got) != 2 || got[0].Result != "2" || got[1].Result != "3" {
				t.Errorf("after the prune: %+v; want the entries of hours 2 and 3", got)
			}
			mustDo(t, s.PruneAudit(ctx, t0.Add(5*time.Hour))) // empty for the next run
		})
	}
}
