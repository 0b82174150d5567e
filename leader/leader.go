// Package leader makes one replica of several play a role at a time: the watcher and its
// notices, the daily summaries, a platform's long connection (one keeps one connection per bot
// and kicks the older one). The role is a lease row in the shared store, renewed on a
// heartbeat; when its holder dies another replica takes it within the lease, and a holder
// that cannot renew stops playing before its lease runs out, so two never play at once.
package leader

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ticketbot/ticketbot/retry"
)

// Store is what the elector needs of the shared database.
type Store interface {
	// Lead takes or renews the role until until; false when another holder's lease runs.
	Lead(ctx context.Context, name, holder string, now, until time.Time) (token int64, ok bool, err error)
	// Resign gives the role up at once.
	Resign(ctx context.Context, name, holder string) error
}

// Defaults: a dead holder's role is taken over within Lease plus one Retry (9 s), and a
// holder renews three times within its lease, so one slow renewal loses nothing.
const (
	DefaultLease = 8 * time.Second
	DefaultRenew = 2 * time.Second
	DefaultRetry = time.Second
)

// Config of an Elector.
type Config struct {
	// Name is the role ("watcher").
	Name string
	// Holder names this replica (host, pid and a random part when empty), as logs and the
	// leaders table show it.
	Holder string
	// Lease, Renew and Retry: how long a taken role is held without renewal, how often the
	// holder renews, how often the others try to take it.
	Lease, Renew, Retry time.Duration
	Log                 *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Elector plays a role while it holds it.
type Elector struct {
	cfg     Config
	st      Store
	leading atomic.Bool
	token   atomic.Int64
}

// New builds an Elector for the role cfg.Name.
func New(st Store, cfg Config) *Elector {
	if cfg.Holder == "" {
		cfg.Holder = Holder()
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Renew <= 0 || cfg.Renew >= cfg.Lease {
		cfg.Renew = min(DefaultRenew, cfg.Lease/3)
	}
	if cfg.Retry <= 0 {
		cfg.Retry = DefaultRetry
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Log = cfg.Log.With("role", cfg.Name, "holder", cfg.Holder)
	return &Elector{cfg: cfg, st: st}
}

// Holder is a name for this process that no other replica has: its host, its pid and a random
// part (a restarted process on the same host with the same pid is a new holder).
func Holder() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// Name is the role.
func (e *Elector) Name() string { return e.cfg.Name }

// Leading reports whether this replica plays the role now (for /healthz and the metrics).
func (e *Elector) Leading() bool { return e.leading.Load() }

// Token is the fencing token of the current hold (0 when not leading): it grows with each
// new holder.
func (e *Elector) Token() int64 {
	if !e.Leading() {
		return 0
	}
	return e.token.Load()
}

// Run plays the role with play whenever this replica holds it, until ctx ends. play gets a
// context that ends when the role is lost (a renewal refused, or none succeeded before the
// lease would run out) and must return soon after; Run waits for it before trying to take the
// role again, and resigns it on the way out so another replica takes over at once.
func (e *Elector) Run(ctx context.Context, play func(ctx context.Context)) {
	defer e.resign()
	for {
		if e.take(ctx) {
			e.hold(ctx, play)
		}
		if !retry.Sleep(ctx, e.cfg.Retry) {
			return
		}
	}
}

// take tries to take the role once.
func (e *Elector) take(ctx context.Context) bool {
	now := e.cfg.Now()
	tok, ok, err := e.st.Lead(ctx, e.cfg.Name, e.cfg.Holder, now, now.Add(e.cfg.Lease))
	if err != nil {
		if ctx.Err() == nil {
			e.cfg.Log.Warn("cannot reach the store to take the role", "err", err)
		}
		return false
	}
	if ok {
		e.token.Store(tok)
		e.leading.Store(true)
		e.cfg.Log.Info("leading", "token", tok)
	}
	return ok
}

// hold plays the role and renews it until it is lost or ctx ends.
func (e *Elector) hold(ctx context.Context, play func(ctx context.Context)) {
	pctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { play(pctx) })
	defer func() {
		stop()
		wg.Wait()
		e.leading.Store(false)
	}()
	// The hold ends a margin before the lease would, so the play has stopped before another
	// replica may take the role.
	deadline := e.cfg.Now().Add(e.cfg.Lease - e.cfg.Renew)
	for {
		if !retry.Sleep(ctx, e.cfg.Renew) {
			return
		}
		now := e.cfg.Now()
		tok, ok, err := e.st.Lead(ctx, e.cfg.Name, e.cfg.Holder, now, now.Add(e.cfg.Lease))
		switch {
		case err == nil && ok && tok == e.token.Load():
			deadline = now.Add(e.cfg.Lease - e.cfg.Renew)
		case err == nil:
			e.cfg.Log.Warn("the role was taken over; stopping", "token", tok)
			return
		case e.cfg.Now().After(deadline):
			e.cfg.Log.Error("cannot renew the role before its lease runs out; stopping", "err", err)
			return
		default:
			e.cfg.Log.Warn("cannot renew the role; trying again", "err", err)
		}
	}
}

// resign gives the role up if this replica holds it.
func (e *Elector) resign() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := e.st.Resign(ctx, e.cfg.Name, e.cfg.Holder); err != nil {
		e.cfg.Log.Warn("cannot resign the role; another replica takes it when its lease runs out", "err", err)
	}
}

// Collector exports whether this replica leads each role: ticketbot_leader{role} 1 or 0.
func Collector(es ...*Elector) prometheus.Collector { return collector(es) }

type collector []*Elector

var leaderDesc = prometheus.NewDesc("ticketbot_leader", "1 when this replica plays the role, else 0.", []string{"role"}, nil)

func (c collector) Describe(ch chan<- *prometheus.Desc) { ch <- leaderDesc }

func (c collector) Collect(ch chan<- prometheus.Metric) {
	for _, e := range c {
		v := 0.0
		if e.Leading() {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(leaderDesc, prometheus.GaugeValue, v, e.cfg.Name)
	}
}
