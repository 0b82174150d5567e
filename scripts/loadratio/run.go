package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// report is what a run measured.
type report struct {
	cells   []*cell
	million []*millionResult
}

// cell is one path and workload: the rounds of both servers, and ticketbot's paced run.
type cell struct {
	path, workload string
	bare, bot      []genResult
	pacedRate      float64
	paced          *genResult
	pacedBare      *genResult // bare at the same rate: the floor of the paced p99
	pacedInAck     float64    // paced requests ticketbot answered in the callback's response
	// pacedServerP99 bounds the p99 of the paced requests' time in ticketbot's handlers (the
	// upper edge of its ticketbot_webhook_seconds bucket): the rest of the client's is the
	// network's, the kernel's and the scheduler's.
	pacedServerP99 time.Duration
	exit           time.Duration // how long ticketbot took to exit after SIGTERM
	exitErr        error
}

// stopGrace is how long a server may take to exit after SIGTERM: ticketbot's default
// server.shutdown_timeout and a little.
const stopGrace = 35 * time.Second

func run(ctx context.Context, o options) (*report, error) {
	for _, p := range o.paths {
		if p != pathFeishu && p != pathWeCom {
			return nil, fmt.Errorf("unknown path %q", p)
		}
	}
	for _, w := range o.workloads {
		if w != workChatter && w != workCommand {
			return nil, fmt.Errorf("unknown workload %q", w)
		}
	}
	if o.rounds < 1 || o.conns < 1 {
		return nil, errors.New("-rounds and -c must be at least 1")
	}
	dir, err := os.MkdirTemp("", "loadratio-")
	if err != nil {
		return nil, err
	}
	if o.keep {
		fmt.Fprintln(o.out, "keeping", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	bin := o.bin
	if bin == "" {
		if bin, err = buildTicketbot(ctx, dir); err != nil {
			return nil, err
		}
	}
	version, _ := runOutput(ctx, bin, []string{"version"}, filepath.Join(dir, "version.log"))
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(o.out, "binary %s (%s)\n%d CPUs, load average %s; -c %d -d %v -rounds %d\n",
		bin, strings.TrimSpace(string(version)), runtime.NumCPU(), strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " "),
		o.conns, o.dur, o.rounds)

	m := &measurer{o: o, bin: bin, dir: dir}
	stub, stubAddr, err := m.startHelper("stub")
	if err != nil {
		return nil, err
	}
	defer stub.stop(stopGrace)
	m.stubURL = "http://" + stubAddr
	rep := &report{}
	if o.million {
		for _, p := range o.paths {
			r, err := m.million(ctx, p)
			if err != nil {
				return rep, err
			}
			rep.million = append(rep.million, r)
			printMillion(o.out, r)
		}
		return rep, nil
	}
	bare, bareAddr, err := m.startHelper("bare", "-body", strconv.Itoa(o.bareBody))
	if err != nil {
		return rep, err
	}
	defer bare.stop(stopGrace)
	for _, p := range o.paths {
		for _, w := range o.workloads {
			c, err := m.cell(ctx, bareAddr, p, w)
			if c != nil {
				rep.cells = append(rep.cells, c)
			}
			if err != nil {
				return rep, err
			}
		}
	}
	if _, err := bare.stop(stopGrace); err != nil {
		fmt.Fprintln(o.out, "warning:", err)
	}
	fmt.Fprintln(o.out)
	printTable(o.out, rep.cells, o.paced)
	return rep, nil
}

// measurer starts the processes of a run.
type measurer struct {
	o       options
	bin     string
	dir     string
	seq     int
	stubURL string
}

// buildTicketbot builds ./cmd/ticketbot of the module the working directory is in, with the
// go build flags given.
func buildTicketbot(ctx context.Context, dir string, flags ...string) (string, error) {
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(gomod)) == "" || strings.TrimSpace(string(gomod)) == os.DevNull {
		return "", fmt.Errorf("no -bin and no module to build it from (go env GOMOD: %v)", err)
	}
	bin := filepath.Join(dir, "ticketbot")
	cmd := exec.CommandContext(ctx, "go", append(append([]string{"build"}, flags...), "-o", bin, "./cmd/ticketbot")...)
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/ticketbot: %v\n%s", err, out)
	}
	return bin, nil
}

// startHelper starts this program as `loadratio <name> -listen ADDR`: the bare server or
// the platform stub.
func (m *measurer) startHelper(name string, extra ...string) (*proc, string, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	p, err := startProc(name, m.o.self, append([]string{name, "-listen", addr}, extra...), filepath.Join(m.dir, name+".log"))
	if err != nil {
		return nil, "", err
	}
	if err := p.waitReady("http://"+addr+"/healthz", 10*time.Second); err != nil {
		_, _ = p.stop(time.Second)
		return nil, "", err
	}
	return p, addr, nil
}

// server is a running ticketbot serve.
type server struct {
	*proc
	addr, admin, db, dir, cfg string
}

func (m *measurer) startServer(name string) (*server, error) {
	m.seq++
	dir := filepath.Join(m.dir, fmt.Sprintf("%02d-%s", m.seq, name))
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	admin, err := freeAddr()
	if err != nil {
		return nil, err
	}
	dead, err := deadURL()
	if err != nil {
		return nil, err
	}
	if m.stubURL == "" {
		return nil, errors.New("no platform stub running")
	}
	s := &server{addr: addr, admin: admin, db: filepath.Join(dir, "ticketbot.db"), dir: dir}
	if s.cfg, err = writeConfig(dir, serverConfig{Listen: addr, Admin: admin, DB: s.db, Platform: m.stubURL, Vendor: dead, Pprof: m.o.profDir != ""}); err != nil {
		return nil, err
	}
	return s, m.launch(s)
}

// launch starts ticketbot serve on s's configuration and waits until its admin listener
// answers /healthz.
func (m *measurer) launch(s *server) error {
	var err error
	if s.proc, err = startProc("ticketbot serve", m.bin, []string{"serve", "--config", s.cfg}, filepath.Join(s.dir, "serve.log")); err != nil {
		return err
	}
	if err := s.waitReady("http://"+s.admin+"/healthz", 30*time.Second); err != nil {
		_, _ = s.stop(stopGrace)
		return err
	}
	return nil
}

// gen runs the load generator against addr.
func (m *measurer) gen(ctx context.Context, addr, path, workload, prefix string, extra ...string) (genResult, error) {
	args := append([]string{"gen", "-addr", addr, "-path", path, "-workload", workload, "-command", m.o.command,
		"-prefix", prefix, "-chats", strconv.Itoa(m.o.chats), "-c", strconv.Itoa(m.o.conns)}, extra...)
	out, err := runOutput(ctx, m.o.self, args, filepath.Join(m.dir, "gen.log"))
	var res genResult
	if err != nil {
		b, _ := os.ReadFile(filepath.Join(m.dir, "gen.log"))
		return res, fmt.Errorf("%w\n%s", err, tail(string(b), 10))
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return res, fmt.Errorf("gen output: %w", err)
	}
	return res, nil
}

// timed is the generator's arguments for a run of d: a bare run cycles a small set, a
// ticketbot run gets maxrate·d distinct requests.
func (m *measurer) timed(d time.Duration, bare bool) []string {
	n := int(d.Seconds()*float64(m.o.maxRate)) + m.o.conns
	if bare {
		n = min(n, 20_000)
	}
	args := []string{"-d", d.String(), "-bodies", strconv.Itoa(n)}
	if bare {
		args = append(args, "-cycle")
	}
	return args
}

// settle waits for ticketbot to go idle before a measurement, and says so if it did not.
func (m *measurer) settle(s *server) {
	if waited, idle := waitIdle(s.pid(), m.o.idleWait); !idle {
		fmt.Fprintf(m.o.out, "  (ticketbot still busy after %v; measuring anyway)\n", waited.Round(time.Second))
	}
}

// cell measures one path and workload: a fresh ticketbot, a warm-up of both servers, then
// the rounds, bare first in each.
func (m *measurer) cell(ctx context.Context, bareAddr, path, workload string) (*cell, error) {
	c := &cell{path: path, workload: workload}
	fmt.Fprintf(m.o.out, "\n%s %s\n", path, workload)
	s, err := m.startServer(path + "-" + workload)
	if err != nil {
		return nil, err
	}
	stopped := false
	defer func() {
		if !stopped {
			_, _ = s.stop(stopGrace)
		}
	}()
	warm := max(m.o.dur/5, 100*time.Millisecond)
	if _, err := m.gen(ctx, bareAddr, path, workload, "warm", m.timed(warm, true)...); err != nil {
		return c, err
	}
	if _, err := m.gen(ctx, s.addr, path, workload, "warm", m.timed(warm, false)...); err != nil {
		return c, err
	}
	for r := range m.o.rounds {
		m.settle(s)
		b, err := m.gen(ctx, bareAddr, path, workload, "bare"+strconv.Itoa(r), m.timed(m.o.dur, true)...)
		if err != nil {
			return c, err
		}
		m.settle(s)
		args := m.timed(m.o.dur, false)
		if m.o.profDir != "" {
			args = append(args, "-pprof", "http://"+s.admin+"/debug/pprof/",
				"-pprof-out", filepath.Join(m.o.profDir, fmt.Sprintf("%s-%s-r%d", path, workload, r+1)))
		}
		t, err := m.gen(ctx, s.addr, path, workload, "r"+strconv.Itoa(r), args...)
		if err != nil {
			return c, err
		}
		if s.exited() {
			return c, fmt.Errorf("ticketbot exited during the run (%v):\n%s", s.err, s.logTail(20))
		}
		c.bare, c.bot = append(c.bare, b), append(c.bot, t)
		printRound(m.o.out, r+1, b, t)
	}
	if m.o.paced {
		var bareRPS []float64
		for _, b := range c.bare {
			bareRPS = append(bareRPS, b.rps())
		}
		c.pacedRate = median(bareRPS) / 10
		// A fresh process: the saturated rounds leave a backlog (in the inbox and the work
		// engine) that would be measured instead of the paced requests.
		if _, err := s.stop(stopGrace); err != nil {
			fmt.Fprintf(m.o.out, "  warning: %v\n", err)
		}
		if s, err = m.startServer(path + "-" + workload + "-paced"); err != nil {
			return c, err
		}
		m.settle(s)
		n := int(c.pacedRate*m.o.dur.Seconds()) + m.o.conns
		rate := strconv.FormatFloat(c.pacedRate, 'f', 1, 64)
		// Bare at the same rate is the floor: the generator's and the machine's own latency.
		bp, err := m.gen(ctx, bareAddr, path, workload, "pacedbare", append(m.timed(m.o.dur, true), "-rate", rate)...)
		if err != nil {
			return c, err
		}
		c.pacedBare = &bp
		before, beforeBuckets := s.counter(inAckMetric), s.buckets(ackSecondsMetric)
		args := []string{"-d", m.o.dur.String(), "-bodies", strconv.Itoa(n), "-rate", rate}
		if m.o.profDir != "" {
			args = append(args, "-pprof", "http://"+s.admin+"/debug/pprof/", "-pprof-out", filepath.Join(m.o.profDir, path+"-"+workload+"-paced"))
		}
		p, err := m.gen(ctx, s.addr, path, workload, "paced", args...)
		if err != nil {
			return c, err
		}
		c.pacedInAck = s.counter(inAckMetric) - before
		c.pacedServerP99 = bucketQuantile(beforeBuckets, s.buckets(ackSecondsMetric), 0.99)
		c.paced = &p
		fmt.Fprintf(m.o.out, "  paced %.0f req/s: ticketbot p50 %v p99 %v, non-200 %d of %d%s, answered in the ack %.0f, in its handler p99 <= %v; bare p50 %v p99 %v\n", c.pacedRate,
			p.P50.Round(time.Microsecond), p.P99.Round(time.Microsecond), p.Non200+p.Errors, p.Sent+p.Errors, notes(p), c.pacedInAck, c.pacedServerP99,
			bp.P50.Round(time.Microsecond), bp.P99.Round(time.Microsecond))
	}
	stopped = true
	c.exit, c.exitErr = s.stop(stopGrace)
	if c.exitErr != nil {
		fmt.Fprintf(m.o.out, "  warning: %v\n%s\n", c.exitErr, s.logTail(10))
	} else {
		fmt.Fprintf(m.o.out, "  ticketbot exited %v after SIGTERM\n", c.exit.Round(time.Millisecond))
	}
	return c, nil
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// inAckMetric counts the messages answered in the callback's own response.
const inAckMetric = "ticketbot_answered_in_ack_total"

// ackSecondsMetric is the histogram of the time in a webhook's handler.
const ackSecondsMetric = "ticketbot_webhook_seconds"

// family reads the metric family name from s's /metrics; nil when it cannot be read.
func (s *server) family(name string) *dto.MetricFamily {
	resp, err := http.Get("http://" + s.admin + "/metrics")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil
	}
	return fams[name]
}

// counter is the sum of a counter's series on s's /metrics, 0 when it cannot be read.
func (s *server) counter(name string) float64 {
	var sum float64
	for _, m := range s.family(name).GetMetric() {
		sum += m.GetCounter().GetValue()
	}
	return sum
}

// buckets is a histogram's cumulative bucket counts on s's /metrics by upper bound (+Inf
// the count), summed over its series; empty when it cannot be read.
func (s *server) buckets(name string) map[float64]float64 {
	out := map[float64]float64{}
	for _, m := range s.family(name).GetMetric() {
		h := m.GetHistogram()
		for _, b := range h.GetBucket() {
			if !math.IsInf(b.GetUpperBound(), 1) { // the text format writes it; the count is it
				out[b.GetUpperBound()] += float64(b.GetCumulativeCount())
			}
		}
		out[math.Inf(1)] += float64(h.GetSampleCount())
	}
	return out
}

// bucketQuantile is the upper bound of the bucket holding quantile q of what was observed
// between two readings of a histogram's cumulative buckets; 0 when nothing was.
func bucketQuantile(before, after map[float64]float64, q float64) time.Duration {
	bounds := make([]float64, 0, len(after))
	for b := range after {
		bounds = append(bounds, b)
	}
	slices.Sort(bounds)
	if len(bounds) == 0 {
		return 0
	}
	total := after[bounds[len(bounds)-1]] - before[bounds[len(bounds)-1]]
	if total <= 0 {
		return 0
	}
	for _, b := range bounds {
		if after[b]-before[b] >= q*total {
			if math.IsInf(b, 1) {
				return -1
			}
			return time.Duration(b * float64(time.Second))
		}
	}
	return 0
}
