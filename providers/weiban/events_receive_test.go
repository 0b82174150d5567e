package weiban_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
)

// The corp of these tests has Weiban's numeric OpenAPI corp_id (as in the detail example,
// seeds/002) and a WeCom corp id, which Weiban's published crypto sample seals events for.
const (
	numericCorpID = "1653682321878942721"
	wecomCorpID   = "ww5823bf96d3bd56c7"
)

// TestEventReceiveID pushes events sealed for the WeCom corp id: accepted when
// event_receive_id names it, refused with 403 otherwise, and then one warn line names the
// id received and the setting it was compared with, so the operator can fix the
// configuration from the log, and holds no secret.
func TestEventReceiveID(t *testing.T) {
	tests := []struct {
		name      string
		sealedFor string // what the fake seals for
		setting   string // event_receive_id
		want      int
		// for a refusal: the key the log names as the expected id's source
		wantFrom string
	}{
		{"default: sealed for corp_id", numericCorpID, "", http.StatusOK, ""},
		{"sealed for the WeCom corp id, set", wecomCorpID, wecomCorpID, http.StatusOK, ""},
		{"sealed for the WeCom corp id, set with spaces", wecomCorpID, " " + wecomCorpID + " ", http.StatusOK, ""},
		{"sealed for the WeCom corp id, not set", wecomCorpID, "", http.StatusForbidden, "providers.weiban.corp_id"},
		{"sealed for the WeCom corp id, set to another", wecomCorpID, "ww0000000000000000", http.StatusForbidden, "providers.weiban.event_receive_id"},
		{"sealed for corp_id, set to the WeCom corp id", numericCorpID, wecomCorpID, http.StatusForbidden, "providers.weiban.event_receive_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			f := weibantest.New(numericCorpID, canary+"-secret")
			t.Cleanup(f.Close)
			f.SetEventReceiveID(tt.sealedFor)
			cfg := f.Config()
			cfg.EventReceiveID = tt.setting
			logger, logs := captureText()
			p, err := weiban.New(cfg, weiban.WithLogger(logger))
			if err != nil {
				t.Fatal(err)
			}
			h, ch, target := eventServer(t, p)

			status, err := f.PushChange(ctx, target, weibantest.DocOrderNo, "reply")
			if err != nil || status != tt.want {
				t.Fatalf("push = %d %v, want %d", status, err, tt.want)
			}
			check, body, echo, err := f.CheckURL(ctx, target)
			if err != nil || check != tt.want || (tt.want == http.StatusOK && body != echo) {
				t.Fatalf("URL check = %d %q (want %d %q) %v", check, body, tt.want, echo, err)
			}
			h.Wait()
			wantChanges := 0
			if tt.want == http.StatusOK {
				wantChanges = 1
			}
			if got := ch.got(); len(got) != wantChanges || (wantChanges == 1 && got[0].ID != weibantest.DocOrderNo) {
				t.Fatalf("onChange got %+v, want %d change(s)", got, wantChanges)
			}

			out := logs.String()
			rejected := linesWith(out, `msg="weiban: event rejected"`)
			if tt.want == http.StatusOK {
				if len(rejected) != 0 {
					t.Fatalf("accepted pushes logged a rejection:\n%s", out)
				}
				return
			}
			if len(rejected) != 2 { // the push and the URL check, each once
				t.Fatalf("%d rejection lines, want 2:\n%s", len(rejected), out)
			}
			wantID, _ := cfg.ReceiveID()
			for _, line := range rejected {
				for _, want := range []string{
					"level=WARN", "status=403", "received_id=" + tt.sealedFor, "expected_id=" + wantID,
					"expected_from=" + tt.wantFrom, "event_receive_id",
				} {
					if !strings.Contains(line, want) {
						t.Errorf("log line lacks %q: %s", want, line)
					}
				}
			}
			for _, secret := range []string{cfg.Secret.Reveal(), cfg.EventToken.Reveal(), cfg.EventAESKey.Reveal(), canary} {
				if strings.Contains(out, secret) {
					t.Errorf("the log holds a secret:\n%s", out)
				}
			}
		})
	}
}

// TestEventReceiveIDLoggedBounded seals an event for a receive id far longer than any corp
// id: the refusal logs only its start.
func TestEventReceiveIDLoggedBounded(t *testing.T) {
	f := weibantest.New(numericCorpID, testSecret)
	t.Cleanup(f.Close)
	long := "ww" + strings.Repeat("字", 500)
	f.SetEventReceiveID(long)
	cfg := f.Config()
	cfg.EventReceiveID = "" // expect the corp id
	logger, logs := captureText()
	p, err := weiban.New(cfg, weiban.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	_, _, target := eventServer(t, p)
	if status, err := f.PushChange(context.Background(), target, weibantest.DocOrderNo, "reply"); err != nil || status != http.StatusForbidden {
		t.Fatalf("push = %d %v", status, err)
	}
	out := logs.String()
	if strings.Contains(out, long) || !strings.Contains(out, "received_id=ww字字") || len(out) > 1000 {
		t.Fatalf("received id not bounded in the log:\n%s", out)
	}
}

// TestConfigEventReceiveID: the key decodes from its TOML name and defaults to corp_id.
func TestConfigEventReceiveID(t *testing.T) {
	var c weiban.Config
	if _, err := toml.Decode(`corp_id = "corp-1"
event_receive_id = "`+wecomCorpID+`"`, &c); err != nil {
		t.Fatal(err)
	}
	if id, key := c.ReceiveID(); id != wecomCorpID || key != "providers.weiban.event_receive_id" {
		t.Errorf("set = %q from %s", id, key)
	}
	c.EventReceiveID = ""
	if id, key := c.ReceiveID(); id != "corp-1" || key != "providers.weiban.corp_id" {
		t.Errorf("default = %q from %s", id, key)
	}
}

// captureText returns a debug-level text logger and its output.
func captureText() (*slog.Logger, *safeBuffer) {
	buf := &safeBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// linesWith returns the lines of out that contain s.
func linesWith(out, s string) []string {
	var lines []string
	for line := range strings.Lines(out) {
		if strings.Contains(line, s) {
			lines = append(lines, line)
		}
	}
	return lines
}
