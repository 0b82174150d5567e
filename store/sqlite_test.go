package store

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestOpenSQLiteDSN(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		dsn  string
	}{
		{"file path", filepath.Join(t.TempDir(), "a.db")},
		{"memory", ":memory:"},
		{"shared memory uri", "file::memory:?cache=shared"},
		{"file uri with query", "file:" + filepath.Join(t.TempDir(), "b.db") + "?mode=rwc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := OpenSQLite(ctx, tc.dsn)
			if err != nil {
				t.Fatalf("OpenSQLite: %v", err)
			}
			defer s.Close()
			// The single connection must hold the data, even for an in-memory database.
			if _, err := s.MarkProcessed(ctx, "k", t0); err != nil {
				t.Fatal(err)
			}
			fresh, err := s.MarkProcessed(ctx, "k", t0)
			if err != nil || fresh {
				t.Fatalf("second MarkProcessed = %v, %v; want false, nil", fresh, err)
			}
		})
	}
}

func TestOpenSQLitePragmas(t *testing.T) {
	s := openFile(t, filepath.Join(t.TempDir(), "p.db"))
	for _, tc := range []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"busy_timeout", "5000"},
		{"foreign_keys", "1"},
		{"synchronous", "1"}, // NORMAL
	} {
		t.Run(tc.pragma, func(t *testing.T) {
			var got string
			if err := s.db.QueryRow("PRAGMA " + tc.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if !strings.EqualFold(got, tc.want) {
				t.Errorf("PRAGMA %s = %q, want %q", tc.pragma, got, tc.want)
			}
		})
	}
}

// TestSQLiteBusy: the driver's answer to a write while another connection holds the write
// lock is recognised as SQLITE_BUSY (opening retries on it), and other errors are not.
func TestSQLiteBusy(t *testing.T) {
	ctx := context.Background()
	s := openFile(t, filepath.Join(t.TempDir(), "busy.db"))
	tx, err := s.db.BeginTx(ctx, nil) // immediate: takes the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	conn, err := s.ack.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = 0`); err != nil {
		t.Fatal(err)
	}
	_, err = conn.ExecContext(ctx, `INSERT INTO processed (key, at) VALUES ('k', 0)`)
	if err == nil || !sqliteBusy(err) {
		t.Fatalf("a write under another's lock: %v; want one sqliteBusy recognises", err)
	}
	_, err = conn.ExecContext(ctx, `SELECT * FROM no_such_table`)
	if err == nil || sqliteBusy(err) {
		t.Fatalf("a missing table: %v; want an error that is not busy", err)
	}
}

func TestOpenSQLiteBadPath(t *testing.T) {
	_, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "missing", "dir", "x.db"))
	if err == nil {
		t.Fatal("OpenSQLite in a missing directory succeeded")
	}
}

// An empty path once made the driver create a file named "?_pragma=busy_timeout(5000)&…" in
// the working directory, and one was committed by accident.
func TestOpenSQLiteNoPath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, dsn := range []string{"", "?mode=rwc"} {
		if _, err := OpenSQLite(context.Background(), dsn); err == nil || !strings.Contains(err.Error(), "no path") {
			t.Errorf("OpenSQLite(%q) = %v, want an error saying there is no path", dsn, err)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("OpenSQLite without a path left %v in the working directory", left)
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ticketbot.db")

	s, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	card := Card{Platform: "feishu", ChatID: "oc_1", MessageID: "om_1", Provider: "ksyun", TicketID: "1204", UpdatedAt: at(0)}
	follow := Follow{Platform: "feishu", ChatID: "oc_1", Provider: "ksyun", TicketID: "1204", By: "ou_1", CreatedAt: at(0)}
	ticket := TicketState{Provider: "ksyun", TicketID: "1204", Status: "open", Snapshot: []byte(`{}`), UpdatedAt: at(0)}
	mustDo(t, s.SaveCard(ctx, card))
	mustDo(t, s.Follow(ctx, follow))
	mustDo(t, s.SaveTicket(ctx, ticket))
	if _, err := s.MarkProcessed(ctx, "evt-1", at(0)); err != nil {
		t.Fatal(err)
	}
	before := migrationRows(t, s)
	mustDo(t, s.Close())

	s2 := openFile(t, path)
	if got := migrationRows(t, s2); !maps.Equal(got, before) {
		t.Errorf("schema_migrations after reopen = %v, want unchanged %v", got, before)
	}
	if len(before) != len(migrations) {
		t.Errorf("schema_migrations has %d rows, want %d", len(before), len(migrations))
	}
	if fresh, err := s2.MarkProcessed(ctx, "evt-1", at(0)); err != nil || fresh {
		t.Errorf("MarkProcessed after reopen = %v, %v; want false, nil", fresh, err)
	}
	if got, err := s2.CardByMessage(ctx, "feishu", "om_1"); err != nil || got.TicketID != "1204" {
		t.Errorf("CardByMessage after reopen = %+v, %v", got, err)
	}
	if got, err := s2.Following(ctx, "feishu", "oc_1"); err != nil || len(got) != 1 {
		t.Errorf("Following after reopen = %+v, %v", got, err)
	}
	if got, err := s2.Ticket(ctx, "ksyun", "1204"); err != nil || got.Status != "open" {
		t.Errorf("Ticket after reopen = %+v, %v", got, err)
	}
}

// TestOpenConcurrently opens one new file from two handles at once, as two processes
// starting together would: both must succeed and each migration must be recorded once.
func TestOpenConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ticketbot.db")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	handles := make([]*SQL, len(errs))
	for i := range errs {
		wg.Go(func() {
			handles[i], errs[i] = OpenSQLite(context.Background(), path)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		defer handles[i].Close()
	}
	if got := migrationRows(t, handles[0]); len(got) != len(migrations) {
		t.Errorf("schema_migrations = %v, want %d rows", got, len(migrations))
	}
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	extra := migration{version: 1000, name: "test table", stmts: []string{
		`CREATE TABLE extra (id TEXT PRIMARY KEY)`,
		`INSERT INTO extra (id) VALUES ('seed')`,
	}}
	broken := migration{version: 1001, name: "broken", stmts: []string{
		`CREATE TABLE half (id TEXT PRIMARY KEY)`,
		`THIS IS NOT SQL`,
	}}

	t.Run("new migration runs once", func(t *testing.T) {
		s := openTest(t)
		ms := append(append([]migration(nil), migrations...), extra)
		for range 3 {
			mustDo(t, migrate(ctx, s.db, ms))
		}
		var n int
		mustDo(t, s.db.QueryRow(`SELECT COUNT(*) FROM extra`).Scan(&n))
		if n != 1 {
			t.Errorf("extra has %d rows, want 1 (migration ran more than once)", n)
		}
		if got := migrationRows(t, s); len(got) != len(migrations)+1 {
			t.Errorf("schema_migrations = %v", got)
		}
	})

	t.Run("failed migration leaves nothing", func(t *testing.T) {
		s := openTest(t)
		err := migrate(ctx, s.db, append(append([]migration(nil), migrations...), broken))
		if err == nil || !strings.Contains(err.Error(), "migration 1001 (broken)") {
			t.Fatalf("migrate = %v, want an error naming migration 1001", err)
		}
		var n int
		if err := s.db.QueryRow(`SELECT COUNT(*) FROM half`).Scan(&n); err == nil {
			t.Error("table from the failed migration exists")
		}
		if got := migrationRows(t, s); len(got) != len(migrations) {
			t.Errorf("schema_migrations = %v, want only the real migrations", got)
		}
	})

	t.Run("versions increase", func(t *testing.T) {
		for i := 1; i < len(migrations); i++ {
			if migrations[i].version <= migrations[i-1].version {
				t.Errorf("migration %d follows %d", migrations[i].version, migrations[i-1].version)
			}
		}
	})

	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "x.db"))
		if !errors.Is(err, context.Canceled) {
			t.Errorf("OpenSQLite with a cancelled context = %v, want context.Canceled", err)
		}
	})
}

// migrationRows returns schema_migrations as version → applied_at.
func migrationRows(t *testing.T, s *SQL) map[int]int64 {
	t.Helper()
	rows, err := s.db.Query(`SELECT version, applied_at FROM schema_migrations`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	m := map[int]int64{}
	for rows.Next() {
		var v int
		var at int64
		mustDo(t, rows.Scan(&v, &at))
		m[v] = at
	}
	mustDo(t, rows.Err())
	return m
}

func mustDo(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
