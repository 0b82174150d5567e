package providers

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
)

// Secret is a configuration value that must never be printed: String, GoString, fmt verbs and
// JSON/text marshalling all give "<secret>". In TOML it may be written as "${ENV_VAR}" and is
// then read from the environment.
type Secret string

const redacted = "<secret>"

// String returns a redacted placeholder; use Reveal for the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return s.String() }

// Format keeps every fmt verb (%s, %v, %q, %x …) from printing the value.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// MarshalText redacts the value in JSON, TOML and slog output.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Reveal returns the value, for the one place that signs or authenticates with it.
func (s Secret) Reveal() string { return string(s) }

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// UnmarshalText expands ${ENV_VAR} references (ExpandEnv). A reference to a variable that is
// unset or empty is an error naming the variable, never a value, so `ticketbot check` can say
// what is missing.
func (s *Secret) UnmarshalText(b []byte) error {
	v, err := ExpandEnv(string(b))
	if err != nil {
		return err
	}
	*s = Secret(v)
	return nil
}

// ExpandEnv replaces every ${ENV_VAR} in s with the variable's value. Every variable that is
// unset or set but empty is named in the error, not only the first, so one run of `ticketbot
// check` lists all of them; the error never holds a value.
func ExpandEnv(s string) (string, error) {
	var unset, empty []string
	out := envRef.ReplaceAllStringFunc(s, func(m string) string {
		name := envRef.FindStringSubmatch(m)[1]
		v, ok := os.LookupEnv(name)
		switch {
		case !ok:
			unset = appendOnce(unset, name)
		case v == "":
			empty = appendOnce(empty, name)
		}
		return v
	})
	var problems []string
	switch len(unset) {
	case 0:
	case 1:
		problems = append(problems, "environment variable "+unset[0]+" is not set")
	default:
		problems = append(problems, "environment variables "+strings.Join(unset, ", ")+" are not set")
	}
	switch len(empty) {
	case 0:
	case 1:
		problems = append(problems, "environment variable "+empty[0]+" is empty")
	default:
		problems = append(problems, "environment variables "+strings.Join(empty, ", ")+" are empty")
	}
	if len(problems) > 0 {
		return "", errors.New(strings.Join(problems, "; "))
	}
	return out, nil
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
