package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// genOpts is one run of the load generator.
type genOpts struct {
	addr  string
	b     builder
	conns int
	// dur bounds a run by time, over bodies requests built beforehand; cycle reuses them
	// (only for the bare server, which does not dedupe), otherwise the run ends early when
	// they are used up (Exhausted).
	dur    time.Duration
	bodies int
	cycle  bool
	// rate > 0 paces the run: request i is due at start + i/rate, and its latency counts
	// from then, so a server that falls behind is charged for the wait (no coordinated
	// omission).
	rate float64
	// n > 0 sends exactly n distinct requests, built chunk at a time; only the sending is
	// timed. dur and bodies are then unused.
	n, chunk int
	// pprof, when set, is the server's /debug/pprof/: its CPU and allocation profiles of the
	// timed window (from the clock's start, whole seconds) are written to pprofOut + ".cpu"
	// and + ".allocs".
	pprof, pprofOut string
}

// genResult is what a generator run reports, as JSON on its stdout.
type genResult struct {
	Sent      int64            `json:"sent"`   // requests answered
	OK        int64            `json:"ok"`     // … with 200
	Non200    int64            `json:"non200"` // … with anything else
	Errors    int64            `json:"errors"` // requests with no answer (connection errors)
	Statuses  map[string]int64 `json:"statuses"`
	Seconds   float64          `json:"seconds"` // time spent sending
	Build     float64          `json:"build_seconds"`
	P50       time.Duration    `json:"p50"`
	P99       time.Duration    `json:"p99"`
	Exhausted bool             `json:"exhausted"` // a timed run ran out of distinct requests
	FirstErr  string           `json:"first_error,omitempty"`
}

// rps is answered requests a second; okRPS only the 200s.
func (r genResult) rps() float64   { return div(float64(r.Sent), r.Seconds) }
func (r genResult) okRPS() float64 { return div(float64(r.OK), r.Seconds) }

func div(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// genMain is `loadratio gen …`, the load generator's own process.
func genMain(args []string) int {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	var o genOpts
	fs.StringVar(&o.addr, "addr", "", "server host:port")
	fs.StringVar(&o.b.path, "path", pathFeishu, "feishu or wecom")
	fs.StringVar(&o.b.workload, "workload", workChatter, "chatter or command")
	fs.StringVar(&o.b.command, "command", "help", "the command's text")
	fs.StringVar(&o.b.prefix, "prefix", "g", "id prefix, distinct per run against one server")
	fs.IntVar(&o.b.chats, "chats", 64, "group chats the messages rotate over")
	fs.IntVar(&o.conns, "c", 64, "keep-alive connections")
	fs.DurationVar(&o.dur, "d", 3*time.Second, "duration")
	fs.IntVar(&o.bodies, "bodies", 100_000, "requests to build for a timed run")
	fs.BoolVar(&o.cycle, "cycle", false, "reuse requests (bare server only)")
	fs.Float64Var(&o.rate, "rate", 0, "paced: requests per second (0: as fast as answered)")
	fs.IntVar(&o.n, "n", 0, "send exactly n distinct requests (0: timed run)")
	fs.IntVar(&o.chunk, "chunk", 50_000, "with -n: requests built at a time")
	fs.StringVar(&o.pprof, "pprof", "", "the server's /debug/pprof/ URL: profile the timed window")
	fs.StringVar(&o.pprofOut, "pprof-out", "", "with -pprof: the profiles' path, less .cpu and .allocs")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	o.b.host = o.addr
	res, err := generate(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadratio gen:", err)
		return 1
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, "loadratio gen:", err)
		return 1
	}
	return 0
}

// generate runs the load and returns its counts and latencies.
func generate(o genOpts) (genResult, error) {
	if err := o.b.validate(); err != nil {
		return genResult{}, err
	}
	if o.conns <= 0 {
		o.conns = 1
	}
	ws := make([]*worker, o.conns)
	for i := range ws {
		ws[i] = &worker{addr: o.addr, statuses: map[int]int64{}}
	}
	defer func() {
		for _, w := range ws {
			w.reset()
		}
	}()
	var res genResult
	if o.n > 0 {
		chunk := max(o.chunk, 1)
		for from := 0; from < o.n; from += chunk {
			t := time.Now()
			reqs, err := buildAll(&o.b, from, min(chunk, o.n-from))
			if err != nil {
				return res, err
			}
			res.Build += time.Since(t).Seconds()
			start := time.Now()
			runPhase(ws, reqs, time.Time{}, false, 0, start)
			res.Seconds += time.Since(start).Seconds()
		}
	} else {
		t := time.Now()
		reqs, err := buildAll(&o.b, 0, max(o.bodies, 1))
		if err != nil {
			return res, err
		}
		res.Build = time.Since(t).Seconds()
		runtime.GC() // building allocated; do not bill its collection to the run
		profiled := startProfiles(o.pprof, o.pprofOut, o.dur)
		start := time.Now()
		res.Exhausted = runPhase(ws, reqs, start.Add(o.dur), o.cycle, o.rate, start)
		res.Seconds = time.Since(start).Seconds()
		if err := profiled(); err != nil {
			return res, fmt.Errorf("profile: %w", err)
		}
	}
	collect(&res, ws)
	return res, nil
}

// startProfiles starts fetching the server's CPU and allocation profiles of the next d (whole
// seconds, at least one) from base into out+".cpu" and out+".allocs"; the function it
// returns waits for them. An empty base profiles nothing.
func startProfiles(base, out string, d time.Duration) func() error {
	if base == "" {
		return func() error { return nil }
	}
	q := "?seconds=" + strconv.Itoa(max(1, int(d.Seconds())))
	done := make(chan error, 2)
	for name, file := range map[string]string{"profile": out + ".cpu", "allocs": out + ".allocs"} {
		go func() { done <- fetchProfile(base+name+q, file) }()
	}
	return func() error { return errors.Join(<-done, <-done) }
}

// fetchProfile writes what url answers into file.
func fetchProfile(url, file string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// buildAll builds requests from..from+n-1, on every core.
func buildAll(b *builder, from, n int) ([][]byte, error) {
	reqs := make([][]byte, n)
	errs := make([]error, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				reqs[i], errs[i] = b.build(from + i)
			}
		})
	}
	wg.Wait()
	return reqs, errors.Join(slices.DeleteFunc(errs, func(e error) bool { return e == nil })...)
}

// runPhase sends reqs over the workers' connections until the deadline (zero: until they are
// all sent), cycling through them if cycle, paced at rate if rate > 0. It reports whether a
// timed run ran out of requests.
func runPhase(ws []*worker, reqs [][]byte, deadline time.Time, cycle bool, rate float64, start time.Time) (exhausted bool) {
	var next atomic.Int64
	var ranOut atomic.Bool
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				t0 := time.Now()
				var due time.Time
				if rate > 0 {
					due = start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
					if due.After(deadline) {
						return
					}
				} else if !deadline.IsZero() && t0.After(deadline) {
					return
				}
				if i >= int64(len(reqs)) && !cycle {
					if !deadline.IsZero() {
						ranOut.Store(true)
					}
					return
				}
				if rate > 0 {
					time.Sleep(time.Until(due))
					t0 = due
				}
				w.send(reqs[i%int64(len(reqs))], t0)
			}
		})
	}
	wg.Wait()
	return ranOut.Load()
}

// collect adds up the workers' counts and latencies.
func collect(res *genResult, ws []*worker) {
	res.Statuses = map[string]int64{}
	var lat []time.Duration
	for _, w := range ws {
		lat = append(lat, w.lat...)
		res.Errors += w.errors
		for code, n := range w.statuses {
			res.Sent += n
			if code == http.StatusOK {
				res.OK += n
			} else {
				res.Non200 += n
			}
			res.Statuses[strconv.Itoa(code)] += n
		}
		if res.FirstErr == "" && w.firstErr != nil {
			res.FirstErr = w.firstErr.Error()
		}
	}
	slices.Sort(lat)
	res.P50, res.P99 = percentile(lat, 50), percentile(lat, 99)
}

// worker is one keep-alive connection, its requests written whole and their responses read
// with http.ReadResponse: far cheaper than net/http's client, so that the generator is not
// what limits the rate.
type worker struct {
	addr     string
	conn     net.Conn
	br       *bufio.Reader
	lat      []time.Duration
	statuses map[int]int64
	errors   int64
	firstErr error
}

// requestTimeout bounds one request: a server that stops answering fails the request rather
// than the run.
const requestTimeout = 30 * time.Second

func (w *worker) send(req []byte, t0 time.Time) {
	status, err := w.do(req)
	if err != nil {
		w.errors++
		if w.firstErr == nil {
			w.firstErr = err
		}
		return
	}
	w.lat = append(w.lat, time.Since(t0))
	w.statuses[status]++
}

func (w *worker) do(req []byte) (int, error) {
	if w.conn == nil {
		c, err := net.DialTimeout("tcp", w.addr, 5*time.Second)
		if err != nil {
			return 0, err
		}
		w.conn, w.br = c, bufio.NewReaderSize(c, 4<<10)
	}
	_ = w.conn.SetDeadline(time.Now().Add(requestTimeout))
	if _, err := w.conn.Write(req); err != nil {
		w.reset()
		return 0, err
	}
	resp, err := http.ReadResponse(w.br, nil)
	if err != nil {
		w.reset()
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if err != nil || resp.Close {
		w.reset()
	}
	return resp.StatusCode, nil
}

func (w *worker) reset() {
	if w.conn != nil {
		_ = w.conn.Close()
		w.conn, w.br = nil, nil
	}
}
