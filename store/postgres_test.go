package store

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// needPostgres skips a PostgreSQL-only test on the SQLite pass of the suite.
func needPostgres(t *testing.T) {
	t.Helper()
	if testDriver != "postgres" {
		t.Skip("PostgreSQL only: runs in the suite's second pass (TICKETBOT_TEST_POSTGRES)")
	}
}

// Three replicas starting at once on a new database apply each migration exactly once and all
// open: the migration lock makes the others wait, then find nothing to do.
func TestPostgresReplicasMigrateOnce(t *testing.T) {
	needPostgres(t)
	db := newTestDB(t)
	stores := make([]*SQL, 3)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() { stores[i] = db.open(t) })
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if got := migrationRows(t, stores[0]); len(got) != len(migrations) {
		t.Errorf("schema_migrations has %d rows, want %d", len(got), len(migrations))
	}
	// What one replica writes, another sees: they share the database, not a cache.
	ctx := context.Background()
	if fresh, err := stores[0].MarkProcessed(ctx, "evt-1", t0); err != nil || !fresh {
		t.Fatalf("first MarkProcessed = %v, %v", fresh, err)
	}
	if fresh, err := stores[2].MarkProcessed(ctx, "evt-1", t0); err != nil || fresh {
		t.Errorf("the same event on another replica = %v, %v; want seen", fresh, err)
	}
}

// A database that does not answer fails the open at once with the host and the reason, and
// never the password.
func TestPostgresUnreachableNamesHostNotPassword(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	_, err := OpenPostgres(ctx, "postgres://ticketbot:hunter2-secret@127.0.0.1:1/ticketbot?sslmode=disable",
		PoolOptions{ConnectTimeout: 2 * time.Second})
	if err == nil {
		t.Fatal("opened a database on port 1")
	}
	msg := err.Error()
	if !strings.Contains(msg, "127.0.0.1:1/ticketbot") || strings.Contains(msg, "hunter2") {
		t.Errorf("error = %q: want the host and database, never the password", msg)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the open took %v", d)
	}
	if _, err := OpenPostgres(ctx, "postgres://u:hunter2-secret@[bad", PoolOptions{}); err == nil ||
		strings.Contains(err.Error(), "hunter2") {
		t.Errorf("bad DSN error = %v: want one that does not repeat the DSN", err)
	}
}

// Every connection carries the statement timeout, so one stuck statement cannot hold a worker.
func TestPostgresStatementTimeout(t *testing.T) {
	needPostgres(t)
	s, err := OpenPostgres(context.Background(), newTestDB(t).dsn, PoolOptions{StatementTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var setting string
	mustDo(t, s.db.QueryRow(`SHOW statement_timeout`).Scan(&setting))
	if setting != "200ms" {
		t.Errorf("statement_timeout = %q, want 200ms", setting)
	}
	start := time.Now()
	if _, err := s.db.Exec(`SELECT pg_sleep(5)`); err == nil || !strings.Contains(err.Error(), "statement timeout") {
		t.Errorf("a 5 s statement = %v, want cancelled by the statement timeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the statement ran %v", d)
	}
}
