package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ErrBackupUnsupported is Backup's answer on PostgreSQL: its server has its own tools
// (pg_dump, pg_basebackup), and a copy made through one client connection would be neither
// faster nor more consistent than theirs.
var ErrBackupUnsupported = errors.New("store: backup: PostgreSQL is backed up with pg_dump, not by ticketbot")

// Backup writes a consistent copy of the SQLite database to path, a file that must not
// exist yet (SQLite refuses to overwrite one). It uses VACUUM INTO, which reads the database
// in one read transaction: in WAL mode writers go on meanwhile, and the copy holds exactly
// what was committed when it began, compacted, with its WAL folded in, so it opens on its own.
func (s *SQL) Backup(ctx context.Context, path string) error {
	if s.driver != "sqlite" {
		return ErrBackupUnsupported
	}
	if path == "" {
		return errors.New("store: backup: no target path")
	}
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO $1`, path); err != nil {
		return fmt.Errorf("store: backup to %s: %w", path, err)
	}
	return nil
}

// BackupSQLite copies the SQLite database at dsn to path (see Backup) without opening it as
// a store: it runs no migration, so an operator who takes a backup with a newer binary
// before upgrading gets the database as the running server left it, not a migrated one.
// The file must exist and hold a ticketbot schema.
func BackupSQLite(ctx context.Context, dsn, path string) error {
	if dsn == "" || strings.Contains(dsn, ":memory:") || strings.Contains(dsn, "mode=memory") {
		return errors.New("store: backup: the database is in memory; there is no file to copy")
	}
	if !strings.HasPrefix(dsn, "file:") {
		// Opening a missing file would create an empty one.
		p, _, _ := strings.Cut(dsn, "?")
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("store: backup: %w", err)
		}
	}
	// Only the wait for a writer's lock; journal_mode and the rest are the file's already,
	// and a backup must not change them.
	db, err := sql.Open(sqliteDriverName, sqliteDSN(dsn, sqliteParams[:1]))
	if err != nil {
		return fmt.Errorf("store: backup: open: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'schema_migrations'`).Scan(&n); err != nil {
		return fmt.Errorf("store: backup: read %s: %w", dsn, err)
	}
	if n == 0 {
		return fmt.Errorf("store: backup: %s holds no ticketbot database (no schema_migrations table)", dsn)
	}
	return (&SQL{db: db, driver: "sqlite", ack: db}).Backup(ctx, path)
}

// PgDumpCommand is the pg_dump command line that backs up the PostgreSQL database at dsn to
// file, in pg_dump's custom format (pg_restore reads it): host, port, user, database and, if
// the DSN sets one, the search_path's schema, never the password (pg_dump takes it from
// PGPASSWORD or ~/.pgpass).
func PgDumpCommand(dsn, file string) (string, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return "", ErrPostgresDSN
	}
	args := []string{"pg_dump", "--host=" + shellQuote(cfg.Host), "--port=" + strconv.Itoa(int(cfg.Port))}
	if cfg.User != "" {
		args = append(args, "--username="+shellQuote(cfg.User))
	}
	args = append(args, "--dbname="+shellQuote(cfg.Database))
	if sp := cfg.RuntimeParams["search_path"]; sp != "" && !strings.Contains(sp, ",") {
		args = append(args, "--schema="+shellQuote(sp))
	}
	return strings.Join(append(args, "--format=custom", "--file="+shellQuote(file)), " "), nil
}

// shellQuote quotes s for a POSIX shell when it holds anything but plain characters.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%_+=:,./-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
