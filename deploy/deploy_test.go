package deploy

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/ticketbot/ticketbot/internal/app"
)

// serveArgs is the command line every deployment gives the image or the binary.
var serveArgs = []string{"serve", "-config", configPath}

// configPath is where every deployment puts the configuration.
const configPath = "/etc/ticketbot/config.toml"

// Ports every deployment agrees on: [server] listen and [server] admin_listen.
const (
	webhookPort = 8080
	adminPort   = 9090
)

// defaultShutdownTimeout is [server] shutdown_timeout when a configuration does not set it.
const defaultShutdownTimeout = 30 * time.Second

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// serverSection is what the tests read of a configuration's [server].
type serverSection struct {
	Listen          string
	ShutdownTimeout time.Duration
}

// readServer decodes [server] of a configuration's text.
func readServer(t *testing.T, text string) serverSection {
	t.Helper()
	var cfg struct {
		Server struct {
			Listen          string `toml:"listen"`
			ShutdownTimeout string `toml:"shutdown_timeout"`
		} `toml:"server"`
	}
	if _, err := toml.Decode(text, &cfg); err != nil {
		t.Fatal(err)
	}
	s := serverSection{Listen: cfg.Server.Listen, ShutdownTimeout: defaultShutdownTimeout}
	if cfg.Server.ShutdownTimeout != "" {
		d, err := time.ParseDuration(cfg.Server.ShutdownTimeout)
		if err != nil {
			t.Fatalf("server.shutdown_timeout: %v", err)
		}
		s.ShutdownTimeout = d
	}
	return s
}

// envRef matches a "${ENV_VAR}" reference in a configuration.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// checkConfig runs the app's own `ticketbot check` on a configuration's text. Each variable
// the text names as ${VAR} is set to a stand-in when provided lists it (what the deployment
// passes to the process) and unset otherwise, so a variable the deployment forgets fails here
// as it would at start. A PostgreSQL store is pinged by check, so TICKETBOT_PG_DSN is
// TICKETBOT_TEST_POSTGRES; without that database the check is skipped.
func checkConfig(t *testing.T, text string, provided []string) {
	t.Helper()
	pg := os.Getenv("TICKETBOT_TEST_POSTGRES")
	if strings.Contains(text, `driver = "postgres"`) && pg == "" {
		t.Skip("TICKETBOT_TEST_POSTGRES is not set: check would not reach a database")
	}
	for _, m := range envRef.FindAllStringSubmatch(text, -1) {
		name := m[1]
		switch {
		case !slices.Contains(provided, name):
			t.Setenv(name, "") // restored after the test
			os.Unsetenv(name)
		case name == "TICKETBOT_PG_DSN":
			t.Setenv(name, pg)
		default:
			t.Setenv(name, "stand-in-"+strings.ToLower(name))
		}
	}
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out := check(path); code != 0 {
		t.Errorf("ticketbot check: exit %d\n%s", code, out)
	}
}

// check is `ticketbot check --config path`: its exit code and what it printed. It is the one
// call into the app, so a change of app.Check's signature is mended here.
func check(path string) (code int, out string) {
	var b bytes.Buffer
	code = app.Check(path, app.CheckOptions{}, &b, &b)
	return code, b.String()
}

// listenPort is the port of a host:port listen address.
func listenPort(t *testing.T, addr string) string {
	t.Helper()
	i := strings.LastIndex(addr, ":")
	if i < 0 {
		t.Fatalf("listen address %q has no port", addr)
	}
	return addr[i+1:]
}
