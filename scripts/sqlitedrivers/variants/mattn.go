//go:build ignore

// This file replaces store/sqlite_driver.go when scripts/sqlitedrivers/compare.sh measures
// github.com/mattn/go-sqlite3 (cgo: SQLite's C source compiled by the machine's C compiler).

package store

import (
	"errors"

	"github.com/mattn/go-sqlite3"
)

const sqliteDriverName = "sqlite3"

var sqliteParams = []string{
	"_busy_timeout=5000",
	"_journal_mode=WAL",
	"_synchronous=NORMAL",
	"_foreign_keys=1",
	"_txlock=immediate",
}

func sqliteBusy(err error) bool {
	var e sqlite3.Error
	return errors.As(err, &e) && e.Code == sqlite3.ErrBusy
}
