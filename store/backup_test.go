package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestBackupWhileWriting copies a database while another handle (serve, in production) keeps
// committing an audit row and then a job, one pair after another. The copy must open as a
// current store, hold every pair committed before the copy began, and hold a prefix of the
// writes: never a row without those written before it.
func TestBackupWhileWriting(t *testing.T) {
	if testDriver != "sqlite" {
		t.Skip("SQLite only; PostgreSQL: TestBackupRefusedOnPostgres")
	}
	for _, tc := range []struct {
		name   string
		backup func(ctx context.Context, src, to string) error
	}{
		{"BackupSQLite", BackupSQLite},
		{"SQL.Backup", func(ctx context.Context, src, to string) error {
			s, err := OpenSQLite(ctx, src)
			if err != nil {
				return err
			}
			defer s.Close()
			return s.Backup(ctx, to)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			src, to := filepath.Join(dir, "live.db"), filepath.Join(dir, "copy.db")
			w := openFile(t, src)
			write := func(i int) error {
				if err := w.RecordAudit(ctx, AuditEntry{At: at(time.Duration(i) * time.Millisecond), Platform: "feishu",
					ChatID: "oc_1", UserID: "ou_1", Command: "reply", Result: "ok", Detail: strconv.Itoa(i)}); err != nil {
					return err
				}
				j := job(fmt.Sprintf("job-%06d", i))
				_, err := w.EnqueueJob(ctx, j)
				return err
			}
			for i := range 200 {
				mustDo(t, write(i))
			}
			var committed atomic.Int64 // pairs fully written
			committed.Store(200)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var werr error // the writer's; read after it ended
			var failed atomic.Bool
			wg.Go(func() {
				for i := 200; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					if werr = write(i); werr != nil {
						failed.Store(true)
						return
					}
					committed.Store(int64(i + 1))
				}
			})
			for committed.Load() < 250 && !failed.Load() { // the writer is under way
				time.Sleep(time.Millisecond)
			}
			before := int(committed.Load())
			err := tc.backup(ctx, src, to)
			after := int(committed.Load())
			for committed.Load() < int64(after+20) && !failed.Load() { // and goes on after the copy
				time.Sleep(time.Millisecond)
			}
			close(stop)
			wg.Wait()
			mustDo(t, err)
			mustDo(t, werr)

			c := openFile(t, to)
			var versions, latest int
			mustDo(t, c.db.QueryRowContext(ctx, `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&versions, &latest))
			if want := migrations[len(migrations)-1].version; versions != len(migrations) || latest != want {
				t.Errorf("copy's schema_migrations: %d rows up to %d; want %d up to %d", versions, latest, len(migrations), want)
			}
			var check string
			mustDo(t, c.db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check))
			if check != "ok" {
				t.Errorf("copy's integrity_check = %q", check)
			}
			audit, err := c.Audit(ctx, t0, at(time.Hour))
			mustDo(t, err)
			for i, a := range audit {
				if a.Detail != strconv.Itoa(i) {
					t.Fatalf("copy's audit row %d is %q: the copy is not a prefix of the writes", i, a.Detail)
				}
			}
			jobs, err := c.JobsSince(ctx, t0)
			mustDo(t, err)
			if n := len(audit); n < before || n > after+1 {
				t.Errorf("copy holds %d audit rows; want every one of the %d committed before it began, at most %d", n, before, after+1)
			}
			// A job is written after its audit row, in a transaction of its own.
			if len(jobs) != len(audit) && len(jobs) != len(audit)-1 {
				t.Errorf("copy holds %d audit rows and %d jobs; a job follows its row", len(audit), len(jobs))
			}
			t.Logf("%d pairs before the copy, %d in it, %d when it ended", before, len(audit), after)
		})
	}
}

// TestBackupRefuses: a copy never replaces a file, and there is nothing to copy from a
// database in memory, a missing file or one that is no ticketbot store. Nothing is created.
func TestBackupRefuses(t *testing.T) {
	if testDriver != "sqlite" {
		t.Skip("SQLite only")
	}
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "live.db")
	openFile(t, src)
	existing := filepath.Join(dir, "existing.db")
	mustDo(t, os.WriteFile(existing, []byte("keep me"), 0o600))
	foreign := filepath.Join(dir, "foreign.db")
	mustDo(t, os.WriteFile(foreign, nil, 0o600))
	for _, tc := range []struct {
		name, src, to string
	}{
		{"existing target", src, existing},
		{"in memory", ":memory:", filepath.Join(dir, "a.db")},
		{"missing source", filepath.Join(dir, "missing.db"), filepath.Join(dir, "b.db")},
		{"not a ticketbot database", foreign, filepath.Join(dir, "c.db")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := BackupSQLite(ctx, tc.src, tc.to); err == nil {
				t.Fatal("BackupSQLite succeeded")
			}
			if tc.to == existing {
				if b, _ := os.ReadFile(existing); string(b) != "keep me" {
					t.Errorf("the existing file now holds %q", b)
				}
			} else if _, err := os.Stat(tc.to); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("target %s exists after a refused backup (%v)", tc.to, err)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a backup of a missing file created it (%v)", err)
	}
}

// TestBackupRefusedOnPostgres: PostgreSQL is pg_dump's; Backup says so with its sentinel.
func TestBackupRefusedOnPostgres(t *testing.T) {
	if testDriver != "postgres" {
		t.Skip("PostgreSQL only")
	}
	s := openTest(t)
	if err := s.Backup(context.Background(), filepath.Join(t.TempDir(), "x.db")); !errors.Is(err, ErrBackupUnsupported) {
		t.Fatalf("Backup on PostgreSQL = %v; want ErrBackupUnsupported", err)
	}
}

// TestPgDumpCommand: the command names where the database is, never its password.
func TestPgDumpCommand(t *testing.T) {
	for _, tc := range []struct {
		dsn, file, want string
	}{
		{"postgres://ticketbot:s3cret@db.internal:5433/tb?sslmode=require", "tb.dump",
			"pg_dump --host=db.internal --port=5433 --username=ticketbot --dbname=tb --format=custom --file=tb.dump"},
		{"host=10.0.0.7 user=bot password='s3cret' dbname=tickets search_path=prod", "/backups/x y.dump",
			"pg_dump --host=10.0.0.7 --port=5432 --username=bot --dbname=tickets --schema=prod --format=custom --file='/backups/x y.dump'"},
	} {
		got, err := PgDumpCommand(tc.dsn, tc.file)
		if err != nil || got != tc.want {
			t.Errorf("PgDumpCommand(%q) =\n %q, %v\nwant %q", tc.dsn, got, err, tc.want)
		}
		if strings.Contains(got, "s3cret") {
			t.Errorf("the password is in %q", got)
		}
	}
	if _, err := PgDumpCommand("postgres://a:b@host:notaport/db", "x"); !errors.Is(err, ErrPostgresDSN) {
		t.Errorf("a DSN that does not parse: %v; want ErrPostgresDSN", err)
	}
}
