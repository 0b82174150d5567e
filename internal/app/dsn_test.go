package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestDSNShowsPathsAndHidesPasswords(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ticketbot.db", "ticketbot.db"},
		{"/var/lib/ticketbot/ticketbot.db", "/var/lib/ticketbot/ticketbot.db"},
		{"file:ticketbot.db?cache=shared&_pragma=busy_timeout(5000)", "file:ticketbot.db?cache=shared&_pragma=busy_timeout(5000)"},
		{":memory:", ":memory:"},
		{"postgres://bot:s3cr3t-pw@db.internal:5432/ticketbot?sslmode=require", "postgres://bot:<secret>@db.internal:5432/ticketbot?sslmode=require"},
		{"postgres://bot@db.internal/ticketbot", "postgres://bot@db.internal/ticketbot"},
		{"postgres://db.internal/ticketbot?user=bot&password=s3cr3t-pw", "postgres://db.internal/ticketbot?password=<secret>&user=bot"},
		{"host=db.internal user=bot password=s3cr3t-pw dbname=ticketbot", "host=db.internal user=bot password=<secret> dbname=ticketbot"},
		{"host=db.internal password='s3cr3t pw' dbname=ticketbot", "host=db.internal password=<secret> dbname=ticketbot"},
	} {
		d := DSN(tc.in)
		for name, got := range map[string]string{
			"String": d.String(), "%v": fmt.Sprintf("%v", d), "%s": fmt.Sprintf("%s", d), "%#v": fmt.Sprintf("%#v", d),
			"%q": fmt.Sprintf("%q", d), "%x": fmt.Sprintf("%x", d),
		} {
			if got != tc.want {
				t.Errorf("%s of %q = %q, want %q", name, tc.in, got, tc.want)
			}
		}
		j, _ := json.Marshal(struct{ D DSN }{d})
		if strings.Contains(string(j), "s3cr3t") {
			t.Errorf("JSON of %q leaks the password: %s", tc.in, j)
		}
		if d.Reveal() != tc.in {
			t.Errorf("Reveal changed %q", tc.in)
		}
	}
}

func TestDSNReadsTheEnvironment(t *testing.T) {
	t.Setenv("TICKETBOT_PG_DSN", "postgres://bot:s3cr3t-pw@db/ticketbot")
	var d DSN
	if err := d.UnmarshalText([]byte("${TICKETBOT_PG_DSN}")); err != nil || d.Reveal() != "postgres://bot:s3cr3t-pw@db/ticketbot" {
		t.Fatalf("got %q, %v", d.Reveal(), err)
	}
	unsetEnv(t, "TICKETBOT_PG_DSN")
	if err := d.UnmarshalText([]byte("${TICKETBOT_PG_DSN}")); err == nil || !strings.Contains(err.Error(), "TICKETBOT_PG_DSN is not set") {
		t.Fatalf("want the unset variable named, got %v", err)
	}
}
