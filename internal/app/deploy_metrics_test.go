package app

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/ticketbot/ticketbot/bot"
)

// describer records what every collector registered on it describes: the metrics a running
// ticketbot can export, with their labels.
type describer struct{ labels map[string][]string }

func (d *describer) Register(c prometheus.Collector) error {
	ch := make(chan *prometheus.Desc, 256)
	go func() { c.Describe(ch); close(ch) }()
	name := regexp.MustCompile(`fqName: "([^"]+)"`)
	constLabels := regexp.MustCompile(`constLabels: \{([^}]*)\}`)
	varLabels := regexp.MustCompile(`variableLabels: \{([^}]*)\}`)
	for desc := range ch {
		s := desc.String()
		m := name.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		var ls []string
		if c := constLabels.FindStringSubmatch(s); c != nil {
			for kv := range strings.SplitSeq(c[1], ",") {
				if k, _, ok := strings.Cut(kv, "="); ok {
					ls = append(ls, strings.TrimSpace(k))
				}
			}
		}
		if v := varLabels.FindStringSubmatch(s); v != nil {
			for l := range strings.SplitSeq(v[1], ",") {
				if l = strings.TrimSpace(l); l != "" {
					ls = append(ls, l)
				}
			}
		}
		d.labels[m[1]] = ls
	}
	return nil
}

func (d *describer) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		_ = d.Register(c)
	}
}

func (d *describer) Unregister(prometheus.Collector) bool { return false }

// exported is every metric Serve registers, with its labels.
func exported() map[string][]string {
	d := &describer{labels: map[string][]string{}}
	bot.NewMetrics(d)
	bot.NewWatchMetrics(d)
	d.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newRoles(false, nil, nil).collector(), jobDepths{}, connectionGauge("any", nil))
	return d.labels
}

// The Grafana dashboard and the Prometheus alerts in deploy/ name only metrics the binary
// exports, and only their labels (or Prometheus's own: le, instance, job).
func TestDeployMetricsExist(t *testing.T) {
	metrics := exported()
	if len(metrics) < 30 {
		t.Fatalf("only %d metrics described: %v", len(metrics), metrics)
	}
	metricName := regexp.MustCompile(`\b(?:ticketbot|go|process)_[a-z0-9_]+\b`)
	selector := regexp.MustCompile(`\b([a-z_]+)\s*(?:=~|!=|=)\s*"`)
	grouping := regexp.MustCompile(`\b(?:by|without)\s*\(([^)]*)\)`)
	for _, file := range []string{"../../deploy/grafana/ticketbot-dashboard.json", "../../deploy/prometheus/ticketbot-alerts.yml"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		exprs := regexp.MustCompile(`"expr": "((?:[^"\\]|\\.)*)"|expr: (.*(?:\n {10,}.*)*)`).FindAllStringSubmatch(string(b), -1)
		if len(exprs) < 8 {
			t.Fatalf("%s: only %d queries found", file, len(exprs))
		}
		for _, m := range exprs {
			expr := strings.ReplaceAll(m[1]+m[2], `\"`, `"`)
			allowed := []string{"le", "instance", "job"}
			names := metricName.FindAllString(expr, -1)
			for _, n := range names {
				base := n
				for _, suffix := range []string{"_bucket", "_count", "_sum"} {
					if trimmed, ok := strings.CutSuffix(n, suffix); ok {
						if _, known := metrics[trimmed]; known {
							base = trimmed
						}
					}
				}
				ls, ok := metrics[base]
				if !ok {
					t.Errorf("%s: %q names %s, which ticketbot does not export", file, expr, n)
				}
				allowed = append(allowed, ls...)
			}
			var used []string
			for _, s := range selector.FindAllStringSubmatch(expr, -1) {
				used = append(used, s[1])
			}
			for _, g := range grouping.FindAllStringSubmatch(expr, -1) {
				for l := range strings.SplitSeq(g[1], ",") {
					used = append(used, strings.TrimSpace(l))
				}
			}
			for _, l := range used {
				if !slices.Contains(allowed, l) {
					t.Errorf("%s: %q uses label %q, which none of %v has", file, expr, l, names)
				}
			}
		}
	}
}
