package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// openTest opens a fresh SQLite file in a temporary directory and closes it after the test.
func openTest(t testing.TB) *SQL {
	t.Helper()
	return openFile(t, filepath.Join(t.TempDir(), "ticketbot.db"))
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
