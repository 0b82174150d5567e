package leader

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/ticketbot/ticketbot/store"
)

// replica is one elector on its own handle of a shared database, whose store can be cut off
// (a network partition, a database outage) or stopped dead (kill -9: no resign).
type replica struct {
	*store.SQL
	down atomic.Bool
}

var errDown = errors.New("store unreachable")

func (r *replica) Lead(ctx context.Context, name, holder string, now, until time.Time) (int64, bool, error) {
	if r.down.Load() {
		return 0, false, errDown
	}
	return r.SQL.Lead(ctx, name, holder, now, until)
}

func (r *replica) Resign(ctx context.Context, name, holder string) error {
	if r.down.Load() {
		return errDown
	}
	return r.SQL.Resign(ctx, name, holder)
}

// stage is a role played by several replicas, recording who plays when.
type stage struct {
	mu      sync.Mutex
	playing map[string]bool
	overlap bool
	starts  []string
}

func (s *stage) play(who string) func(ctx context.Context) {
	return func(ctx context.Context) {
		s.mu.Lock()
		if len(s.playing) > 0 {
			s.overlap = true
		}
		s.playing[who] = true
		s.starts = append(s.starts, who)
		s.mu.Unlock()
		<-ctx.Done()
		s.mu.Lock()
		delete(s.playing, who)
		s.mu.Unlock()
	}
}

func (s *stage) now() (playing []string, overlap bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for w := range s.playing {
		playing = append(playing, w)
	}
	return playing, s.overlap
}

// waitFor polls cond for up to limit; it reports how long it took.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

const (
	testLease = 1500 * time.Millisecond
	testRenew = 300 * time.Millisecond
	testRetry = 50 * time.Millisecond
)

func startReplicas(t *testing.T, n int, st *stage) ([]*replica, []*Elector, []context.CancelFunc) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lead.db")
	var rs []*replica
	var es []*Elector
	var stops []context.CancelFunc
	var wg sync.WaitGroup
	for i := range n {
		s, err := store.OpenSQLite(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		r := &replica{SQL: s}
		name := string(rune('a' + i))
		e := New(r, Config{Name: "watcher", Holder: name, Lease: testLease, Renew: testRenew, Retry: testRetry,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		ctx, cancel := context.WithCancel(context.Background())
		wg.Go(func() { e.Run(ctx, st.play(name)) })
		rs, es, stops = append(rs, r), append(es, e), append(stops, cancel)
		t.Cleanup(func() { s.Close() })
	}
	t.Cleanup(func() {
		for _, c := range stops {
			c()
		}
		wg.Wait()
	})
	return rs, es, stops
}

func leaderOf(es []*Elector) int {
	for i, e := range es {
		if e.Leading() {
			return i
		}
	}
	return -1
}

// Three replicas: one plays the role. Killed (no resign), another takes over within the lease
// and a retry; stopped gracefully, another takes over at once. Never two at a time.
func TestOneReplicaPlaysAndAnotherTakesOver(t *testing.T) {
	st := &stage{playing: map[string]bool{}}
	rs, es, stops := startReplicas(t, 3, st)
	waitFor(t, 5*time.Second, "a first leader", func() bool { p, _ := st.now(); return len(p) == 1 })
	first := leaderOf(es)
	if first < 0 {
		t.Fatal("someone plays but nobody leads")
	}
	// The leader dies: its store is gone (no renewal, no resign).
	rs[first].down.Store(true)
	took := waitFor(t, 2*testLease+time.Second, "a takeover", func() bool {
		i := leaderOf(es)
		return i >= 0 && i != first
	})
	if took > testLease+testRetry+500*time.Millisecond {
		t.Errorf("takeover after %v, want within the lease (%v) and a retry", took, testLease)
	}
	second := leaderOf(es)
	stops[first]()

	// A graceful stop resigns: the third takes over at once, not after the lease.
	stops[second]()
	took = waitFor(t, 2*testLease, "a takeover after resign", func() bool {
		i := leaderOf(es)
		return i >= 0 && i != first && i != second
	})
	if took > testLease/2 {
		t.Errorf("takeover after a resign took %v", took)
	}
	if _, overlap := st.now(); overlap {
		t.Fatalf("two replicas played at once: %v", st.starts)
	}
}

// A leader that cannot reach the store stops playing before its lease runs out, so the
// replica that takes over never plays beside it.
func TestLeaderCutOffStopsBeforeItsLeaseEnds(t *testing.T) {
	st := &stage{playing: map[string]bool{}}
	rs, es, _ := startReplicas(t, 2, st)
	waitFor(t, 5*time.Second, "a leader", func() bool { return leaderOf(es) >= 0 })
	first := leaderOf(es)
	cut := time.Now()
	rs[first].down.Store(true)
	waitFor(t, 2*testLease, "the cut-off leader stops", func() bool { return !es[first].Leading() })
	if d := time.Since(cut); d > testLease {
		t.Errorf("the cut-off leader played %v after its last renewal, past its lease %v", d, testLease)
	}
	waitFor(t, 2*testLease+time.Second, "the other takes over", func() bool { return es[1-first].Leading() })
	if _, overlap := st.now(); overlap {
		t.Fatalf("two replicas played at once: %v", st.starts)
	}
	// Back: it does not take the role from the live leader.
	rs[first].down.Store(false)
	time.Sleep(3 * testRenew)
	if es[first].Leading() || !es[1-first].Leading() {
		t.Fatal("the role moved back to the replica that came back")
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(Collector(es[1-first]))
	if n, err := testutil.GatherAndCount(reg, "ticketbot_leader"); err != nil || n != 1 {
		t.Fatalf("ticketbot_leader series = %d, %v", n, err)
	}
	if got, other := testutil.ToFloat64(Collector(es[1-first])), testutil.ToFloat64(Collector(es[first])); got != 1 || other != 0 {
		t.Errorf("ticketbot_leader: leader %v, the other %v", got, other)
	}
}
