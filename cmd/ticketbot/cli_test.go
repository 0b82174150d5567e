package main

import (
	"bytes"
	"flag"
	"runtime/debug"
	"strings"
	"testing"
)

// TestHelpForms: every way of asking for help exits 0 and prints to stdout; help for a
// command shows that command's usage and flags.
func TestHelpForms(t *testing.T) {
	general := [][]string{{"help"}, {"-h"}, {"--help"}, {"-help"}, {"help", "help"}, {"help", "-h"}, {"help", "--help"}}
	for _, args := range general {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, errOut, code := runCLI(args...)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			for _, c := range commands {
				if !strings.Contains(out, "ticketbot "+c.synopsis) {
					t.Errorf("general usage lacks %q:\n%s", c.synopsis, out)
				}
			}
		})
	}
	flags := map[string][]string{
		"demo":    {"--listen ADDR", "-v, --verbose", "-h, --help"},
		"serve":   {"--config FILE", "-h, --help"},
		"check":   {"--config FILE", "--online", "-v, --verbose", "-h, --help"},
		"audit":   {"--config FILE", "--since WHEN", "--until WHEN", "--format FORMAT", "-h, --help"},
		"backup":  {"--config FILE", "--to FILE", "--force", "-h, --help"},
		"version": {"-h, --help"},
	}
	for _, c := range commands {
		for _, args := range [][]string{{"help", c.name}, {c.name, "-h"}, {c.name, "--help"}, {c.name, "-help"}} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				out, errOut, code := runCLI(args...)
				if code != 0 || errOut != "" {
					t.Fatalf("exit %d, stderr %q", code, errOut)
				}
				if !strings.HasPrefix(out, "usage: ticketbot "+c.synopsis+"\n") {
					t.Errorf("does not start with the command's usage:\n%s", out)
				}
				for _, f := range flags[c.name] {
					if !strings.Contains(out, "\n  "+f+"\n") {
						t.Errorf("lacks the flag %q:\n%s", f, out)
					}
				}
			})
		}
	}
}

// TestUsageErrors: a bad flag, a stray argument or an unknown command exits 2 with the
// problem and the usage on stderr, nothing on stdout.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string // on stderr, in order
	}{
		{[]string{}, []string{"usage:"}},
		{[]string{"serve", "--bogus"}, []string{"ticketbot serve: flag provided but not defined: -bogus", "usage: ticketbot serve"}},
		{[]string{"check", "-x"}, []string{"ticketbot check: flag provided but not defined: -x", "usage: ticketbot check", "--config FILE"}},
		{[]string{"demo", "--listen"}, []string{"ticketbot demo: flag needs an argument: -listen", "usage: ticketbot demo"}},
		{[]string{"audit", "--colour"}, []string{"-colour", "usage: ticketbot audit"}},
		{[]string{"version", "--short"}, []string{"-short", "usage: ticketbot version"}},
		{[]string{"check", "config.toml"}, []string{`ticketbot check: unexpected argument "config.toml"`, "usage: ticketbot check"}},
		{[]string{"frobnicate"}, []string{`ticketbot: unknown command "frobnicate"`, "usage:"}},
		{[]string{"help", "frobnicate"}, []string{`ticketbot help: unknown command "frobnicate"`, "usage:"}},
		// -v is verbose, after a command; it is not the version.
		{[]string{"-v"}, []string{"-v (verbose) belongs after a command", "ticketbot version"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, errOut, code := runCLI(tc.args...)
			if code != 2 || out != "" {
				t.Fatalf("exit %d, stdout %q; want 2 and nothing", code, out)
			}
			rest := errOut
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("stderr lacks %q (in order):\n%s", w, errOut)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}

// TestOneMeaningPerFlag: a flag name means the same in every command that has it, and -v is
// always --verbose.
func TestOneMeaningPerFlag(t *testing.T) {
	usage := map[string]string{}
	for _, c := range commands {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		c.flags(fs)
		fs.VisitAll(func(f *flag.Flag) {
			if f.Name == "v" {
				if long := fs.Lookup("verbose"); long == nil || long.Value != f.Value {
					t.Errorf("%s: -v is not --verbose", c.name)
				}
			}
			if f.Name == "config" {
				if prev, ok := usage["config"]; ok && prev != f.Usage+f.DefValue {
					t.Errorf("%s: --config differs from another command's", c.name)
				}
				usage["config"] = f.Usage + f.DefValue
			}
			if f.Name == "version" || f.Name == "V" {
				t.Errorf("%s: has a version flag; the version is ticketbot version", c.name)
			}
		})
	}
}

func TestVersionCommand(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, errOut, code := runCLI(args...)
		// Test binaries carry no VCS stamp and no ldflags.
		if code != 0 || errOut != "" || out != "ticketbot (devel)\n" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}

func TestFormatVersion(t *testing.T) {
	stamped := func(mod string, settings ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/ticketbot/ticketbot", Version: mod}}
		for i := 0; i+1 < len(settings); i += 2 {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return bi
	}
	const rev = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"
	for _, tc := range []struct {
		name    string
		ldflags string
		bi      *debug.BuildInfo
		want    string
	}{
		{"ldflags win", "v1.4.0", stamped("v1.3.0", "vcs.revision", rev), "v1.4.0"},
		{"a release tag", "", stamped("v1.3.0", "vcs.revision", rev, "vcs.time", "2026-11-21T10:00:00Z"), "v1.3.0"},
		{"a tag built from a changed tree", "", stamped("v1.3.0+dirty"), "v1.3.0+dirty"},
		{"a checkout", "", stamped("(devel)", "vcs", "git", "vcs.revision", rev, "vcs.time", "2026-11-21T10:00:00Z", "vcs.modified", "false"),
			"1a2b3c4d5e6f (2026-11-21T10:00:00Z)"},
		{"a changed checkout", "", stamped("(devel)", "vcs.revision", rev, "vcs.time", "2026-11-21T10:00:00Z", "vcs.modified", "true"),
			"1a2b3c4d5e6f-dirty (2026-11-21T10:00:00Z)"},
		{"a pseudo-version gives way to the commit", "", stamped("v0.0.0-20261121100000-1a2b3c4d5e6f+dirty", "vcs.revision", rev,
			"vcs.time", "2026-11-21T10:00:00Z", "vcs.modified", "true"), "1a2b3c4d5e6f-dirty (2026-11-21T10:00:00Z)"},
		{"a pseudo-version without VCS", "", stamped("v1.2.4-0.20261121100000-1a2b3c4d5e6f"), "v1.2.4-0.20261121100000-1a2b3c4d5e6f"},
		{"a short revision", "", stamped("", "vcs.revision", "abc123"), "abc123"},
		{"nothing stamped", "", stamped("(devel)"), "(devel)"},
		{"no build info", "", nil, "(devel)"},
	} {
		if got := formatVersion(tc.ldflags, tc.bi); got != tc.want {
			t.Errorf("%s: formatVersion = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func runCLI(args ...string) (stdout, stderr string, code int) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return out.String(), errOut.String(), code
}
