package app

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ticketbot/ticketbot/store"
)

// /metrics shows the work engine's queue by kind and state, as the store holds it, and the age
// of each kind's oldest job.
func TestJobDepthsMetric(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "jobs.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().Truncate(time.Millisecond) // the store keeps milliseconds
	for _, j := range []store.Job{
		{ID: "r1", Kind: "reply", NextAt: now, CreatedAt: now.Add(-90 * time.Second), GiveUpAt: now.Add(time.Hour)},
		{ID: "r3", Kind: "reply", NextAt: now, CreatedAt: now, GiveUpAt: now.Add(time.Hour)},
		{ID: "r2", Kind: "reply", NextAt: now, CreatedAt: now, GiveUpAt: now.Add(time.Hour)},
		{ID: "s1", Kind: "say", NextAt: now, CreatedAt: now, GiveUpAt: now.Add(time.Hour)},
	} {
		if _, err := st.EnqueueJob(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	// r3 was tried once and waits for its next attempt.
	r3, err := st.Job(ctx, "r3")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := st.StartJob(ctx, r3, now, now.Add(time.Minute)); !ok || err != nil {
		t.Fatal(ok, err)
	}
	r3.Attempts++
	if err := st.DeferJob(ctx, r3, now.Add(time.Minute), "vendor down"); err != nil {
		t.Fatal(err)
	}
	c := jobDepths{st: st, log: slog.New(slog.NewTextHandler(io.Discard, nil)), now: func() time.Time { return now }}
	want := `
# HELP ticketbot_jobs Jobs of the work engine not yet finished (vendor writes, kept answers), by kind and state (pending: not tried yet; retrying: pending after a failed attempt; running).
# TYPE ticketbot_jobs gauge
ticketbot_jobs{kind="reply",state="pending"} 2
ticketbot_jobs{kind="reply",state="retrying"} 1
ticketbot_jobs{kind="say",state="pending"} 1
# HELP ticketbot_job_oldest_seconds Age of the oldest job of the kind not yet finished: a queue that stopped moving grows it.
# TYPE ticketbot_job_oldest_seconds gauge
ticketbot_job_oldest_seconds{kind="reply"} 90
ticketbot_job_oldest_seconds{kind="say"} 0
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "ticketbot_jobs", "ticketbot_job_oldest_seconds"); err != nil {
		t.Fatal(err)
	}
}
