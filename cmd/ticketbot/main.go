// Command ticketbot brings cloud-vendor tickets (工单) into Feishu and WeCom group chats.
//
//	ticketbot demo [--listen ADDR] [-v]    try it in a browser, against built-in fakes
//	ticketbot serve --config FILE          run the bot
//	ticketbot check --config FILE [-v] [--online]
//	                                       validate the configuration (-v: and print it;
//	                                       --online: and call each platform and vendor once)
//	ticketbot audit --config FILE --since WHEN [--until WHEN] [--format csv|json]
//	                                       export the audit log to stdout
//	ticketbot report --config FILE --since WHEN [--until WHEN] [--format csv|json] [--chat PLATFORM:CHAT_ID]
//	                                       export the weekly report's figures to stdout
//	ticketbot backup --config FILE --to FILE [--force]
//	                                       copy the SQLite database while serve runs
//	ticketbot version                      print the version (also --version)
//	ticketbot health [--url URL]           exit 0 if the bot answers URL with 200
//	ticketbot help [COMMAND]               usage, or a command's flags (also -h, --help)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/ticketbot/ticketbot/internal/app"
	"github.com/ticketbot/ticketbot/internal/demo"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// command is a subcommand. Its flags mean the same in every command that has them:
// --config FILE is the configuration file, -v/--verbose says more, -h/--help shows the
// command's usage.
type command struct {
	name     string
	synopsis string // the usage line after "ticketbot "
	summary  string // one line in the general usage
	about    string // what `help CMD` says before the flags
	// flags defines the command's flags on fs and returns its body, which runs once they
	// are parsed and returns the exit code.
	flags func(fs *flag.FlagSet) func(stdout, stderr io.Writer) int
}

// commands are listed in this order by the usage.
var commands []*command

func init() {
	commands = []*command{
		{name: "demo", synopsis: "demo [--listen ADDR] [-v]",
			summary: "try it in a browser, against built-in fakes of every vendor and chat\nplatform (no accounts, no network)",
			about:   "Runs the real server against in-repo fakes of every vendor and both chat platforms, on\nloopback, with a playground page: type into a Feishu or WeCom group, play the vendors' staff.",
			flags:   demoFlags},
		{name: "serve", synopsis: "serve --config FILE", summary: "run the bot",
			about: "Runs the bot until SIGINT or SIGTERM, then drains in-flight work (server.shutdown_timeout).",
			flags: serveFlags},
		{name: "check", synopsis: "check --config FILE [-v] [--online]",
			summary: "validate the configuration; -v also prints it, defaults filled\nin and secrets redacted",
			about:   "Names every problem of the file in one run, in the file's order: unset environment\nvariables, unknown keys (with the nearest valid one), values of the wrong type, placeholders\nleft from config.toml.example, missing and bad values. Exits 1 when there is one.\nWith --online it then calls each configured platform and vendor once (nothing is written\nor posted) and prints ✓ or ✗ with the latency, the vendor's code and message or the kind\nof network failure; exit 1 on any ✗.",
			flags:   checkFlags},
		{name: "audit", synopsis: "audit --config FILE --since WHEN [--until WHEN] [--format csv|json]",
			summary: "export the audit log (CSV by default) to stdout; WHEN is a date,\na date-time in Asia/Shanghai, RFC 3339 or a duration ago",
			about:   auditAbout, flags: auditFlags},
		{name: "report", synopsis: "report --config FILE --since WHEN [--until WHEN] [--format csv|json] [--chat PLATFORM:CHAT_ID]",
			summary: "the weekly report's figures over any window (CSV by default) to\nstdout: every ticket, or one chat's",
			about:   reportAbout, flags: reportFlags},
		{name: "backup", synopsis: "backup --config FILE --to FILE [--force]",
			summary: "copy the SQLite database, consistent while serve runs; for\nPostgreSQL it prints the pg_dump command",
			about:   backupAbout, flags: backupFlags},
		{name: "version", synopsis: "version", summary: "print the version (also ticketbot --version)",
			about: "Prints the version: the release tag, or the commit and its time for a build from source.",
			flags: func(*flag.FlagSet) func(stdout, stderr io.Writer) int {
				return func(stdout, _ io.Writer) int {
					fmt.Fprintln(stdout, "ticketbot", buildVersion())
					return 0
				}
			}},
		{name: "health", synopsis: "health [--url URL]",
			summary: "exit 0 if the running bot answers its health URL with 200 (the\ncontainer's healthcheck)",
			about:   healthAbout, flags: healthFlags},
	}
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch name := args[0]; name {
	case "help", "-h", "-help", "--help":
		if len(args) == 1 || name != "help" || (len(args) == 2 && slices.Contains([]string{"help", "-h", "-help", "--help"}, args[1])) {
			usage(stdout)
			return 0
		}
		c := lookup(args[1])
		if c == nil || len(args) > 2 {
			fmt.Fprintf(stderr, "ticketbot help: unknown command %q\n", strings.Join(args[1:], " "))
			usage(stderr)
			return 2
		}
		c.usage(stdout)
		return 0
	case "--version", "-version":
		return runCommand(lookup("version"), nil, stdout, stderr)
	case "-v", "--verbose":
		fmt.Fprintf(stderr, "ticketbot: %s (verbose) belongs after a command, as in ticketbot check -v; the version is ticketbot version\n", name)
		return 2
	default:
		c := lookup(name)
		if c == nil {
			fmt.Fprintf(stderr, "ticketbot: unknown command %q\n", name)
			usage(stderr)
			return 2
		}
		return runCommand(c, args[1:], stdout, stderr)
	}
}

// runCommand parses a command's flags and runs it: -h and --help print its usage to stdout
// (exit 0); a bad flag or a stray argument prints the problem and its usage to stderr
// (exit 2).
func runCommand(c *command, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // problems and usage are printed here, once, where they belong
	body := c.flags(fs)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		c.usage(stdout)
		return 0
	}
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err != nil {
		fmt.Fprintf(stderr, "ticketbot %s: %v\n\n", c.name, err)
		c.usage(stderr)
		return 2
	}
	return body(stdout, stderr)
}

// usage prints the command's usage line, what it does, and its flags.
func (c *command) usage(w io.Writer) {
	fmt.Fprintf(w, "usage: ticketbot %s\n\n%s\n", c.synopsis, c.about)
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	c.flags(fs)
	printFlags(w, fs)
}

// printFlags lists a flag set's flags, each once with its other name ("-v, --verbose"): a
// one-letter name takes one dash, a longer one two.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	type entry struct {
		names []string
		f     *flag.Flag
	}
	var entries []*entry
	fs.VisitAll(func(f *flag.Flag) {
		for _, e := range entries {
			if e.f.Value == f.Value { // the same variable: another name of the same flag
				e.names = append(e.names, f.Name)
				return
			}
		}
		entries = append(entries, &entry{names: []string{f.Name}, f: f})
	})
	fmt.Fprintln(w, "\nflags:")
	for _, e := range entries {
		var names []string
		for _, n := range e.names {
			if len(n) == 1 {
				names = append([]string{"-" + n}, names...)
			} else {
				names = append(names, "--"+n)
			}
		}
		arg, text := flag.UnquoteUsage(e.f)
		line := "  " + strings.Join(names, ", ")
		if arg != "" {
			line += " " + strings.ToUpper(arg)
		}
		if d := e.f.DefValue; d != "" && d != "false" {
			text += fmt.Sprintf(" (default %q)", d)
		}
		fmt.Fprintf(w, "%s\n      %s\n", line, strings.ReplaceAll(text, "\n", "\n      "))
	}
	fmt.Fprintln(w, "  -h, --help\n      print this help")
}

// configFlag is --config, the same in every command that reads the configuration.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "config.toml", "the configuration `file`")
}

// verboseFlag is -v and --verbose, the same flag under two names.
func verboseFlag(fs *flag.FlagSet, usage string) *bool {
	v := new(bool)
	fs.BoolVar(v, "v", false, usage)
	fs.BoolVar(v, "verbose", false, usage)
	return v
}

func serveFlags(fs *flag.FlagSet) func(stdout, stderr io.Writer) int {
	path := configFlag(fs)
	return func(_, stderr io.Writer) int {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return app.ServeFile(ctx, *path, app.ServeOptions{Stderr: stderr, Version: buildVersion()})
	}
}

func checkFlags(fs *flag.FlagSet) func(stdout, stderr io.Writer) int {
	path := configFlag(fs)
	verbose := verboseFlag(fs, "also print the effective configuration: defaults filled in, secrets redacted")
	online := fs.Bool("online", false, "then make one harmless authenticated call per configured platform and vendor,\nat once, each within 5s; a line each; exit 1 if one fails")
	return func(stdout, stderr io.Writer) int {
		return app.Check(*path, app.CheckOptions{Verbose: *verbose, Online: *online}, stdout, stderr)
	}
}

// auditAbout is what `ticketbot help audit` says before the flags.
const auditAbout = `Writes the audit log from --since (inclusive) to --until (exclusive, default now) to stdout,
oldest first. WHEN is a date (2026-11-01), a date-time (2026-11-21T18:00, 2026-11-21T18:00:05)
in Asia/Shanghai, an RFC 3339 time (2026-11-21T18:00:00Z), or a duration meaning that long
ago (24h, 168h). Only [store] of the configuration is read.`

// auditFlags defines `ticketbot audit`'s flags and returns its body. The body returns 2 for
// bad times, 1 for a bad [store] or a store error.
func auditFlags(fs *flag.FlagSet) func(stdout, stderr io.Writer) int {
	path := configFlag(fs)
	sinceArg := fs.String("since", "", "start of the export, inclusive (required): a `WHEN` as above")
	untilArg := fs.String("until", "", "end of the export, exclusive (default now): a `WHEN` as above")
	format := fs.String("format", "csv", "output `format`: csv or json")
	return func(stdout, stderr io.Writer) int {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return app.Audit(ctx, app.AuditOptions{Config: *path, Since: *sinceArg, Until: *untilArg, Format: *format}, stdout, stderr)
	}
}

// reportAbout is what `ticketbot help report` says before the flags.
const reportAbout = `Writes the figures of the weekly report (周报) from --since (inclusive) to --until (exclusive,
default now) to stdout: per vendor and in total, the tickets opened and closed, the median and
90th percentile of the time to the vendor's first reply and to close (in seconds), and the five
tickets that waited on us longest at --until. It covers every ticket the bot knows, or with
--chat those one chat follows, as that chat's 周报 does. WHEN is a date (2026-11-30), a
date-time (2026-11-30T09:30) in [bot] timezone, an RFC 3339 time, or a duration meaning that
long ago (168h). CSV rows are a vendor's figures (section "vendor"), the total ("total") or a
ticket waiting on us ("waiting"). Only [store] and [bot] of the configuration are read.`

// reportFlags defines `ticketbot report`'s flags and returns its body. The body returns 2
// for bad flags or times, 1 for a bad configuration or a store error.
func reportFlags(fs *flag.FlagSet) func(stdout, stderr io.Writer) int {
	path := configFlag(fs)
	sinceArg := fs.String("since", "", "start of the window, inclusive (required): a `WHEN` as above")
	untilArg := fs.String("until", "", "end of the window, exclusive (default now): a `WHEN` as above")
	format := fs.String("format", "csv", "output `format`: csv or json")
	chat := fs.String("chat", "", "only the tickets this chat follows: `platform:chat_id` (default every ticket)")
	return func(stdout, stderr io.Writer) int {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return app.Report(ctx, app.ReportOptions{Config: *path, Since: *sinceArg, Until: *untilArg, Format: *format, Chat: *chat}, stdout, stderr)
	}
}

// backupAbout is what `ticketbot help backup` says before the flags.
const backupAbout = `Writes a consistent copy of the SQLite database named by [store] to --to while serve keeps
writing it (SQLite's VACUUM INTO: what was committed when the copy began, compacted). The copy
is written beside --to and moved into place when complete; an existing file is replaced only
with --force. The database is not migrated. For PostgreSQL it prints the pg_dump command to
use instead and exits 2. Only [store] of the configuration is read.`

// backupFlags defines `ticketbot backup`'s flags and returns its body.
func backupFlags(fs *flag.FlagSet) func(stdout, stderr io.Writer) int {
	path := configFlag(fs)
	to := fs.String("to", "", "the `file` to write the copy to (required)")
	force := fs.Bool("force", false, "replace --to if it exists")
	return func(stdout, stderr io.Writer) int {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return app.Backup(ctx, app.BackupOptions{Config: *path, To: *to, Force: *force}, stdout, stderr)
	}
}

// demoFlags defines `ticketbot demo`'s flags and returns its body.
func demoFlags(fs *flag.FlagSet) func(stdout, stderr io.Writer) int {
	listen := fs.String("listen", "127.0.0.1:8080", "`addr`ess of the playground page (loopback only)")
	verbose := verboseFlag(fs, "log what ticketbot does (info level)")
	return func(stdout, stderr io.Writer) int {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		err := demo.Run(ctx, demo.Options{Listen: *listen, Verbose: *verbose, Stdout: stdout, Stderr: stderr, Version: buildVersion()})
		if err != nil {
			fmt.Fprintln(stderr, "ticketbot demo:", err)
			return 1
		}
		return 0
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage:")
	for _, c := range commands {
		line := "  ticketbot " + c.synopsis
		summary := strings.ReplaceAll(c.summary, "\n", "\n"+strings.Repeat(" ", 34))
		if len(line) > 32 {
			fmt.Fprintf(w, "%s\n%34s%s\n", line, "", summary)
		} else {
			fmt.Fprintf(w, "%-34s%s\n", line, summary)
		}
	}
	fmt.Fprintf(w, "%-34s%s\n", "  ticketbot help [COMMAND]", "this text, or a command's flags (also -h, --help)")
}
