// Command ticketbot brings cloud-vendor tickets (工单) into Feishu and WeCom group chats.
//
//	ticketbot demo [--listen 127.0.0.1:8080]
//	                                       try it in a browser, against built-in fakes
//	ticketbot serve --config config.toml   run the bot
//	ticketbot check --config config.toml   validate the configuration
//	ticketbot audit --config config.toml --since 2026-11-01 [--until 2026-11-21T18:00] [--format csv|json]
//	                                       export the audit log to stdout
//	ticketbot version                      print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/ticketbot/ticketbot/bot/wecom"
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise the module
// version from the build info is used.
var version = ""

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "serve":
		cfg, code := loadFromFlags(args, stderr, nil)
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
	case "demo":
		return runDemoCommand(args[1:], stdout, stderr)
	case "check":
		var verbose *bool
		cfg, code := loadFromFlags(args, stderr, func(fs *flag.FlagSet) {
			verbose = fs.Bool("v", false, "print the effective configuration (secrets redacted)")
		})
		if cfg == nil {
			return code
		}
		fmt.Fprintf(stdout, "%s: OK\n", cfg.path)
		for _, w := range warnings(cfg) {
			fmt.Fprintln(stdout, "warning:", w)
		}
		if *verbose {
			fmt.Fprint(stdout, cfg.String())
		}
		return 0
	case "audit":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return runAudit(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "ticketbot", buildVersion())
		return 0
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "ticketbot: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
}

// loadFromFlags parses a subcommand's flags (--config, plus any extra) and loads the file. A
// nil config comes with the exit code: 2 for bad flags, 1 for a bad configuration, whose
// every problem is printed.
func loadFromFlags(args []string, stderr io.Writer, extra func(*flag.FlagSet)) (*Config, int) {
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "config.toml", "configuration file")
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return nil, 2
	}
	cfg, errs := LoadConfig(*path)
	if len(errs) > 0 {
		printErrors(stderr, *path, errs)
		return nil, 1
	}
	cfg.path = *path
	return cfg, 0
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  ticketbot demo [--listen ADDR]  try it in a browser: ticketbot against built-in fakes of
                                  every vendor and chat platform (no accounts, no network)
  ticketbot serve --config FILE   run the bot
  ticketbot check --config FILE   validate the configuration (-v prints it, secrets redacted)
  ticketbot audit --config FILE --since WHEN [--until WHEN] [--format csv|json]
                                  export the audit log (CSV by default) to stdout; WHEN is a
                                  date, a date-time in Asia/Shanghai, RFC 3339 or a duration ago
  ticketbot version               print the version
`)
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
	return ws
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

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
