package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// SQL is the Store over database/sql: OpenSQLite builds one on SQLite (one replica, the
// embedded default) and OpenPostgres on PostgreSQL (several replicas). The statements use $N
// placeholders and standard upsert syntax, so both run the same ones.
type SQL struct {
	db *sql.DB
	// driver is "sqlite" or "postgres", for the few statements that differ.
	driver string
	// ack runs the statements of the ack path (the inbox's group commit): db itself, or on
	// SQLite a connection of its own.
	ack *sql.DB
	// enq writes concurrent EnqueueJob calls together (jobbatch.go).
	enq enqueuer
}

var _ Store = (*SQL)(nil)

// OpenSQLite opens (creating if needed) the SQLite database at dsn and brings its schema up
// to date. dsn is a file path ("ticketbot.db"), ":memory:", or a "file:" URI such as
// "file::memory:?cache=shared"; the connection settings are appended to it.
func OpenSQLite(ctx context.Context, dsn string) (*SQL, error) {
	if dsn == "" || strings.HasPrefix(dsn, "?") {
		// The driver would create a file named after the settings in the working directory.
		return nil, errors.New("store: open sqlite: no path (want a file such as ticketbot.db, or :memory:)")
	}
	db, err := sql.Open(sqliteDriverName, sqliteDSN(dsn, sqliteParams))
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	// One connection for the whole process. SQLite admits a single writer per file anyway, so
	// a larger pool buys little for a chat bot's load and costs correctness: concurrent
	// writers on separate connections can meet SQLITE_BUSY, and a ":memory:" database exists
	// only on the connection that created it. database/sql queues callers for the one
	// connection (honouring their contexts), which makes every statement and transaction
	// here serialized and race-free. Keep it forever so an in-memory database survives.
	// If reads ever become a bottleneck, add a separate read-only pool next to this writer.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)

	if err := pingUnlocked(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	if err := migrate(ctx, db, migrations); err != nil {
		db.Close()
		return nil, err
	}
	s := &SQL{db: db, driver: "sqlite", ack: db}
	if !strings.Contains(dsn, ":memory:") && !strings.Contains(dsn, "mode=memory") {
		// The inbox's group commit runs on the ack path: it gets a connection of its own, so
		// it waits for SQLite's write lock (one statement at most) rather than behind every
		// query the workers have queued for the one connection above.
		ack, err := sql.Open(sqliteDriverName, sqliteDSN(dsn, sqliteParams))
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		ack.SetMaxOpenConns(1)
		ack.SetMaxIdleConns(1)
		ack.SetConnMaxLifetime(0)
		ack.SetConnMaxIdleTime(0)
		s.ack = ack
	}
	return s, nil
}

// sqliteDSN appends the driver's params to dsn, a file path, ":memory:" or a "file:" URI. A
// plain path becomes a "file:" URI, the one form every SQLite driver reads settings from.
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

// pingUnlocked opens the first connection. Two processes opening one new file at once can
// meet SQLITE_BUSY while one of them switches it to WAL: busy_timeout does not cover that
// step, so the open is tried again for up to openBusyWait.
func pingUnlocked(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(openBusyWait)
	for {
		err := db.PingContext(ctx)
		if err == nil || !sqliteBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// openBusyWait bounds how long opening waits for another process's first open of the file.
const openBusyWait = 5 * time.Second

// Close releases the database.
func (s *SQL) Close() error {
	err := s.db.Close()
	if s.ack != nil && s.ack != s.db {
		err = errors.Join(err, s.ack.Close())
	}
	return err
}

// millis is how every time is stored: UTC unix milliseconds in a BIGINT column. Integers
// compare and index the same way in every database, and no driver reinterprets them.
func millis(t time.Time) int64 { return t.UnixMilli() }

// fromMillis is the inverse of millis; times come back in UTC, truncated to the millisecond.
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// need returns an error naming the first empty field; kv alternates names and values. Writes
// check their keys because an empty id would silently merge unrelated rows.
func need(op string, kv ...string) error {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			return fmt.Errorf("store: %s: empty %s", op, kv[i])
		}
	}
	return nil
}

// inTx runs fn in a transaction, committing if it returns nil and rolling back otherwise.
// Inside fn use only tx: the single pooled connection is taken by the transaction, so a call
// on s.db would wait for it forever.
func (s *SQL) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return inTx(ctx, s.db, fn)
}

// inTx runs fn in a transaction of db.
func inTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Ping checks the database answers, for /healthz.
func (s *SQL) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }
