package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/store"
)

// BackupOptions are the flags of `ticketbot backup`.
type BackupOptions struct {
	// Config is the configuration file; only its [store] is read.
	Config string
	// To is the file the copy is written to; Force lets it replace an existing one.
	To    string
	Force bool
}

// Backup is `ticketbot backup`: a consistent copy of the SQLite database while serve goes on
// writing it. It returns 2 for bad flags and for PostgreSQL (whose copy is pg_dump's: the
// answer says how), 1 for a bad [store], a target that exists without --force, or a failed
// copy. A failed or refused backup leaves the target as it was.
func Backup(ctx context.Context, o BackupOptions, stdout, stderr io.Writer) int {
	fail := func(code int, msg string, args ...any) int {
		fmt.Fprintln(stderr, "ticketbot backup:", fmt.Sprintf(msg, args...))
		return code
	}
	if o.To == "" {
		return fail(2, "--to is required: the file to write the copy to, such as ticketbot-2026-11-21.db")
	}
	sc, errs := loadStoreConfig(o.Config)
	if len(errs) > 0 {
		printErrors(stderr, o.Config, errs)
		return 1
	}
	if sc.Driver == "postgres" {
		cmd, err := store.PgDumpCommand(sc.DSN.Reveal(), o.To)
		if err != nil {
			return fail(1, "%v", err)
		}
		return fail(2, "[store] is PostgreSQL; ticketbot copies only SQLite. Back it up with pg_dump, the password from PGPASSWORD or ~/.pgpass:\n  %s\nand restore it with pg_restore --clean --if-exists --dbname=… %s", cmd, o.To)
	}
	if err := sqliteFileExists(sc); err != nil {
		return fail(1, "%v", err)
	}
	to, err := filepath.Abs(o.To)
	if err != nil {
		return fail(1, "--to: %v", err)
	}
	if err := checkTarget(sc.DSN.Reveal(), to, o.Force); err != nil {
		return fail(1, "%v", err)
	}
	start := time.Now()
	size, err := writeBackup(ctx, sc.DSN.Reveal(), to, o.Force)
	if err != nil {
		return fail(1, "%v", err)
	}
	fmt.Fprintf(stdout, "ticketbot backup: wrote %s (%d bytes) in %s\n", to, size, time.Since(start).Round(time.Millisecond))
	return 0
}

// checkTarget refuses a target that is a directory, the live database itself (or its WAL),
// or, without force, any file that exists.
func checkTarget(dsn, to string, force bool) error {
	fi, err := os.Stat(to)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	if fi.IsDir() {
		return fmt.Errorf("--to: %s is a directory; name the file to write, such as %s", to, filepath.Join(to, "ticketbot.db"))
	}
	if src := sqlitePath(dsn); src != "" {
		for _, f := range []string{src, src + "-wal", src + "-shm"} {
			if si, err := os.Stat(f); err == nil && os.SameFile(si, fi) {
				return fmt.Errorf("--to: %s is the live database (%s); write the copy elsewhere", to, f)
			}
		}
	}
	if !force {
		return fmt.Errorf("%s exists; give --force to replace it", to)
	}
	return nil
}

// sqlitePath is the file of a SQLite DSN ("" for memory).
func sqlitePath(dsn string) string {
	p, _, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	if p == "" || strings.HasPrefix(p, ":memory:") {
		return ""
	}
	return p
}

// writeBackup copies the database to a temporary file beside to, syncs it and only then
// moves it into place, so to is never half written: without force by a hard link, which
// fails if to appeared meanwhile; with force by a rename over it. It returns the size.
func writeBackup(ctx context.Context, dsn, to string, force bool) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(to), "."+filepath.Base(to)+".tmp-*")
	if err != nil {
		return 0, fmt.Errorf("--to: %w", err)
	}
	name := tmp.Name()
	tmp.Close() // VACUUM INTO writes into an empty file
	defer os.Remove(name)
	if err := store.BackupSQLite(ctx, dsn, name); err != nil {
		return 0, err
	}
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	fi, err := f.Stat()
	if err == nil {
		err = f.Sync()
	}
	f.Close()
	if err != nil {
		return 0, fmt.Errorf("sync the copy: %w", err)
	}
	if force {
		err = os.Rename(name, to)
	} else if err = os.Link(name, to); errors.Is(err, fs.ErrExist) {
		return 0, fmt.Errorf("%s appeared while the copy was written; give --force to replace it", to)
	}
	if err != nil {
		return 0, fmt.Errorf("move the copy into place: %w", err)
	}
	if d, err := os.Open(filepath.Dir(to)); err == nil {
		d.Sync() // the new name survives a power cut too
		d.Close()
	}
	return fi.Size(), nil
}
