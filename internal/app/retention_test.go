package app

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/command"
)

// TestCheckRetention: [retention]'s values reach the bot; bad ones are named by key, in the
// file's order, each with why.
func TestCheckRetention(t *testing.T) {
	setSecrets(t)
	for _, tc := range []struct {
		name string
		text string // the [retention] section's keys
		want []string
		keep command.Retention // when want is empty
	}{
		{"defaults", "", nil, command.Retention{Jobs: 168 * time.Hour, Deliveries: 24 * time.Hour, Notices: 168 * time.Hour}},
		{"all set", "audit = \"2160h\"\njobs = \"72h\"\ndeliveries = \"48h\"\nnotices = \"24h\"\n", nil,
			command.Retention{Audit: 2160 * time.Hour, Jobs: 72 * time.Hour, Deliveries: 48 * time.Hour, Notices: 24 * time.Hour}},
		{"audit for ever, said", "audit = \"0s\"\n", nil, command.Retention{Jobs: 168 * time.Hour, Deliveries: 24 * time.Hour, Notices: 168 * time.Hour}},
		{"negative audit", "audit = \"-1h\"\n", []string{`retention.audit: want a positive duration such as "2160h" (90 days), or "0s" to keep the audit for ever; got "-1h"`}, command.Retention{}},
		{"zero jobs", "jobs = \"0s\"\n", []string{`retention.jobs: want a positive duration such as "168h" (7 days), got "0s"`}, command.Retention{}},
		{"deliveries below the redelivery window", "deliveries = \"6h\"\n",
			[]string{`retention.deliveries: "6h" is shorter than 24h: the platforms redeliver events`}, command.Retention{}},
		{"notices below a day", "notices = \"12h\"\n", []string{`retention.notices: "12h" is shorter than 24h: a daily summary`}, command.Retention{}},
		{"not a duration", "jobs = \"a week\"\n", []string{`retention.jobs: "a week" is not a duration`}, command.Retention{}},
		{"unknown key", "audits = \"90h\"\n", []string{"retention.audits: unknown key (did you mean audit?)"}, command.Retention{}},
		{"in the file's order", "notices = \"1h\"\njobs = \"-1h\"\ndeliveries = \"0s\"\n",
			[]string{"retention.notices:", "retention.jobs:", "retention.deliveries:"}, command.Retention{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := filledExample(t)
			if tc.text != "" {
				text += "\n[retention]\n" + tc.text
			}
			c, errs := parseConfig([]byte(text))
			if len(errs) != len(tc.want) {
				t.Fatalf("problems %q, want %d: %q", errs, len(tc.want), tc.want)
			}
			for i, e := range errs {
				if !strings.HasPrefix(e.Error(), tc.want[i]) {
					t.Errorf("problem %d: %q\nwant it to start %q", i, e, tc.want[i])
				}
			}
			if len(tc.want) == 0 && c.Bot.Retention != tc.keep {
				t.Errorf("the bot keeps %+v, want %+v", c.Bot.Retention, tc.keep)
			}
		})
	}
}

// TestCheckVerbosePrintsRetention: check -v shows what the janitor keeps, the audit's for ever
// as "0s".
func TestCheckVerbosePrintsRetention(t *testing.T) {
	setSecrets(t)
	var out, errOut bytes.Buffer
	if code := Check(writeConfig(t, filledExample(t)+"\n[retention]\njobs = \"72h\"\n"), CheckOptions{Verbose: true}, &out, &errOut); code != 0 {
		t.Fatalf("check exit %d: %s", code, errOut.String())
	}
	want := "[retention]\n  audit = \"0s\"\n  jobs = \"72h\"\n  deliveries = \"24h\"\n  notices = \"168h\"\n"
	if !strings.Contains(out.String(), want) {
		t.Errorf("check -v lacks\n%s\nin\n%s", want, out.String())
	}
}
