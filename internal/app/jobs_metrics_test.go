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

// /metrics shows the work engine's queue by kind and state, as the store holds it.
func TestJobDepthsMetric(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "jobs.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	for _, j := range []store.Job{
		{ID: "r1", Kind: "reply", NextAt: now, CreatedAt: now, GiveUpAt: now.Add(time.Hour)},
		{ID: "r2", Kind: "reply", NextAt: now, CreatedAt: now, GiveUpAt: now.Add(time.Hour)},
		{ID: "s1", Kind: "say", NextAt: now, CreatedAt: now, GiveUpAt: now.Add(time.Hour)},
	} {
		if _, err := st.EnqueueJob(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	c := jobDepths{st: st, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	want := `
# HELP ticketbot_jobs Jobs of the work engine not yet finished (vendor writes, kept answers), by kind and state.
# TYPE ticketbot_jobs gauge
ticketbot_jobs{kind="reply",state="pending"} 2
ticketbot_jobs{kind="say",state="pending"} 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "ticketbot_jobs"); err != nil {
		t.Fatal(err)
	}
}
