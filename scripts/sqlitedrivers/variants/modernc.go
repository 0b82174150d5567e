//go:build ignore

// This file replaces store/sqlite_driver.go when scripts/sqlitedrivers/compare.sh measures
// modernc.org/sqlite (SQLite's C translated to Go by ccgo; ticketbot's driver until it was
// measured against the others).

package store

import (
	"errors"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

const sqliteDriverName = "sqlite"

var sqliteParams = []string{
	"_pragma=busy_timeout(5000)",
	"_pragma=journal_mode(WAL)",
	"_pragma=synchronous(NORMAL)",
	"_pragma=foreign_keys(1)",
	"_txlock=immediate",
}

func sqliteBusy(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}
