package deploy

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// composeService is what the test reads of a compose service.
type composeService struct {
	Image       string
	Build       string
	Command     []string
	Ports       []string
	Environment map[string]string
	Volumes     []string
	Healthcheck struct{ Test []string }
	Deploy      struct{ Replicas int }
	DependsOn   map[string]struct{ Condition string } `yaml:"depends_on"`
	StopGrace   string                                `yaml:"stop_grace_period"`
}

func readCompose(t *testing.T) (services map[string]composeService, volumes map[string]any) {
	t.Helper()
	var f struct {
		Services map[string]composeService
		Volumes  map[string]any
	}
	if err := yaml.Unmarshal([]byte(readFile(t, "compose.yaml")), &f); err != nil {
		t.Fatal(err)
	}
	return f.Services, f.Volumes
}

// TestCompose: PostgreSQL 16 with a healthcheck and a volume; two ticketbot replicas that wait
// for it, run the image's serve with the mounted configuration, and are reached only through
// the proxy on the public port; the admin port is published nowhere.
func TestCompose(t *testing.T) {
	services, volumes := readCompose(t)
	pg, ok := services["postgres"]
	if !ok {
		t.Fatal("no postgres service")
	}
	if !strings.HasPrefix(pg.Image, "postgres:16") {
		t.Errorf("postgres image %q, want PostgreSQL 16", pg.Image)
	}
	if !strings.Contains(strings.Join(pg.Healthcheck.Test, " "), "pg_isready") {
		t.Errorf("postgres healthcheck %q does not run pg_isready", pg.Healthcheck.Test)
	}
	if !slices.ContainsFunc(pg.Volumes, func(v string) bool {
		name, target, _ := strings.Cut(v, ":")
		_, declared := volumes[name]
		return declared && target == "/var/lib/postgresql/data"
	}) {
		t.Errorf("postgres volumes %q: want a named volume at /var/lib/postgresql/data", pg.Volumes)
	}

	bot, ok := services["ticketbot"]
	if !ok {
		t.Fatal("no ticketbot service")
	}
	if bot.Deploy.Replicas != 2 {
		t.Errorf("ticketbot replicas = %d, want 2", bot.Deploy.Replicas)
	}
	if _, err := os.Stat(filepath.Join(bot.Build, "Dockerfile")); err != nil {
		t.Errorf("ticketbot build context %q: %v", bot.Build, err)
	}
	if !slices.Equal(bot.Command, serveArgs) {
		t.Errorf("ticketbot command %q, want %q", bot.Command, serveArgs)
	}
	if c := bot.DependsOn["postgres"].Condition; c != "service_healthy" {
		t.Errorf("ticketbot depends on postgres with condition %q, want service_healthy", c)
	}
	if len(bot.Ports) > 0 {
		t.Errorf("ticketbot publishes %q: two replicas cannot share a host port; the proxy does", bot.Ports)
	}
	mount := "./config.compose.toml:" + configPath + ":ro"
	if !slices.Contains(bot.Volumes, mount) {
		t.Errorf("ticketbot volumes %q lack %q", bot.Volumes, mount)
	}

	// The DSN points at the postgres service, as the user and database it creates.
	dsn, err := url.Parse(composeVars.ReplaceAllString(bot.Environment["TICKETBOT_PG_DSN"], "stand-in"))
	if err != nil {
		t.Fatal(err)
	}
	if dsn.Hostname() != "postgres" || dsn.User.Username() != pg.Environment["POSTGRES_USER"] ||
		strings.TrimPrefix(dsn.Path, "/") != pg.Environment["POSTGRES_DB"] {
		t.Errorf("TICKETBOT_PG_DSN %s does not name the postgres service's user %q and database %q",
			dsn.Redacted(), pg.Environment["POSTGRES_USER"], pg.Environment["POSTGRES_DB"])
	}

	server := readServer(t, readFile(t, "config.compose.toml"))
	grace, err := time.ParseDuration(bot.StopGrace)
	if err != nil || grace <= server.ShutdownTimeout {
		t.Errorf("ticketbot stop_grace_period %q: want longer than shutdown_timeout %s", bot.StopGrace, server.ShutdownTimeout)
	}
	if p := listenPort(t, server.Listen); p != fmt.Sprint(webhookPort) || !strings.HasPrefix(server.Listen, "0.0.0.0:") {
		t.Errorf("config.compose.toml listens on %q: the proxy reaches ticketbot:%d from another container", server.Listen, webhookPort)
	}

	// One service publishes the webhook port, proxying to the replicas; none publishes admin.
	public := fmt.Sprintf("%d:%d", webhookPort, webhookPort)
	var proxies []string
	for name, s := range services {
		for _, p := range s.Ports {
			if strings.Contains(p, fmt.Sprint(adminPort)) {
				t.Errorf("%s publishes %q: the admin port stays inside", name, p)
			}
			if p == public && slices.Contains(s.Command, fmt.Sprintf("ticketbot:%d", webhookPort)) {
				proxies = append(proxies, name)
			}
		}
	}
	if len(proxies) != 1 {
		t.Errorf("services publishing %s and proxying to ticketbot:%d: %q, want one", public, webhookPort, proxies)
	}

	t.Run("config passes check", func(t *testing.T) {
		checkConfig(t, readFile(t, "config.compose.toml"), mapKeys(bot.Environment))
	})
}

// composeVars matches compose's interpolations: ${VAR}, ${VAR:?message}, ${VAR:-default}.
var composeVars = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-?][^}]*)?\}`)

func mapKeys(m map[string]string) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}
