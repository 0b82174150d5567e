// Command loadratio measures the webhook ack throughput of the real `ticketbot serve` binary
// against a bare Gin server that only reads the body, on this machine, and the store and
// memory cost of a million chatter messages.
//
//	go run ./scripts/loadratio                          # both paths, both workloads, 3 rounds
//	go run ./scripts/loadratio -bin /tmp/ticketbot-old  # another build, same measurement
//	go run ./scripts/loadratio -paced                   # also p99 at 10 % of bare's rate
//	go run ./scripts/loadratio -million -path feishu    # 1,000,000 chatter messages (-n)
//	go run ./scripts/loadratio -cpuprofile /tmp/prof    # and ticketbot's CPU and allocation profiles of each round
//
// Each part is its own process, none sharing a runtime with another: ticketbot serve (-bin,
// or built from ./cmd/ticketbot) with a generated configuration (production's queue, workers
// and limits; a SQLite store in a temporary directory), the bare server (this program
// re-executed as `loadratio bare`), the load generator (`loadratio gen`: keep-alive
// connections, every request a distinct, freshly signed and encrypted delivery built before
// the clock starts) and a stub of the platforms' open APIs that accepts every answer
// (`loadratio stub`; vendor URLs point at a closed port). Rounds alternate bare and ticketbot
// and the table reports medians. All traffic stays on 127.0.0.1.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 {
		if code, ok := subcommand(os.Args[1], os.Args[2:]); ok {
			os.Exit(code)
		}
	}
	os.Exit(cli(os.Args[1:], os.Stdout, os.Stderr))
}

// subcommand runs the hidden subcommands the tool re-executes itself as.
func subcommand(name string, args []string) (int, bool) {
	switch name {
	case "bare":
		return bareMain(args), true
	case "gen":
		return genMain(args), true
	case "stub":
		return stubMain(args), true
	}
	return 0, false
}

// options are the flags of a measurement.
type options struct {
	bin       string
	self      string // this program, re-executed as bare and gen
	conns     int
	dur       time.Duration
	rounds    int
	paths     []string
	workloads []string
	command   string
	chats     int
	maxRate   int
	paced     bool
	million   bool
	n         int
	idleWait  time.Duration
	rssSettle time.Duration
	keep      bool
	bareBody  int    // bytes bare answers with (0: none, the yardstick)
	profDir   string // where ticketbot's CPU profile of each round is written ("": none)
	out       io.Writer
}

func cli(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loadratio", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	var paths, workloads string
	fs.StringVar(&o.bin, "bin", "", "the ticketbot binary to measure (empty: go build ./cmd/ticketbot into a temporary directory)")
	fs.IntVar(&o.conns, "c", 64, "keep-alive connections of the load generator")
	fs.DurationVar(&o.dur, "d", 3*time.Second, "duration of each measurement")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds of bare then ticketbot; the table shows medians")
	fs.StringVar(&paths, "path", "feishu,wecom", "webhook paths: feishu, wecom or both")
	fs.StringVar(&workloads, "workload", "chatter,command", "workloads: chatter, command or both")
	fs.StringVar(&o.command, "command", "help", "the command of the command workload")
	fs.IntVar(&o.chats, "chats", 64, "group chats the messages rotate over")
	fs.IntVar(&o.maxRate, "maxrate", 40_000, "distinct requests built per second of a ticketbot run (a faster server runs out and the run ends early)")
	fs.BoolVar(&o.paced, "paced", false, "also send at 10 % of bare's rate and report ticketbot's p99")
	fs.BoolVar(&o.million, "million", false, "instead: send -n chatter messages to ticketbot and report store growth and RSS")
	fs.IntVar(&o.n, "n", 1_000_000, "with -million: how many messages")
	fs.DurationVar(&o.idleWait, "idle", 15*time.Second, "before each measurement, wait at most this long for ticketbot to go idle")
	fs.DurationVar(&o.rssSettle, "settle", 90*time.Second, "with -million: wait at most this long for RSS to stop falling")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (configurations, databases, logs)")
	fs.IntVar(&o.bareBody, "bare-body", 0, "bare answers with this many bytes instead of none: the cost of an answer's size alone (ticketbot's WeCom help is about 6 KB)")
	fs.StringVar(&o.profDir, "cpuprofile", "", "write ticketbot's CPU and allocation profiles of each measured round into this directory (server.pprof on; the profiler costs a little throughput)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.profDir != "" {
		if err := os.MkdirAll(o.profDir, 0o755); err != nil {
			fmt.Fprintln(stderr, "loadratio:", err)
			return 1
		}
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "loadratio: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	o.paths, o.workloads = splitList(paths), splitList(workloads)
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "loadratio:", err)
		return 1
	}
	o.self, o.out = self, stdout
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := run(ctx, o); err != nil {
		fmt.Fprintln(stderr, "loadratio:", err)
		return 1
	}
	return 0
}

func splitList(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
