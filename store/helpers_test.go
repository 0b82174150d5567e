package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The store suite runs on SQLite, then again on PostgreSQL where TICKETBOT_TEST_POSTGRES names
// one (a DSN such as postgres://postgres@127.0.0.1:5432/test?sslmode=disable; .ci/run sets
// it). Every test that opens its store with openTest or newTestDB runs on both.
var (
	testDriver   = "sqlite"
	testPostgres string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if dsn := os.Getenv("TICKETBOT_TEST_POSTGRES"); dsn != "" && code == 0 {
		testDriver, testPostgres = "postgres", dsn
		fmt.Println("store: the suite again, on PostgreSQL")
		code = m.Run()
	}
	os.Exit(code)
}

// TestPostgresPassIsNamed reads TICKETBOT_TEST_POSTGRES inside the suite, where go test records
// what a test reads: TestMain's own read comes after m.Run, unrecorded, so a cached result of
// the SQLite pass alone would otherwise stand in for a run that should have used PostgreSQL.
func TestPostgresPassIsNamed(t *testing.T) {
	if os.Getenv("TICKETBOT_TEST_POSTGRES") == "" {
		t.Log("no PostgreSQL pass: TICKETBOT_TEST_POSTGRES is not set")
	}
}

// testDB is a fresh, empty database for one test that several handles may open, as several
// processes or replicas would: a file on SQLite, a schema of its own on PostgreSQL.
type testDB struct {
	path string // SQLite
	dsn  string // PostgreSQL, with the test's schema as its search_path
}

// newTestDB makes a fresh database on the suite's driver; it is dropped after the test.
func newTestDB(t testing.TB) testDB {
	t.Helper()
	if testDriver != "postgres" {
		return testDB{path: filepath.Join(t.TempDir(), "ticketbot.db")}
	}
	admin, err := sql.Open("pgx", testPostgres)
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("ticketbot_test_%d_%d", os.Getpid(), testSchemas.Add(1))
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	return testDB{dsn: withSearchPath(testPostgres, schema)}
}

var testSchemas atomic.Int64

// withSearchPath adds search_path to a URL or key=value DSN.
func withSearchPath(dsn, schema string) string {
	if !strings.Contains(dsn, "://") {
		return dsn + " search_path=" + schema
	}
	if strings.Contains(dsn, "?") {
		return dsn + "&search_path=" + schema
	}
	return dsn + "?search_path=" + schema
}

// open opens a handle on d and closes it after the test.
func (d testDB) open(t testing.TB) *SQL {
	t.Helper()
	if d.path != "" {
		return openFile(t, d.path)
	}
	s, err := OpenPostgres(context.Background(), d.dsn, PoolOptions{})
	if err != nil {
		t.Fatalf("OpenPostgres: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openTest opens a fresh database on the suite's driver and closes it after the test.
func openTest(t testing.TB) *SQL {
	t.Helper()
	return newTestDB(t).open(t)
}

// openFile opens path and closes it after the test.
func openFile(t testing.TB, path string) *SQL {
	t.Helper()
	s, err := OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatalf("OpenSQLite(%q): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// t0 is a fixed instant with sub-millisecond digits in a non-UTC zone, so tests see both the
// truncation to milliseconds and the conversion to UTC.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589_793_238, time.FixedZone("CST", 8*3600))

// at returns t0 plus d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// stored is what a time reads back as.
func stored(t time.Time) time.Time { return t.Truncate(time.Millisecond).UTC() }
