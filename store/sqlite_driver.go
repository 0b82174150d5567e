package store

import (
	"errors"

	"github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/driver" // registers "sqlite3"
)

// The embedded SQLite driver is chosen here and only here: this file names it, spells the
// connection settings its way and recognises its "busy" error. Everything else in the store
// is plain database/sql, and scripts/sqlitedrivers/compare.sh swaps this file to measure
// another driver.
//
// github.com/ncruces/go-sqlite3 was chosen by measurement over modernc.org/sqlite (the driver
// before it) and github.com/mattn/go-sqlite3 (compare.sh, one run on a 2-core machine,
// December 2026; the figures are in the note of issue 19):
//
//   - It is pure Go (SQLite compiled to WebAssembly, then translated to Go), so `go run`
//     works on a machine without a C compiler and the release cross-builds static binaries.
//     mattn's driver needs cgo: a user without gcc cannot start the demo at all.
//   - The store is 1.8 times as fast on it as on modernc (geometric mean of its benchmarks):
//     the delivery ids' group commit 3.6 times, the inbox's group commit and concurrent job
//     writes about 2 times. mattn's is 15 % faster again, which does not pay for cgo.
//   - It downloads 301 MB of modules against modernc's 700 MB, and the race-enabled store
//     test builds in 73 s against 84 s (modernc) and 88 s (mattn). The binary builds in the
//     same time with any of the three (156 to 165 s from empty caches, within the spread of
//     one run to the next); it is 80 MB against 75 (modernc) and 72 (mattn).
//
// Like mattn's, this driver binds arguments by position, and SQLite numbers "$N" parameters
// by first appearance: statements must number their placeholders in the order they appear
// (TestPlaceholdersInOrder checks every one).

// sqliteDriverName is the name the driver registers with database/sql.
const sqliteDriverName = "sqlite3"

// sqliteParams are applied by the driver to every connection it opens, so a connection the
// pool replaces gets the same settings as the first one.
//
//   - busy_timeout comes first (the driver applies pragmas in order): another process
//     holding the write lock makes us wait up to 5 s instead of failing at once with
//     SQLITE_BUSY.
//   - journal_mode WAL lets readers in other processes (ticketbot check, sqlite3 CLI) run
//     while we write; synchronous NORMAL is durable enough in WAL mode (a power cut may lose
//     the last transactions, never corrupt the file) and far cheaper than FULL.
//   - foreign_keys is off by default in SQLite; turn it on so future references are enforced.
//   - _txlock=immediate makes BEGIN take the write lock at once. A deferred transaction that
//     reads and then writes can fail with SQLITE_BUSY when another process wrote in between,
//     and busy_timeout cannot help there; immediate transactions just queue.
var sqliteParams = []string{
	"_pragma=busy_timeout(5000)",
	"_pragma=journal_mode(WAL)",
	"_pragma=synchronous(NORMAL)",
	"_pragma=foreign_keys(1)",
	"_txlock=immediate",
}

// sqliteBusy reports whether err is SQLite's SQLITE_BUSY: another connection holds the lock.
func sqliteBusy(err error) bool { return errors.Is(err, sqlite3.BUSY) }
