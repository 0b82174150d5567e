package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/tickets"
)

// reportConfig is a configuration whose [store] names the fixture and whose [bot] may set the
// time zone (%s: a timezone line or nothing); the platform's secret is unset on purpose: the
// export reads only [store] and [bot].
const reportConfig = `
[store]
driver = "sqlite"
dsn = %q
[bot]
default_provider = "ksyun"
%s
[feishu]
mode = "websocket"
app_id = "cli_report"
app_secret = "${TICKETBOT_TEST_REPORT_UNSET}"
[providers.ksyun]
app_id = "ks-app"
app_secret = "dummy-secret"
customer_organization_id = 1
customer_organization_name = "北京金山云网络技术有限公司"
repository_product_id = 36
creator_id = 1
creator_name = "测试"
`

// reportFixture records a week as the bot does (the ticket book, on a clock), in Shanghai:
//
//	ksyun:1  oc_a, opened Mon 23rd 10:00, the vendor's first reply 11:20, closed by the bot Tue 10:00
//	ksyun:2  oc_a, opened Tue 09:00, waiting on us since Wed 10:00
//	aliyun:7 oc_b, opened Wed 08:00 (a title a spreadsheet would run), answered 08:30, waiting on us since Thu 08:00
//
// and returns a configuration for it; zone is a [bot] timezone line, or "".
func reportFixture(t *testing.T, zone string) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "report.db")
	st, err := store.OpenSQLite(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	at := func(dd, hh, mm int) time.Time { return time.Date(2026, 11, dd, hh, mm, 0, 0, providers.Shanghai) }
	clock := at(23, 10, 0)
	b := tickets.New(st, func() time.Time { return clock })
	remember := func(tk providers.Ticket, chat string) {
		t.Helper()
		if err := b.Remember(ctx, tk, "feishu:ou_1", true); err != nil {
			t.Fatal(err)
		}
		if chat != "" {
			if err := st.Follow(ctx, store.Follow{Platform: "feishu", ChatID: chat, Provider: tk.Provider, TicketID: tk.ID, CreatedAt: clock}); err != nil {
				t.Fatal(err)
			}
		}
	}
	observe := func(tk providers.Ticket) {
		t.Helper()
		prev, err := b.State(ctx, tk.Provider, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := b.Advance(ctx, prev, b.Observed(prev, tk), nil); err != nil || !ok {
			t.Fatalf("advance: %v %v", ok, err)
		}
	}
	k1 := providers.Ticket{Provider: "ksyun", ID: "1", Title: "数据库连接超时", Status: providers.StatusOpen, CreatedAt: clock}
	remember(k1, "oc_a")
	clock = at(23, 11, 30)
	k1.Status, k1.LatestNote = providers.StatusInProgress, &providers.Note{ID: "n1", Official: true, At: at(23, 11, 20)}
	observe(k1)
	clock = at(24, 10, 0)
	k1.Status = providers.StatusClosed
	remember(k1, "")

	clock = at(24, 9, 0)
	k2 := providers.Ticket{Provider: "ksyun", ID: "2", Title: "磁盘告警, \"满\"", Status: providers.StatusOpen, CreatedAt: clock}
	remember(k2, "oc_a")
	clock = at(25, 10, 5)
	k2.Status, k2.UpdatedAt = providers.StatusWaitingOnUs, at(25, 10, 0)
	observe(k2)

	clock = at(25, 8, 0)
	a7 := providers.Ticket{Provider: "aliyun", ID: "7", Title: `=HYPERLINK("http://evil.example","点我")`, Status: providers.StatusOpen, CreatedAt: clock}
	remember(a7, "oc_b")
	clock = at(25, 8, 40)
	a7.Status, a7.LatestNote = providers.StatusInProgress, &providers.Note{ID: "m1", Official: true, At: at(25, 8, 30)}
	observe(a7)
	clock = at(26, 8, 0)
	a7.Status, a7.UpdatedAt = providers.StatusWaitingOnUs, time.Time{}
	observe(a7)

	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, reportConfig, db, zone), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// `ticketbot report` writes the figures exactly: every ticket, or one chat's; CSV (spreadsheet
// formulas defused) and JSON; dates read and written in [bot] timezone.
func TestReportExport(t *testing.T) {
	cfg := reportFixture(t, "")
	header := "section,vendor,opened,closed,waiting_on_us,first_reply_tickets,first_reply_median_seconds,first_reply_p90_seconds," +
		"close_tickets,close_median_seconds,close_p90_seconds,ticket_id,title,waiting_since,waiting_seconds\n"
	week := []string{"--since", "2026-11-23", "--until", "2026-11-30"}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"every ticket, csv by default", week, header +
			"vendor,aliyun,1,0,1,1,1800,1800,0,,,,,,\n" +
			"vendor,ksyun,2,1,1,1,4800,4800,1,86400,86400,,,,\n" +
			"total,,3,1,2,2,3300,4800,1,86400,86400,,,,\n" +
			"waiting,ksyun,,,,,,,,,,2,\"磁盘告警, \"\"满\"\"\",2026-11-25T10:00:00+08:00,396000\n" +
			"waiting,aliyun,,,,,,,,,,7,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"点我\"\")\",2026-11-26T08:00:00+08:00,316800\n"},
		{"one chat's", append([]string{"--chat", "feishu:oc_a", "--format", "csv"}, week...), header +
			"vendor,ksyun,2,1,1,1,4800,4800,1,86400,86400,,,,\n" +
			"total,,2,1,1,1,4800,4800,1,86400,86400,,,,\n" +
			"waiting,ksyun,,,,,,,,,,2,\"磁盘告警, \"\"满\"\"\",2026-11-25T10:00:00+08:00,396000\n"},
		{"a chat that follows nothing", append([]string{"--chat", "wecom:oc_a"}, week...), header +
			"total,,0,0,0,0,,,0,,,,,,\n"},
		{"json", append([]string{"--format", "json", "--chat", "feishu:oc_a"}, week...), `{
  "since": "2026-11-23T00:00:00+08:00",
  "until": "2026-11-30T00:00:00+08:00",
  "scope": "feishu:oc_a",
  "vendors": [
    {
      "vendor": "ksyun",
      "opened": 2,
      "closed": 1,
      "waiting_on_us": 1,
      "first_reply": {
        "tickets": 1,
        "median_seconds": 4800,
        "p90_seconds": 4800
      },
      "close": {
        "tickets": 1,
        "median_seconds": 86400,
        "p90_seconds": 86400
      }
    }
  ],
  "total": {
    "opened": 2,
    "closed": 1,
    "waiting_on_us": 1,
    "first_reply": {
      "tickets": 1,
      "median_seconds": 4800,
      "p90_seconds": 4800
    },
    "close": {
      "tickets": 1,
      "median_seconds": 86400,
      "p90_seconds": 86400
    }
  },
  "waiting_on_us": [
    {
      "vendor": "ksyun",
      "ticket_id": "2",
      "title": "磁盘告警, \"满\"",
      "since": "2026-11-25T10:00:00+08:00",
      "seconds": 396000
    }
  ]
}
`},
		{"json of an empty window", []string{"--format", "json", "--since", "2026-11-01", "--until", "2026-11-08"}, `{
  "since": "2026-11-01T00:00:00+08:00",
  "until": "2026-11-08T00:00:00+08:00",
  "scope": "all",
  "vendors": [],
  "total": {
    "opened": 0,
    "closed": 0,
    "waiting_on_us": 0,
    "first_reply": {
      "tickets": 0,
      "median_seconds": null,
      "p90_seconds": null
    },
    "close": {
      "tickets": 0,
      "median_seconds": null,
      "p90_seconds": null
    }
  },
  "waiting_on_us": []
}
`},
		// Until Thu 26th 08:00 exactly: aliyun:7 began waiting then, not before.
		{"until a time", []string{"--since", "2026-11-23", "--until", "2026-11-26T08:00", "--chat", "feishu:oc_b"}, header +
			"vendor,aliyun,1,0,0,1,1800,1800,0,,,,,,\n" +
			"total,,1,0,0,1,1800,1800,0,,,,,,\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(append([]string{"report", "-config", cfg}, tc.args...), &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			if got := out.String(); got != tc.want {
				t.Errorf("output:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// The window's dates are read and written in [bot] timezone: from 2026-11-23T03:00 in UTC,
// ksyun:1 was opened before (10:00 in Shanghai is 02:00 UTC), answered after (03:20 UTC).
// The usage lists the command.
func TestReportReadsTheBotsTimeZone(t *testing.T) {
	cfg := reportFixture(t, `timezone = "UTC"`)
	var out, errOut bytes.Buffer
	if code := run([]string{"report", "--config", cfg, "--since", "2026-11-23T03:00", "--until", "2026-11-30", "--chat", "feishu:oc_a"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "\ntotal,,1,1,1,1,4800,4800,1,86400,86400,,,,\n") ||
		!strings.Contains(out.String(), ",2026-11-25T02:00:00Z,") {
		t.Errorf("output:\n%s", out.String())
	}
	out.Reset()
	if code := run([]string{"help"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "ticketbot report --config FILE --since WHEN") {
		t.Errorf("usage lacks report: %d\n%s", code, out.String())
	}
}

func TestReportUsageErrors(t *testing.T) {
	cfg := reportFixture(t, "")
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.toml")
	noDB, badZone := filepath.Join(dir, "nodb.toml"), filepath.Join(dir, "zone.toml")
	if err := os.WriteFile(noDB, fmt.Appendf(nil, reportConfig, filepath.Join(dir, "typo.db"), ""), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(badZone, fmt.Appendf(nil, reportConfig, filepath.Join(dir, "typo.db"), `timezone = "Mars/Base"`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"missing since", []string{"--config", cfg}, 2, "--since is required"},
		{"bad since", []string{"--config", cfg, "--since", "last monday"}, 2, "--since"},
		{"bad until", []string{"--config", cfg, "--since", "168h", "--until", "2026-13-01"}, 2, "--until"},
		{"until before since", []string{"--config", cfg, "--since", "2026-11-30", "--until", "2026-11-23"}, 2, "later"},
		{"unknown format", []string{"--config", cfg, "--since", "168h", "--format", "xlsx"}, 2, "--format"},
		{"chat without its platform", []string{"--config", cfg, "--since", "168h", "--chat", "oc_a"}, 2, "--chat: want platform:chat_id with the platform one of feishu, wecom"},
		{"chat of no platform", []string{"--config", cfg, "--since", "168h", "--chat", "slack:C1"}, 2, "--chat"},
		{"usage errors come before the config", []string{"--config", missing, "--since", "soon"}, 2, "--since"},
		{"missing config", []string{"--config", missing, "--since", "168h"}, 1, "missing.toml"},
		{"missing database", []string{"--config", noDB, "--since", "168h"}, 1, "does not exist"},
		{"bad time zone", []string{"--config", badZone, "--since", "168h"}, 1, `bot.timezone: unknown time zone "Mars/Base"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(append([]string{"report"}, tc.args...), &out, &errOut); code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, errOut.String())
			}
			if out.Len() != 0 {
				t.Errorf("stdout should be empty, got %q", out.String())
			}
			if !strings.Contains(errOut.String(), tc.stderr) {
				t.Errorf("stderr %q lacks %q", errOut.String(), tc.stderr)
			}
		})
	}
}
