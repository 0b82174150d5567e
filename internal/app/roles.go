package app

import (
	"context"
	"log/slog"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ticketbot/ticketbot/leader"
)

// roles are the things only one replica of several may do at a time. With shared (several
// replicas on PostgreSQL) each is led through the store: the replica that holds the role
// plays it, and another takes it over within the lease when that one dies. Otherwise there is
// one replica, and it plays every role.
type roles struct {
	shared bool
	st     leader.Store
	holder string
	log    *slog.Logger

	mu       sync.Mutex
	electors []*leader.Elector
}

func newRoles(shared bool, st leader.Store, log *slog.Logger) *roles {
	return &roles{shared: shared, st: st, holder: leader.Holder(), log: log}
}

// play runs f while this replica holds the role name; it returns when ctx ends.
func (r *roles) play(name string, f func(context.Context) error) func(context.Context) error {
	if !r.shared {
		return f
	}
	e := leader.New(r.st, leader.Config{Name: name, Holder: r.holder, Log: r.log})
	r.mu.Lock()
	r.electors = append(r.electors, e)
	r.mu.Unlock()
	return func(ctx context.Context) error {
		e.Run(ctx, func(ctx context.Context) {
			if err := f(ctx); err != nil && ctx.Err() == nil {
				r.log.Error("role stopped", "role", name, "err", err)
			}
		})
		return nil
	}
}

// holds reports whether this replica plays the role name now (always, with one replica).
func (r *roles) holds(name string) bool {
	if !r.shared {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.electors {
		if e.Name() == name {
			return e.Leading()
		}
	}
	return false
}

// leads says which roles this replica holds now, for /healthz and /readyz; nil with one
// replica.
func (r *roles) leads() map[string]bool {
	if !r.shared {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]bool, len(r.electors))
	for _, e := range r.electors {
		out[e.Name()] = e.Leading()
	}
	return out
}

// collector exports ticketbot_leader{role}.
func (r *roles) collector() prometheus.Collector {
	r.mu.Lock()
	defer r.mu.Unlock()
	return leader.Collector(r.electors...)
}
