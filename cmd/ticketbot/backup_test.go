package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/store"
)

// TestBackup: the copy of the audit fixture's database opens and holds its rows; an
// existing file is replaced only with --force; a refused backup changes nothing and leaves
// no temporary file behind.
func TestBackup(t *testing.T) {
	cfg, entries := auditFixture(t)
	live := filepath.Join(filepath.Dir(cfg), "audit.db")
	for _, tc := range []struct {
		name     string
		existing string // what --to holds before; "" for no file
		args     []string
		code     int
		stderr   string
	}{
		{"new file", "", nil, 0, ""},
		{"existing file refused", "keep me", nil, 1, "exists; give --force to replace it"},
		{"existing file replaced with --force", "old copy", []string{"--force"}, 0, ""},
		{"--force on a new file", "", []string{"--force"}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			to := filepath.Join(dir, "copy.db")
			if tc.existing != "" {
				if err := os.WriteFile(to, []byte(tc.existing), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			out, errOut, code := runCLI(append([]string{"backup", "--config", cfg, "--to", to}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, errOut)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
			if tc.code != 0 {
				if out != "" || !strings.Contains(errOut, tc.stderr) {
					t.Errorf("stdout %q; stderr %q lacks %q", out, errOut, tc.stderr)
				}
				if b, _ := os.ReadFile(to); string(b) != tc.existing {
					t.Errorf("--to now holds %q; want it unchanged", b)
				}
				return
			}
			if errOut != "" || !strings.HasPrefix(out, "ticketbot backup: wrote "+to+" (") || !strings.Contains(out, " bytes) in ") {
				t.Errorf("stdout %q, stderr %q", out, errOut)
			}
			st, err := store.OpenSQLite(context.Background(), to)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			got, err := st.Audit(context.Background(), time.Unix(0, 0), time.Now().Add(time.Hour))
			if err != nil || len(got) != len(entries) {
				t.Errorf("the copy holds %d audit entries (%v); want %d", len(got), err, len(entries))
			}
		})
	}
	t.Run("the live database itself", func(t *testing.T) {
		before, _ := os.ReadFile(live)
		_, errOut, code := runCLI("backup", "--config", cfg, "--to", live, "--force")
		if code != 1 || !strings.Contains(errOut, "is the live database") {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
		if after, _ := os.ReadFile(live); string(after) != string(before) {
			t.Error("the live database changed")
		}
	})
}

// TestBackupRefusals: bad input gets a sentence and creates nothing.
func TestBackupRefusals(t *testing.T) {
	cfg, _ := auditFixture(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no --to", []string{"--config", cfg}, 2, "--to is required"},
		{"--to a directory", []string{"--config", cfg, "--to", dir, "--force"}, 1, "is a directory"},
		{"--to in a missing directory", []string{"--config", cfg, "--to", filepath.Join(dir, "no", "x.db")}, 1, "no such file or directory"},
		{"missing database", []string{"--config", writeConfig(t, "[store]\ndsn = \""+filepath.Join(dir, "typo.db")+"\"\n"),
			"--to", filepath.Join(dir, "x.db")}, 1, "typo.db does not exist"},
		{"bad [store]", []string{"--config", writeConfig(t, "[store]\ndriver = \"mysql\"\n"), "--to", filepath.Join(dir, "x.db")},
			1, `store.driver: unknown driver "mysql"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCLI(append([]string{"backup"}, tc.args...)...)
			if code != tc.code || out != "" || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("exit %d (want %d), stdout %q; stderr %q lacks %q", code, tc.code, out, errOut, tc.stderr)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused backups left %v", entries)
	}
}

// TestBackupPostgres: ticketbot does not copy PostgreSQL; it says how pg_dump does, with the
// host and database of the DSN and never its password, and connects to nothing.
func TestBackupPostgres(t *testing.T) {
	t.Setenv("BACKUP_TEST_PG_DSN", "postgres://ticketbot:pg-s3cret@db.internal:5433/tickets?sslmode=require")
	for _, dsn := range []string{"${BACKUP_TEST_PG_DSN}", "host=db.internal port=5433 user=ticketbot password=pg-s3cret dbname=tickets"} {
		t.Run(dsn, func(t *testing.T) {
			cfg := writeConfig(t, "[store]\ndriver = \"postgres\"\ndsn = \""+dsn+"\"\n")
			out, errOut, code := runCLI("backup", "--config", cfg, "--to", "tickets.dump")
			if code != 2 || out != "" {
				t.Fatalf("exit %d (want 2), stdout %q, stderr %q", code, out, errOut)
			}
			want := "pg_dump --host=db.internal --port=5433 --username=ticketbot --dbname=tickets --format=custom --file=tickets.dump"
			if !strings.Contains(errOut, want) || !strings.Contains(errOut, "pg_restore") {
				t.Errorf("stderr %q lacks %q and pg_restore", errOut, want)
			}
			if strings.Contains(errOut, "pg-s3cret") {
				t.Errorf("the password is in %q", errOut)
			}
		})
	}
}
