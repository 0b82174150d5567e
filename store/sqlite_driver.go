package store

import (
	"errors"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The embedded SQLite driver is chosen here and only here: this file names it, spells the
// connection settings its way and recognises its "busy" error. Everything else in the store
// is plain database/sql.
//
// modernc.org/sqlite: pure Go (no cgo, so `go run` works on a machine without a C
// compiler).

// sqliteDriverName is the name the driver registers with database/sql.
const sqliteDriverName = "sqlite"

// sqliteParams are applied by the driver to every connection it opens, so a connection the
// pool replaces gets the same settings as the first one.
//
//   - busy_timeout comes first (the driver sorts it first): another process holding the write
//     lock makes us wait up to 5 s instead of failing at once with SQLITE_BUSY.
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

// sqliteDSN appends params to the file path or URI dsn.
func sqliteDSN(dsn string, params []string) string {
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + strings.Join(params, "&")
}

// sqliteBusy reports whether err is SQLite's SQLITE_BUSY: another connection holds the lock.
func sqliteBusy(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}
