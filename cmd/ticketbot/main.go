// Command ticketbot brings cloud-vendor tickets (工单) into Feishu and WeCom group chats.
//
//	ticketbot demo [--listen ADDR] [-v]    try it in a browser, against built-in fakes
//	ticketbot serve --config FILE          run the bot
//	ticketbot check --config FILE [-v]     validate the configuration (-v: and print it)
//	ticketbot audit --config FILE --since WHEN [--until WHEN] [--format csv|json]
//	                                       export the audit log to stdout
//	ticketbot version                      print the version (also --version)
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

	"github.com/ticketbot/ticketbot/bot/wecom"
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
		{name: "check", synopsis: "check --config FILE [-v]",
			summary: "validate the configuration; -v also prints it, defaults filled\nin and secrets redacted",
			about:   "Names every problem of the file in one run, in the file's order: unset environment\nvariables, unknown keys (with the nearest valid one), values of the wrong type, placeholders\nleft from config.toml.example, missing and bad values. Exits 1 when there is one.",
			flags:   checkFlags},
		{name: "audit", synopsis: "audit --config FILE --since WHEN [--until WHEN] [--format csv|json]",
			summary: "export the audit log (CSV by default) to stdout; WHEN is a date,\na date-time in Asia/Shanghai, RFC 3339 or a duration ago",
			about:   auditAbout, flags: auditFlags},
		{name: "version", synopsis: "version", summary: "print the version (also ticketbot --version)",
			about: "Prints the version: the release tag, or the commit and its time for a build from source.",
			flags: func(*flag.FlagSet) func(stdout, stderr io.Writer) int {
				return func(stdout, _ io.Writer) int {
					fmt.Fprintln(stdout, "ticketbot", buildVersion())
					return 0
				}
			}},
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
		cfg, code := load(*path, stderr)
		if cfg == nil {
			return code
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := Serve(ctx, cfg, ServeOptions{Stderr: stderr}); err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintln(stderr, "ticketbot:", err)
			return 1
		}
		return 0
	}
}

func checkFlags(fs *flag.FlagSet) func(stdout, stderr io.Writer) int {
	path := configFlag(fs)
	verbose := verboseFlag(fs, "also print the effective configuration: defaults filled in, secrets redacted")
	return func(stdout, stderr io.Writer) int {
		cfg, code := load(*path, stderr)
		if cfg == nil {
			return code
		}
		fmt.Fprintf(stdout, "%s: OK\n", cfg.path)
		for _, w := range warnings(cfg) {
			fmt.Fprintln(stdout, "warning:", w)
		}
		if *verbose {
			fmt.Fprint(stdout, "\n", cfg.String())
		}
		return 0
	}
}

// load reads the configuration. A nil config comes with exit code 1, every problem printed.
func load(path string, stderr io.Writer) (*Config, int) {
	cfg, errs := LoadConfig(path)
	if len(errs) > 0 {
		printErrors(stderr, path, errs)
		return nil, 1
	}
	cfg.path = path
	return cfg, 0
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

func printErrors(w io.Writer, path string, errs []error) {
	fmt.Fprintf(w, "%s: %d problem(s):\n", path, len(errs))
	for _, e := range errs {
		fmt.Fprintln(w, "  -", e)
	}
}

// warnings are things that work but deserve an operator's look.
func warnings(c *Config) []string {
	var ws []string
	if c.Ksyun != nil && c.Ksyun.UsesDefaultSign() {
		ws = append(ws, "providers.ksyun: Kingsoft does not publish its Sign rule; the default md5(AppId+Timestamp+AppSecret) is a guess — confirm it with Kingsoft (sign_algo, sign_template)")
	}
	if len(c.Chats) == 0 {
		ws = append(ws, "no [[chats]] configured: every chat that adds the bot may use it")
	}
	ws = append(ws, wecomNoticeWarnings(c)...)
	return append(ws, c.legacy...)
}

// wecomNoticeWarnings names the WeCom groups that watcher notices cannot reach on their own:
// in webhook mode only a group's own robot (webhook_key in its [[chats]] entry) can post
// when nobody has written to the bot there within the hour; until then notices wait.
func wecomNoticeWarnings(c *Config) []string {
	if c.WeCom == nil || c.WeCom.Mode != wecom.ModeWebhook {
		return nil
	}
	var ws []string
	groups := 0
	for i, ch := range c.Chats {
		if ch.Platform != "wecom" || strings.HasPrefix(ch.ChatID, "single:") {
			continue
		}
		groups++
		if ch.WebhookKey == "" {
			ws = append(ws, fmt.Sprintf("chats[%d]: WeCom group %s has no webhook_key: its notices wait until someone there writes to the bot (an answer window lasts an hour); add the group's robot key, or use mode = \"websocket\"", i, ch.ChatID))
		}
	}
	if groups == 0 {
		ws = append(ws, "wecom: in webhook mode notices reach a group only through its own robot: list each WeCom group in [[chats]] with its webhook_key, or use mode = \"websocket\"; until then notices wait for someone in the group to write to the bot")
	}
	return ws
}
