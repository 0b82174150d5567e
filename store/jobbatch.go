package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// enqueuer turns concurrent EnqueueJob calls into one transaction (a group commit without a
// wait): the first caller writes every job queued meanwhile, then whatever queued while it
// wrote, until none is left. Each commit is a WAL write (SQLite) or an fsync (PostgreSQL);
// sixteen workers keeping answers at a burst each paid one, and the store serialised them.
// No caller waits for company: alone, a job is written as before.
type enqueuer struct {
	mu      sync.Mutex
	pending []enqueueReq
	writing bool
}

type enqueueReq struct {
	j    Job
	done chan enqueueRes
}

type enqueueRes struct {
	fresh bool
	err   error
}

// enqueue queues j and returns once it is written, by this caller or by another.
func (s *SQL) enqueue(ctx context.Context, j Job) (bool, error) {
	r := enqueueReq{j: j, done: make(chan enqueueRes, 1)}
	e := &s.enq
	e.mu.Lock()
	e.pending = append(e.pending, r)
	lead := !e.writing
	e.writing = true
	e.mu.Unlock()
	if lead {
		s.writeQueued(context.WithoutCancel(ctx))
	}
	res := <-r.done
	return res.fresh, res.err
}

// writeQueued writes the queued jobs, a transaction per round, until none is left.
func (s *SQL) writeQueued(ctx context.Context) {
	e := &s.enq
	for {
		e.mu.Lock()
		batch := e.pending
		e.pending = nil
		if len(batch) == 0 {
			e.writing = false
			e.mu.Unlock()
			return
		}
		e.mu.Unlock()
		s.writeJobs(ctx, batch)
	}
}

// writeJobs writes batch in one transaction. If it fails, each job is written on its own, so
// one bad job fails alone.
func (s *SQL) writeJobs(ctx context.Context, batch []enqueueReq) {
	if len(batch) > 1 {
		fresh := make([]bool, len(batch))
		err := inTx(ctx, s.db, func(tx *sql.Tx) error {
			stmt, err := tx.PrepareContext(ctx, sqlEnqueueJob) // parsed once, not per job
			if err != nil {
				return err
			}
			defer stmt.Close()
			for i, r := range batch {
				res, err := stmt.ExecContext(ctx, enqueueArgs(r.j)...)
				if err != nil {
					return err
				}
				n, err := res.RowsAffected()
				if err != nil {
					return err
				}
				fresh[i] = n == 1
			}
			return nil
		})
		if err == nil {
			for i, r := range batch {
				r.done <- enqueueRes{fresh: fresh[i]}
			}
			return
		}
	}
	for _, r := range batch {
		res, err := s.db.ExecContext(ctx, sqlEnqueueJob, enqueueArgs(r.j)...)
		if err != nil {
			r.done <- enqueueRes{err: fmt.Errorf("store: enqueue job %s: %w", r.j.ID, err)}
			continue
		}
		n, err := res.RowsAffected()
		r.done <- enqueueRes{fresh: n == 1, err: err}
	}
}
