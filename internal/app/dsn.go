package app

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
)

// DSN is [store] dsn: a SQLite file path, or a PostgreSQL connection string that may carry a
// password. It prints with any password replaced by "<secret>" (String, every fmt verb, TOML
// and JSON), so `check -v` shows the path of a SQLite database but never a password. In TOML
// it may be written as "${ENV_VAR}", like a Secret.
type DSN string

// Reveal returns the connection string, for opening the store.
func (d DSN) Reveal() string { return string(d) }

// String returns the connection string with its password redacted.
func (d DSN) String() string { return redactDSN(string(d)) }

// GoString keeps %#v from printing the password.
func (d DSN) GoString() string { return d.String() }

// Format keeps every fmt verb from printing the password.
func (d DSN) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(d.String())) }

// MarshalText redacts the password in TOML, JSON and slog output.
func (d DSN) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText expands ${ENV_VAR} references; an unset one is an error naming it.
func (d *DSN) UnmarshalText(b []byte) error {
	v, err := providers.ExpandEnv(string(b))
	if err != nil {
		return err
	}
	*d = DSN(v)
	return nil
}

const redactedPassword = "<secret>"

// secretParam matches query parameters of a DSN URL that hold a credential (password,
// sslpassword, _auth_pass, …).
var secretParam = regexp.MustCompile(`(?i)pass|secret|token|key`)

// keywordPassword matches password=… in libpq's keyword/value form, quoted or not.
var keywordPassword = regexp.MustCompile(`(?i)(\b\w*password\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)`)

// redactDSN hides the credentials of a connection string: the password of a URL
// (postgres://user:pass@host/db), credential query parameters, and password=… in the
// keyword/value form. Anything else (a SQLite path) is returned as it is.
func redactDSN(s string) string {
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && (u.User != nil || u.RawQuery != "") {
		// url.URL.String would escape "<secret>"; a marker is swapped in afterwards.
		const marker = "REDACTEDPASSWORD"
		changed := false
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), marker)
			changed = true
		}
		if q := u.Query(); len(q) > 0 {
			for k := range q {
				if secretParam.MatchString(k) {
					q.Set(k, marker)
					changed = true
				}
			}
			if changed {
				u.RawQuery = q.Encode()
			}
		}
		if changed {
			return strings.ReplaceAll(u.String(), marker, redactedPassword)
		}
		return s
	}
	return keywordPassword.ReplaceAllString(s, "${1}"+redactedPassword)
}
