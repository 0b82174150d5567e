package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// PoolOptions bound the PostgreSQL connections of one replica. The zero value takes the
// defaults below.
type PoolOptions struct {
	// MaxConns is the most connections this replica opens (10): enough for the workers, the
	// engine and the watcher at once, few enough that several replicas stay far below the
	// server's max_connections (100 by default).
	MaxConns int
	// StatementTimeout ends any one statement that runs longer (5s): a lock held by a stuck
	// replica then fails a request quickly (a webhook answers 503 and the platform
	// redelivers) instead of holding a worker.
	StatementTimeout time.Duration
	// ConnectTimeout bounds opening one connection (5s), so a database that is down makes
	// the start fail with its reason, not hang.
	ConnectTimeout time.Duration
}

// Defaults of PoolOptions.
const (
	DefaultMaxConns         = 10
	DefaultStatementTimeout = 5 * time.Second
	DefaultConnectTimeout   = 5 * time.Second
)

func (o PoolOptions) withDefaults() PoolOptions {
	if o.MaxConns <= 0 {
		o.MaxConns = DefaultMaxConns
	}
	if o.StatementTimeout <= 0 {
		o.StatementTimeout = DefaultStatementTimeout
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	return o
}

// OpenPostgres opens the PostgreSQL database at dsn ("postgres://user@host:5432/db" or
// "host=… dbname=…") and brings its schema up to date: the same schema and migrations as
// SQLite, applied once under a lock whichever replica starts first. Several replicas share
// one database; every guarantee that matters across them (delivery ids, claims, leases) is a
// unique key or a conditional update in it, never process memory.
//
// An unreachable database is an error naming the host and the reason, never the password.
func OpenPostgres(ctx context.Context, dsn string, o PoolOptions) (*SQL, error) {
	db, err := connectPostgres(ctx, dsn, o)
	if err != nil {
		return nil, err
	}
	if err := migratePostgres(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return &SQL{db: db, driver: "postgres", ack: db}, nil
}

// PingPostgres checks that the database at dsn answers, changing nothing (`ticketbot check`).
func PingPostgres(ctx context.Context, dsn string, o PoolOptions) error {
	db, err := connectPostgres(ctx, dsn, o)
	if err != nil {
		return err
	}
	return db.Close()
}

// ErrPostgresDSN is the answer to a DSN that does not parse; pgx's own error can quote the
// DSN, password included, so it is not passed on.
var ErrPostgresDSN = errors.New("store: postgres dsn does not parse (want postgres://user@host:5432/dbname)")

// CheckPostgresDSN reports whether dsn parses as a PostgreSQL connection string.
func CheckPostgresDSN(dsn string) error {
	if _, err := pgx.ParseConfig(dsn); err != nil {
		return ErrPostgresDSN
	}
	return nil
}

// connectPostgres opens the pool and its first connection.
func connectPostgres(ctx context.Context, dsn string, o PoolOptions) (*sql.DB, error) {
	o = o.withDefaults()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, ErrPostgresDSN
	}
	if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > o.ConnectTimeout {
		cfg.ConnectTimeout = o.ConnectTimeout
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	if _, set := cfg.RuntimeParams["statement_timeout"]; !set {
		cfg.RuntimeParams["statement_timeout"] = strconv.FormatInt(o.StatementTimeout.Milliseconds(), 10)
	}
	cfg.RuntimeParams["application_name"] = "ticketbot"
	where := fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)

	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(o.MaxConns)
	db.SetMaxIdleConns(o.MaxConns)
	// Connections are renewed now and then, so a failover or a restarted server behind the
	// same address is picked up without a restart of ours.
	db.SetConnMaxLifetime(30 * time.Minute)
	db.SetConnMaxIdleTime(5 * time.Minute)

	pctx, cancel := context.WithTimeout(ctx, o.ConnectTimeout+time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: cannot reach PostgreSQL at %s: %s", where, pgReason(err))
	}
	return db, nil
}

// migrationLockKey names the advisory lock the replicas take to migrate: one of them applies
// the missing steps while the others wait, then find nothing left to do. It is scoped to
// the schema, so databases that hold several ticketbots (tests do) do not wait for each other.
const sqlMigrationLock = `SELECT pg_advisory_lock(hashtext('ticketbot.migrate.' || current_schema()))`
const sqlMigrationUnlock = `SELECT pg_advisory_unlock(hashtext('ticketbot.migrate.' || current_schema()))`

// migratePostgres applies the migrations on one connection that holds the migration lock.
func migratePostgres(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close()
	// The lock waits for another replica's migration, which may take longer than one
	// statement may: lift the statement timeout for this connection's wait.
	if _, err := conn.ExecContext(ctx, `SET statement_timeout = 0`); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `RESET statement_timeout`)
	if _, err := conn.ExecContext(ctx, sqlMigrationLock); err != nil {
		return fmt.Errorf("store: migrate: take the lock: %w", err)
	}
	// An advisory lock belongs to the session: released here, or by the server when the
	// connection dies.
	defer conn.ExecContext(context.WithoutCancel(ctx), sqlMigrationUnlock)
	return migrateDialect(ctx, conn, migrations, postgresDDL)
}

// postgresDDL rewrites the few words of the schema PostgreSQL spells differently.
func postgresDDL(stmt string) string {
	return strings.ReplaceAll(stmt, " BLOB", " BYTEA")
}

// pgReason is the reason a connection failed, without the DSN pgx puts in front of it.
func pgReason(err error) string {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) && ce.Unwrap() != nil {
		err = ce.Unwrap()
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return fmt.Sprintf("%s (SQLSTATE %s)", pe.Message, pe.Code)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "no answer in time"
	}
	return err.Error()
}
