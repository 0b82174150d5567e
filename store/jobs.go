package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Job is a write the bot owes a vendor (create, reply, close) or a chat (an answer), kept
// until it is done or given up. Its ID is the idempotency key: enqueueing it twice is a no-op.
type Job struct {
	ID        string
	Kind      string
	Platform  string
	ChatID    string
	MessageID string // the message to answer in its thread
	UserID    string
	Provider  string
	TicketID  string
	// Payload is the owner's own JSON (the text, the actor).
	Payload []byte
	// State is JobPending, JobRunning, JobDone or JobFailed.
	State     string
	Attempts  int
	NextAt    time.Time
	LeaseEnd  time.Time
	LastError string
	CreatedAt time.Time
	GiveUpAt  time.Time
	DoneAt    time.Time
}

// Job states. A running job whose lease ran out was being tried when its process died: its
// outcome is unknown, and whoever picks it up again must check before repeating it.
const (
	JobPending = "pending"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

const (
	jobCols = `id, kind, platform, chat_id, message_id, user_id, provider, ticket_id, payload, state,
		attempts, next_at, lease_until, last_error, created_at, give_up_at, done_at`

	sqlEnqueueJob = `INSERT INTO jobs (` + jobCols + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, '', $14, $15, 0)
		ON CONFLICT (id) DO NOTHING`
	sqlJob = `SELECT ` + jobCols + ` FROM jobs WHERE id = $1`
	// Starting is a compare-and-set on the attempt count: of two replicas (or two loops)
	// that read the same due job, one starts it.
	sqlStartJob = `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = $1
		WHERE id = $2 AND attempts = $3
			AND ((state = 'pending' AND next_at <= $4) OR (state = 'running' AND lease_until <= $4))`
	// Finishing and deferring are fenced by the attempt that started the job (its lease
	// token): a process that paused past its lease, while another took the job over, can
	// no longer end it nor enqueue what it leads to.
	sqlFinishJob = `UPDATE jobs SET state = $1, done_at = $2, last_error = $3, lease_until = 0
		WHERE id = $4 AND state = 'running' AND attempts = $5`
	sqlDeferJob = `UPDATE jobs SET state = 'pending', next_at = $1, last_error = $2, lease_until = 0
		WHERE id = $3 AND state = 'running' AND attempts = $4`
	sqlJobsSince = `SELECT ` + jobCols + ` FROM jobs WHERE created_at >= $1 ORDER BY created_at, id`
	sqlPruneJobs = `DELETE FROM jobs WHERE state IN ('done', 'failed') AND done_at < $1`
)

// EnqueueJob stores a job, due at j.NextAt; it reports false when a job with its id exists
// already. A job enqueued as JobRunning (Attempts 1, LeaseEnd set) is stored already started
// by its enqueuer's first attempt: no runner may take it until that attempt ends or its lease
// runs out, so a job just queued is never tried twice at once.
func (s *SQL) EnqueueJob(ctx context.Context, j Job) (bool, error) {
	if err := need("enqueue job", "id", j.ID, "kind", j.Kind); err != nil {
		return false, err
	}
	return s.enqueue(ctx, j)
}

// Job loads one job.
func (s *SQL) Job(ctx context.Context, id string) (Job, error) {
	j, err := scanJob(s.db.QueryRowContext(ctx, sqlJob, id))
	if err != nil {
		return Job{}, fmt.Errorf("store: job %s: %w", id, err)
	}
	return j, nil
}

// DueJobs lists jobs to try at now: pending ones due, and running ones whose lease ran out.
func (s *SQL) DueJobs(ctx context.Context, now time.Time, limit int) ([]Job, error) {
	return s.DueJobsByChat(ctx, now, limit, math.MaxInt32)
}

// sqlDueJobsByChat lists the jobs to try at $1 (pending ones due, running ones whose lease ran
// out), oldest first, at most $3 in all and at most $2 of each chat: a chat over its send rate
// may hold thousands of answers due at once, of which one can go; reading them all at every
// pass would cost the process more than the chat can take. A job of no chat (none yet) is a
// chat of its own.
const sqlDueJobsByChat = `SELECT ` + jobCols + ` FROM (
		SELECT ` + jobCols + `, ROW_NUMBER() OVER (
			PARTITION BY platform, CASE WHEN chat_id = '' THEN id ELSE chat_id END
			ORDER BY next_at, created_at, id) AS rn
		FROM jobs
		WHERE (state = 'pending' AND next_at <= $1) OR (state = 'running' AND lease_until <= $1)
	) due WHERE rn <= $2
	ORDER BY next_at, created_at, id LIMIT $3`

// DueJobsByChat is DueJobs with at most perChat jobs of any one chat.
func (s *SQL) DueJobsByChat(ctx context.Context, now time.Time, limit, perChat int) ([]Job, error) {
	return s.jobs(ctx, sqlDueJobsByChat, millis(now), perChat, limit)
}

// JobsSince lists every job created at or after since, oldest first.
func (s *SQL) JobsSince(ctx context.Context, since time.Time) ([]Job, error) {
	return s.jobs(ctx, sqlJobsSince, millis(since))
}

func (s *SQL) jobs(ctx context.Context, q string, args ...any) ([]Job, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: jobs: %w", err)
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("store: jobs: %w", err)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// StartJob marks j (as DueJobs returned it) running until leaseEnd, as attempt j.Attempts+1:
// that number is the attempt's lease token, which FinishJob and DeferJob take back. False
// means someone else started it first.
func (s *SQL) StartJob(ctx context.Context, j Job, now, leaseEnd time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, sqlStartJob, millis(leaseEnd), j.ID, j.Attempts, millis(now))
	if err != nil {
		return false, fmt.Errorf("store: start job %s: %w", j.ID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ErrLeaseLost is the answer to ending a job whose attempt is no longer the job's current
// one: its lease ran out and another process (or loop) started it again, and that attempt
// owns the job now.
var ErrLeaseLost = errors.New("store: the job's lease ran out and another attempt took it over")

// FinishJob ends a running job as JobDone or JobFailed and enqueues what it leads to (the
// answers to the chat) in the same transaction, so a crash cannot lose them nor finish the
// job without them. j is the job as its attempt started it: j.Attempts is that attempt's
// number, the lease token; when the job has been started again since, nothing changes and
// the answer is ErrLeaseLost.
func (s *SQL) FinishJob(ctx context.Context, j Job, state string, at time.Time, lastErr string, next ...Job) error {
	id := j.ID
	if state != JobDone && state != JobFailed {
		return fmt.Errorf("store: finish job %s: bad state %q", id, state)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: finish job %s: %w", id, err)
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, sqlFinishJob, state, millis(at), clip(lastErr), id, j.Attempts)
	if err != nil {
		return fmt.Errorf("store: finish job %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: finish job %s: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("store: finish job %s attempt %d: %w", id, j.Attempts, ErrLeaseLost)
	}
	for _, j := range next {
		if _, err := tx.ExecContext(ctx, sqlEnqueueJob, enqueueArgs(j)...); err != nil {
			return fmt.Errorf("store: finish job %s: enqueue %s: %w", id, j.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: finish job %s: %w", id, err)
	}
	return nil
}

// DeferJob puts a running job back until next after a failed attempt; like FinishJob, only
// the attempt that holds the job (j.Attempts) may, else ErrLeaseLost.
func (s *SQL) DeferJob(ctx context.Context, j Job, next time.Time, lastErr string) error {
	res, err := s.db.ExecContext(ctx, sqlDeferJob, millis(next), clip(lastErr), j.ID, j.Attempts)
	if err != nil {
		return fmt.Errorf("store: defer job %s: %w", j.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: defer job %s: %w", j.ID, err)
	} else if n == 0 {
		return fmt.Errorf("store: defer job %s attempt %d: %w", j.ID, j.Attempts, ErrLeaseLost)
	}
	return nil
}

// PruneJobs forgets finished jobs older than before.
func (s *SQL) PruneJobs(ctx context.Context, before time.Time) error {
	if _, err := s.db.ExecContext(ctx, sqlPruneJobs, millis(before)); err != nil {
		return fmt.Errorf("store: prune jobs: %w", err)
	}
	return nil
}

// enqueueArgs are sqlEnqueueJob's arguments: a pending job unless j says it is started.
func enqueueArgs(j Job) []any {
	state, attempts, lease := JobPending, 0, int64(0)
	if j.State == JobRunning {
		state, attempts, lease = JobRunning, max(j.Attempts, 1), millis(j.LeaseEnd)
	}
	return []any{j.ID, j.Kind, j.Platform, j.ChatID, j.MessageID, j.UserID, j.Provider, j.TicketID, j.Payload,
		state, attempts, millis(j.NextAt), lease, millis(j.CreatedAt), millis(j.GiveUpAt)}
}

func scanJob(r scanner) (Job, error) {
	var j Job
	var next, lease, created, giveUp, done int64
	err := r.Scan(&j.ID, &j.Kind, &j.Platform, &j.ChatID, &j.MessageID, &j.UserID, &j.Provider, &j.TicketID,
		&j.Payload, &j.State, &j.Attempts, &next, &lease, &j.LastError, &created, &giveUp, &done)
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, ErrNotFound
	}
	if err != nil {
		return Job{}, err
	}
	j.NextAt, j.LeaseEnd, j.CreatedAt, j.GiveUpAt = fromMillis(next), fromMillis(lease), fromMillis(created), fromMillis(giveUp)
	if done != 0 {
		j.DoneAt = fromMillis(done)
	}
	return j, nil
}

// clip keeps error texts short and valid UTF-8.
func clip(s string) string {
	if len(s) > 500 {
		s = s[:500]
	}
	return strings.ToValidUTF8(s, "")
}

// JobDepth is how many jobs of a kind wait in a state (pending or running).
type JobDepth struct {
	// State is JobRunning, JobPending (never tried yet) or "retrying" (pending after a failed
	// attempt).
	Kind, State string
	Count       int
	// Oldest is when the oldest of them was made.
	Oldest time.Time
}

const sqlJobDepths = `SELECT kind, CASE WHEN state = 'pending' AND attempts > 0 THEN 'retrying' ELSE state END AS st,
	COUNT(*), MIN(created_at) FROM jobs WHERE state IN ('pending', 'running')
	GROUP BY kind, st ORDER BY kind, st`

// JobDepths counts the jobs not yet finished, by kind and state (running, pending, retrying),
// with the oldest one's age: the work engine's queue.
func (s *SQL) JobDepths(ctx context.Context) ([]JobDepth, error) {
	rows, err := s.db.QueryContext(ctx, sqlJobDepths)
	if err != nil {
		return nil, fmt.Errorf("store: job depths: %w", err)
	}
	defer rows.Close()
	var out []JobDepth
	for rows.Next() {
		var d JobDepth
		var oldest int64
		if err := rows.Scan(&d.Kind, &d.State, &d.Count, &oldest); err != nil {
			return nil, fmt.Errorf("store: job depths: %w", err)
		}
		d.Oldest = fromMillis(oldest)
		out = append(out, d)
	}
	return out, rows.Err()
}
