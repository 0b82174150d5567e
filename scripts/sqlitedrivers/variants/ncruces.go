//go:build ignore

// This file replaces store/sqlite_driver.go when scripts/sqlitedrivers/compare.sh measures
// github.com/ncruces/go-sqlite3 (SQLite compiled to WebAssembly, then translated to Go by
// wasm2go: no cgo, no wazero).

package store

import (
	"errors"
	"net/url"
	"strings"

	"github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/driver"
)

const sqliteDriverName = "sqlite3"

var sqliteParams = []string{
	"_pragma=busy_timeout(5000)",
	"_pragma=journal_mode(WAL)",
	"_pragma=synchronous(NORMAL)",
	"_pragma=foreign_keys(1)",
	"_txlock=immediate",
}

// sqliteDSN: this driver reads settings only from a "file:" URI, so a plain path becomes one.
func sqliteDSN(dsn string, params []string) string {
	if !strings.HasPrefix(dsn, "file:") {
		path, query, _ := strings.Cut(dsn, "?")
		dsn = "file:" + (&url.URL{Path: path}).EscapedPath()
		if query != "" {
			dsn += "?" + query
		}
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + strings.Join(params, "&")
}

func sqliteBusy(err error) bool { return errors.Is(err, sqlite3.BUSY) }
