package command

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/work"
)

// TestJanitorKeepsWhatRetentionSays runs the bot's work engine with [retention] set away from
// every default, its clock injected, over a store holding of each kind a record just older
// than its setting and one just newer: its first pass forgets the older ones only.
func TestJanitorKeepsWhatRetentionSays(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	keep := Retention{Jobs: 48 * time.Hour, Deliveries: 36 * time.Hour, Notices: 72 * time.Hour, Audit: 90 * 24 * time.Hour}
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "bot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ages := map[string]struct{ old, new time.Duration }{}
	for what, d := range map[string]time.Duration{"job": keep.Jobs, "delivery": keep.Deliveries, "notice": keep.Notices, "audit": keep.Audit} {
		ages[what] = struct{ old, new time.Duration }{d + time.Minute, d - time.Minute}
	}
	for _, v := range []string{"old", "new"} {
		age := func(what string) time.Time {
			if v == "old" {
				return now.Add(-ages[what].old)
			}
			return now.Add(-ages[what].new)
		}
		j := store.Job{ID: "job-" + v, Kind: jobSay, Platform: "feishu", ChatID: "oc_1", State: store.JobRunning, Attempts: 1,
			CreatedAt: age("job"), NextAt: age("job"), LeaseEnd: now, GiveUpAt: now}
		if _, err := st.EnqueueJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		if err := st.FinishJob(ctx, j, store.JobDone, age("job"), ""); err != nil {
			t.Fatal(err)
		}
		if _, err := st.MarkProcessed(ctx, "evt-"+v, age("delivery")); err != nil {
			t.Fatal(err)
		}
		if _, err := st.EnqueueNotice(ctx, store.Notice{ID: "notice-" + v, Platform: "feishu", ChatID: "oc_1", Kind: "summary",
			CreatedAt: age("notice")}); err != nil {
			t.Fatal(err)
		}
		if err := st.MarkNoticesSent(ctx, []string{"notice-" + v}, age("notice")); err != nil {
			t.Fatal(err)
		}
		if err := st.RecordAudit(ctx, store.AuditEntry{At: age("audit"), Platform: "feishu", ChatID: "oc_1", UserID: "ou_1",
			Command: "list", Result: v}); err != nil {
			t.Fatal(err)
		}
	}
	b := New(Config{Retention: keep}, Deps{Store: st, Now: func() time.Time { return now },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	run, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); b.RunOutbox(run) }()
	audit := func() []store.AuditEntry {
		t.Helper()
		a, err := st.Audit(ctx, now.Add(-365*24*time.Hour), now)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	// The audit is the pass's last pruner: once its old entry is gone, the pass is over.
	for deadline := time.Now().Add(10 * time.Second); len(audit()) != 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			stop()
			<-done
			t.Fatalf("the audit entry older than %v is still there after 10 s: %+v", keep.Audit, audit())
		}
	}
	stop()
	<-done
	if a := audit(); len(a) != 1 || a[0].Result != "new" {
		t.Errorf("audit after the pass: %+v; want the newer entry only", a)
	}
	for _, v := range []string{"old", "new"} {
		_, err := st.Job(ctx, "job-"+v)
		if gone := errors.Is(err, store.ErrNotFound); gone != (v == "old") {
			t.Errorf("finished job %s: gone = %v (%v)", v, gone, err)
		}
		fresh, err := st.MarkProcessed(ctx, "evt-"+v, now)
		if err != nil || fresh != (v == "old") {
			t.Errorf("delivery id %s: forgotten = %v (%v)", v, fresh, err)
		}
		fresh, err = st.EnqueueNotice(ctx, store.Notice{ID: "notice-" + v, Platform: "feishu", ChatID: "oc_1", Kind: "summary", CreatedAt: now})
		if err != nil || fresh != (v == "old") {
			t.Errorf("sent notice %s: forgotten = %v (%v)", v, fresh, err)
		}
	}
}

// TestRetentionDefaults: what is not set keeps what the bot kept before [retention], and the
// audit is pruned only when its retention is set.
func TestRetentionDefaults(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   Retention
		want Retention
		// pruned names the janitor's pruners besides the finished jobs.
		pruned []string
	}{
		{"zero", Retention{}, Retention{Jobs: 7 * 24 * time.Hour, Deliveries: work.DeliveryRetention, Notices: 7 * 24 * time.Hour},
			[]string{"delivery ids", "notices", "drafts"}},
		{"audit set", Retention{Audit: time.Hour, Deliveries: 48 * time.Hour},
			Retention{Jobs: 7 * 24 * time.Hour, Deliveries: 48 * time.Hour, Notices: 7 * 24 * time.Hour, Audit: time.Hour},
			[]string{"delivery ids", "notices", "drafts", "audit entries"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.in.WithDefaults()
			if got != tc.want {
				t.Errorf("WithDefaults = %+v, want %+v", got, tc.want)
			}
			var names []string
			for _, p := range got.pruners((*store.SQL)(nil)) { // method values only: nothing is called
				names = append(names, p.What)
			}
			if len(names) != len(tc.pruned) {
				t.Fatalf("pruners %v, want %v", names, tc.pruned)
			}
			for i := range names {
				if names[i] != tc.pruned[i] {
					t.Errorf("pruners %v, want %v", names, tc.pruned)
				}
			}
		})
	}
}
