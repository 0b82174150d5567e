package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// auditConfig is the least configuration that validates: one platform, one provider, dummy
// values; [store] dsn is filled in.
const auditConfig = `
[store]
driver = "sqlite"
dsn = %q
[feishu]
mode = "websocket"
app_id = "cli_audit"
app_secret = "dummy-secret"
[providers.ksyun]
app_id = "ks-app"
app_secret = "dummy-secret"
customer_organization_id = 1
customer_organization_name = "北京金山云网络技术有限公司"
repository_product_id = 36
creator_id = 1
creator_name = "测试"
`

func shanghai(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02T15:04:05.000", s, providers.Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// auditFixture records a few entries, deliberately out of order, and returns the path of a
// configuration pointing at them with the entries by name.
func auditFixture(t *testing.T) (string, map[string]store.AuditEntry) {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "audit.db")
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string]store.AuditEntry{
		"old": {At: shanghai("2025-10-31T23:59:59.999"), Platform: "feishu", ChatID: "oc_1", UserID: "ou_old",
			UserName: "王五", Command: "list", Provider: "ksyun", RequestIDs: []string{}, Result: "ok"},
		"formula": {At: shanghai("2025-11-01T00:00:00.000"), Platform: "feishu", ChatID: "oc_1", UserID: "ou_1",
			UserName: `=HYPERLINK("http://evil.example","点我")`, Command: "create", Provider: "ksyun", TicketID: "1001",
			RequestIDs: []string{"req-a"}, Result: "ok", Detail: "-1 额度不足"},
		"two-ids": {At: shanghai("2025-11-02T10:30:00.123"), Platform: "wecom", ChatID: "wr_2", UserID: "zhangsan",
			UserName: "张三", Command: "reply", Provider: "aliyun", TicketID: "A-77", RequestID: "00c0ffee00c0ffee",
			RequestIDs: []string{"req-1", "req-2"}, Result: "ok", Detail: "回复成功, \"已处理\""},
		"last-in": {At: shanghai("2025-11-21T17:59:59.999"), Platform: "feishu", ChatID: "oc_1", UserID: "ou_3",
			UserName: "李四", Command: "close", Provider: "ksyun", TicketID: "1002", RequestIDs: []string{},
			Result: "denied", Detail: "@all 不可用"},
		"at-until": {At: shanghai("2025-11-21T18:00:00.000"), Platform: "feishu", ChatID: "oc_1", UserID: "ou_4",
			UserName: "赵六", Command: "urge", Provider: "ksyun", TicketID: "1003", RequestIDs: []string{}, Result: "failed"},
		"recent": {At: time.Now().Add(-10 * time.Minute).Truncate(time.Millisecond), Platform: "wecom", ChatID: "wr_2",
			UserID: "qianqi", UserName: "钱七", Command: "show", Provider: "weiban", TicketID: "W9", RequestIDs: []string{},
			Result: "ok"},
	}
	for _, name := range []string{"recent", "two-ids", "at-until", "old", "last-in", "formula"} {
		if err := st.RecordAudit(ctx, entries[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, auditConfig, db), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg, entries
}

func TestAuditCSV(t *testing.T) {
	cfg, _ := auditFixture(t)
	header := []string{"at", "platform", "chat_id", "user_id", "user_name", "command", "provider", "ticket_id",
		"request_ids", "result", "detail", "request_id"}
	rows := map[string][]string{
		"old": {"2025-10-31T23:59:59+08:00", "feishu", "oc_1", "ou_old", "王五", "list", "ksyun", "", "", "ok", "", ""},
		"formula": {"2025-11-01T00:00:00+08:00", "feishu", "oc_1", "ou_1", `'=HYPERLINK("http://evil.example","点我")`,
			"create", "ksyun", "1001", "req-a", "ok", "'-1 额度不足", ""},
		"two-ids": {"2025-11-02T10:30:00+08:00", "wecom", "wr_2", "zhangsan", "张三", "reply", "aliyun", "A-77",
			"req-1;req-2", "ok", "回复成功, \"已处理\"", "00c0ffee00c0ffee"},
		"last-in": {"2025-11-21T17:59:59+08:00", "feishu", "oc_1", "ou_3", "李四", "close", "ksyun", "1002", "",
			"denied", "'@all 不可用", ""},
		"at-until": {"2025-11-21T18:00:00+08:00", "feishu", "oc_1", "ou_4", "赵六", "urge", "ksyun", "1003", "",
			"failed", "", ""},
	}
	for _, tc := range []struct {
		name string
		args []string
		want []string // fixture names, in order
	}{
		{"range", []string{"--since", "2025-11-01", "--until", "2025-11-21T18:00"}, []string{"formula", "two-ids", "last-in"}},
		{"default format is csv", []string{"--since", "2025-10-01", "--until", "2025-11-02"}, []string{"old", "formula"}},
		{"since excludes older", []string{"--since", "2025-11-01T00:00:00.001+08:00", "--until", "2025-12-01", "--format", "csv"},
			[]string{"two-ids", "last-in", "at-until"}},
		{"until excludes newer", []string{"--since", "2025-10-31T23:59:59", "--until", "2025-11-21T17:59:59"},
			[]string{"old", "formula", "two-ids"}},
		{"utc since", []string{"--since", "2025-11-21T09:59:59Z", "--until", "2025-11-22"}, []string{"last-in", "at-until"}},
		{"nothing in range", []string{"--since", "2024-01-01", "--until", "2024-02-01"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"--config", cfg}, tc.args...)
			if code := run(append([]string{"audit"}, args...), &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			got, err := csv.NewReader(&out).ReadAll()
			if err != nil {
				t.Fatalf("csv: %v", err)
			}
			want := [][]string{header}
			for _, name := range tc.want {
				want = append(want, rows[name])
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("csv rows:\n got %q\nwant %q", got, want)
			}
		})
	}
}

func TestAuditJSON(t *testing.T) {
	cfg, entries := auditFixture(t)
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"range", []string{"--since", "2025-11-01", "--until", "2025-11-21T18:00"}, []string{"formula", "two-ids", "last-in"}},
		{"since as a duration, until now", []string{"--since", "1h"}, []string{"recent"}},
		{"empty is an array", []string{"--since", "2024-01-01", "--until", "2024-02-01"}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"--config", cfg, "--format", "json"}, tc.args...)
			if code := run(append([]string{"audit"}, args...), &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			var got []store.AuditEntry
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Fatalf("json: %v\n%s", err, out.String())
			}
			if got == nil {
				t.Fatalf("want a JSON array, got %s", out.String())
			}
			want := []store.AuditEntry{}
			for _, name := range tc.want {
				want = append(want, entries[name])
			}
			// Locations differ (+08:00 parsed back versus the fixture's zone): compare instants.
			for _, list := range [][]store.AuditEntry{got, want} {
				for i := range list {
					list[i].At = list[i].At.UTC()
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("entries:\n got %+v\nwant %+v", got, want)
			}
			if len(want) > 0 && !strings.Contains(out.String(), `+08:00"`) {
				t.Errorf("times should be in Asia/Shanghai:\n%s", out.String())
			}
		})
	}
}

func TestAuditUsageErrors(t *testing.T) {
	cfg, _ := auditFixture(t)
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.toml")
	noDB, typoDB := filepath.Join(dir, "nodb.toml"), filepath.Join(dir, "typo.db")
	if err := os.WriteFile(noDB, fmt.Appendf(nil, auditConfig, typoDB), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		stderr  string
		oneLine bool
	}{
		{"bad since", []string{"--config", cfg, "--since", "yesterday"}, 2, "--since", true},
		{"negative duration", []string{"--config", cfg, "--since", "-24h"}, 2, "negative", true},
		{"bad until", []string{"--config", cfg, "--since", "24h", "--until", "2025-13-01"}, 2, "--until", true},
		{"missing since", []string{"--config", cfg}, 2, "--since is required", true},
		{"unknown format", []string{"--config", cfg, "--since", "24h", "--format", "xml"}, 2, "--format", true},
		// A flag the command does not have, or an argument, is followed by the usage.
		{"unknown flag", []string{"--config", cfg, "--since", "24h", "--colour"}, 2, "-colour\n\nusage: ticketbot audit", false},
		{"stray argument", []string{"--config", cfg, "--since", "24h", "now"}, 2, "unexpected argument \"now\"\n\nusage: ticketbot audit", false},
		{"until before since", []string{"--config", cfg, "--since", "2025-11-02", "--until", "2025-11-01"}, 2, "later", true},
		{"usage errors come before the config", []string{"--config", missing, "--since", "soon"}, 2, "--since", true},
		{"missing config", []string{"--config", missing, "--since", "24h"}, 1, "missing.toml", false},
		{"missing database", []string{"--config", noDB, "--since", "24h"}, 1, "does not exist", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(append([]string{"audit"}, tc.args...), &out, &errOut); code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, errOut.String())
			}
			if out.Len() != 0 {
				t.Errorf("stdout should be empty, got %q", out.String())
			}
			msg := errOut.String()
			if !strings.Contains(msg, tc.stderr) {
				t.Errorf("stderr %q lacks %q", msg, tc.stderr)
			}
			if tc.oneLine && strings.Count(msg, "\n") != 1 {
				t.Errorf("want a one-line error, got %q", msg)
			}
		})
	}
}

func TestAuditMissingDatabaseIsNotCreated(t *testing.T) {
	dir := t.TempDir()
	cfg, db := filepath.Join(dir, "c.toml"), filepath.Join(dir, "typo.db")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, auditConfig, db), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(append([]string{"audit"}, []string{"--config", cfg, "--since", "24h"}...), &out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errOut.String())
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("audit created the missing database %s", db)
	}
}

func TestAuditThroughRun(t *testing.T) {
	cfg, _ := auditFixture(t)
	var out, errOut bytes.Buffer
	if code := run([]string{"audit", "--config", cfg, "--since", "2025-11-02", "--until", "2025-11-03"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.HasPrefix(out.String(), "at,platform,") || !strings.Contains(out.String(), "req-1;req-2") {
		t.Errorf("output:\n%s", out.String())
	}
	out.Reset()
	if code := run([]string{"help"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "ticketbot audit --config FILE --since WHEN") {
		t.Errorf("usage lacks audit: %d\n%s", code, out.String())
	}
	out.Reset()
	if code := run([]string{"audit", "-h"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "-since") {
		t.Errorf("audit -h: %d\n%s", code, out.String())
	}
}

// TestAuditNeedsOnlyTheStore: audit reads the local database, so [store] is all it reads; a
// platform's or vendor's unset secret or placeholder does not stop it, and a problem in
// [store] still does.
func TestAuditNeedsOnlyTheStore(t *testing.T) {
	cfg, _ := auditFixture(t)
	db := filepath.Join(filepath.Dir(cfg), "audit.db")
	unsetEnv(t, "AUDIT_UNSET_FEISHU_SECRET", "AUDIT_UNSET_KSYUN_SECRET")
	for _, tc := range []struct {
		name   string
		text   string
		code   int
		stderr string
	}{
		{"only [store]", "[store]\ndsn = %q\n", 0, ""},
		{"other sections unusable", `[store]
dsn = %q
[feishu]
app_id = "cli_xxx"
app_secret = "${AUDIT_UNSET_FEISHU_SECRET}"
colour = 1
[providers.ksyun]
app_secret = "${AUDIT_UNSET_KSYUN_SECRET}"
[providers.jira]
`, 0, ""},
		{"a typo in [store]", "[store]\ndns = %q\n", 1, "store.dns: unknown key (did you mean dsn?)"},
		{"a bad driver", "[store]\ndriver = \"mysql\"\ndsn = %q\n", 1, `store.driver: unknown driver "mysql"`},
		{"an unset variable in [store]", "[store]\ndsn = \"${AUDIT_UNSET_FEISHU_SECRET}\" # %s\n", 1,
			"store.dsn: environment variable AUDIT_UNSET_FEISHU_SECRET is not set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, fmt.Sprintf(tc.text, db))
			out, errOut, code := runCLI("audit", "--config", path, "--since", "2025-11-02", "--until", "2025-11-03")
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, errOut)
			}
			if tc.code == 0 {
				if errOut != "" || !strings.Contains(out, "req-1;req-2") {
					t.Errorf("stdout %q, stderr %q", out, errOut)
				}
				return
			}
			if out != "" || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("stdout %q; stderr %q lacks %q", out, errOut, tc.stderr)
			}
		})
	}
}

// unsetEnv removes variables for the test and restores them after.
func unsetEnv(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		t.Setenv(n, "") // registers the restore
		os.Unsetenv(n)
	}
}

// writeConfig writes a configuration file for one test.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
