package store

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"
)

// migrateTo brings the fresh database d to schema version n only, as the release that
// shipped it left it, and returns a plain connection to write rows in that schema.
func migrateTo(t *testing.T, d testDB, n int) *sql.DB {
	t.Helper()
	ctx := context.Background()
	i := slices.IndexFunc(migrations, func(m migration) bool { return m.version == n })
	if i < 0 {
		t.Fatalf("no migration %d", n)
	}
	driver, dsn, rewrite := sqliteDriverName, d.path, (func(string) string)(nil)
	if d.path == "" {
		driver, dsn, rewrite = "pgx", d.dsn, postgresDDL
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	mustDo(t, migrateDialect(ctx, db, migrations[:i+1], rewrite))
	return db
}

// TestUpgradeFromThePreviousRelease: a database the previous release's schema built and
// filled opens with this build, which applies the missing migrations once and reads every
// kind of row through the current API. On both drivers.
//
// previousRelease is the schema of the last release (stop 26: version 9, the audit's request
// id); move it, and the rows below, forward at each release.
func TestUpgradeFromThePreviousRelease(t *testing.T) {
	const previousRelease = 9
	ctx := context.Background()
	latest := migrations[len(migrations)-1].version
	previous := previousRelease
	d := newTestDB(t)
	old := migrateTo(t, d, previous)
	ms := func(d time.Duration) int64 { return millis(at(d)) }
	for _, row := range []struct {
		stmt string
		args []any
	}{
		{`INSERT INTO processed (key, at) VALUES ($1, $2)`, []any{"feishu:evt_1", ms(0)}},
		{`INSERT INTO cards (platform, chat_id, message_id, provider, ticket_id, seq, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			[]any{"feishu", "oc_1", "om_card", "ksyun", "1204", 1, ms(time.Minute)}},
		{`INSERT INTO follows (platform, chat_id, provider, ticket_id, by_user, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			[]any{"feishu", "oc_1", "ksyun", "1204", "ou_1", ms(time.Minute)}},
		{`INSERT INTO tickets (provider, ticket_id, status, raw_status, last_note_id, creator_user_id, snapshot, updated_at,
			version, acted_by, acted_op, acted_state, acted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			[]any{"ksyun", "1204", "waiting_on_us", "3", "n9", "feishu:ou_1", []byte(`{"title":"数据库连接超时"}`), ms(2 * time.Minute),
				4, "feishu:ou_1", "close", "done", ms(2 * time.Minute)}},
		{`INSERT INTO notices (id, platform, chat_id, provider, ticket_id, kind, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			[]any{"n-1", "feishu", "oc_1", "ksyun", "1204", "status", []byte(`{"to":"waiting_on_us"}`), ms(3 * time.Minute)}},
		{`INSERT INTO jobs (id, kind, platform, chat_id, message_id, user_id, provider, ticket_id, payload, state, attempts,
			next_at, created_at, give_up_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			[]any{"reply/feishu/om_2", "reply", "feishu", "oc_1", "om_2", "ou_1", "ksyun", "1204", []byte(`{"text":"hi"}`), "pending", 1,
				ms(4 * time.Minute), ms(4 * time.Minute), ms(24 * time.Hour)}},
		{`INSERT INTO audit (id, at, platform, chat_id, user_id, user_name, command, provider, ticket_id, request_ids, result, detail,
			request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			[]any{7, ms(5 * time.Minute), "feishu", "oc_1", "ou_1", "张三", "close", "ksyun", "1204", "req-1,req-2", "ok", "", "r-7"}},
		{`INSERT INTO leaders (name, holder, token, lease_until) VALUES ($1, $2, $3, $4)`, []any{"watcher", "replica-a", 3, ms(time.Hour)}},
		{`INSERT INTO inbox_batches (id, seq, deliveries, payload, created_at) VALUES ($1, $2, $3, $4, $5)`,
			[]any{"feishu:msg:om_3", 1, 1, []byte(`{"EventID":"feishu:msg:om_3"}`), ms(6 * time.Minute)}},
	} {
		if _, err := old.ExecContext(ctx, row.stmt, row.args...); err != nil {
			t.Fatalf("%s: %v", row.stmt, err)
		}
	}
	mustDo(t, old.Close())

	s := d.open(t)
	var n, top int
	mustDo(t, s.db.QueryRowContext(ctx, `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &top))
	if n != len(migrations) || top != latest {
		t.Fatalf("after the upgrade schema_migrations has %d rows up to %d; want %d up to %d", n, top, len(migrations), latest)
	}
	if fresh, err := s.MarkProcessed(ctx, "feishu:evt_1", at(time.Hour)); err != nil || fresh {
		t.Errorf("the old delivery id: fresh = %v, %v; want known", fresh, err)
	}
	if c, err := s.CardByMessage(ctx, "feishu", "om_card"); err != nil || c.TicketID != "1204" {
		t.Errorf("card = %+v, %v", c, err)
	}
	if fs, err := s.Followers(ctx, "ksyun", "1204"); err != nil || len(fs) != 1 || fs[0].By != "ou_1" {
		t.Errorf("followers = %+v, %v", fs, err)
	}
	if ts, err := s.Ticket(ctx, "ksyun", "1204"); err != nil || ts.Status != "waiting_on_us" || ts.Version != 4 ||
		string(ts.Snapshot) != `{"title":"数据库连接超时"}` || ts.ActedOp != "close" {
		t.Errorf("ticket = %+v, %v", ts, err)
	}
	if ns, err := s.PendingNotices(ctx, at(time.Hour), 10); err != nil || len(ns) != 1 || ns[0].ID != "n-1" {
		t.Errorf("pending notices = %+v, %v", ns, err)
	}
	if j, err := s.Job(ctx, "reply/feishu/om_2"); err != nil || j.State != JobPending || string(j.Payload) != `{"text":"hi"}` ||
		!j.GiveUpAt.Equal(stored(at(24*time.Hour))) {
		t.Errorf("job = %+v, %v", j, err)
	}
	if a, err := s.Audit(ctx, t0, at(time.Hour)); err != nil || len(a) != 1 || a[0].UserName != "张三" || len(a[0].RequestIDs) != 2 ||
		a[0].RequestID != "r-7" {
		t.Errorf("audit = %+v, %v", a, err)
	}
	if holder, token, _, err := s.Leader(ctx, "watcher"); err != nil || holder != "replica-a" || token != 3 {
		t.Errorf("leader = %q %d, %v", holder, token, err)
	}
	if in, err := s.TakeInbox(ctx, 10); err != nil || len(in) != 1 || in[0].ID != "feishu:msg:om_3" || in[0].Count != 1 {
		t.Errorf("inbox = %+v, %v", in, err)
	}
	// The tickets stored before the timeline are in it: seen in their state when last stored,
	// any reply they show of a time not known.
	if evs, err := s.TimelineIn(ctx, "", "", at(time.Hour)); err != nil ||
		!slices.Equal(eventsOf(evs), []string{"ksyun/1204 #1 seen waiting_on_us @2", "ksyun/1204 #2 reply  @?"}) {
		t.Errorf("timeline = %q, %v", eventsOf(evs), err)
	}
	// And it takes new rows, in the tables the upgrade added too.
	if _, err := s.EnqueueJob(ctx, job("after-upgrade")); err != nil {
		t.Errorf("a new job: %v", err)
	}
	if _, err := s.Bind(ctx, binding("ou_1", "ksyun", "38361", "ou_1"), false); err != nil {
		t.Errorf("a new binding: %v", err)
	}
	// Opening again finds nothing to do.
	again := d.open(t)
	mustDo(t, again.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n))
	if n != len(migrations) {
		t.Errorf("a second open recorded %d migrations, want %d", n, len(migrations))
	}
}
