package providers

import (
	"fmt"
	"os"
	"regexp"
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

// UnmarshalText expands ${ENV_VAR} references. A reference to an unset variable is an error
// naming the variable, so `ticketbot check` can say what is missing.
func (s *Secret) UnmarshalText(b []byte) error {
	var missing []string
	out := envRef.ReplaceAllStringFunc(string(b), func(m string) string {
		name := envRef.FindStringSubmatch(m)[1]
		v, ok := os.LookupEnv(name)
		if !ok {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		return fmt.Errorf("environment variable %s is not set", missing[0])
	}
	*s = Secret(out)
	return nil
}
