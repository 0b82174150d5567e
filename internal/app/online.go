package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
)

// DefaultProbeTimeout bounds each online check: long enough for a slow vendor's one read,
// short enough that a hung one does not hold the operator.
const DefaultProbeTimeout = 5 * time.Second

// probe is one configured platform or vendor to call, and what came of it.
type probe struct {
	name string
	run  func(ctx context.Context) (call string, err error)

	call string
	took time.Duration
	err  error
}

// probes are the configured platforms, then vendors, in registry order, each built as serve
// builds it (with no sink: nothing is received) and asked for its harmless call. One that
// cannot be built fails its line.
func probes(cfg *Config) []*probe {
	log := slog.New(slog.DiscardHandler)
	var out []*probe
	for _, pd := range platformRegistry {
		sec := cfg.Platforms[pd.Name]
		if sec == nil {
			continue
		}
		p := &probe{name: pd.Name}
		r, err := pd.New(sec, bot.PlatformEnv{Log: log, MaxBody: cfg.Server.MaxBody})
		p.run = func(ctx context.Context) (string, error) {
			if err != nil {
				return "build", err
			}
			return bot.Probe(ctx, r.Platform)
		}
		out = append(out, p)
	}
	for _, d := range vendorRegistry.All() {
		sec := cfg.Providers[d.Name]
		if sec == nil {
			continue
		}
		p := &probe{name: d.Name}
		prov, err := d.New(sec, providers.Env{Log: log})
		p.run = func(ctx context.Context) (string, error) {
			if err != nil {
				return "build", err
			}
			return providers.Probe(ctx, prov)
		}
		out = append(out, p)
	}
	return out
}

// checkOnline runs every probe at once, each bounded by timeout, and prints one line each in
// order: ✓, ✗ or – (cannot be checked online), the name, the call, its latency, and on
// failure the vendor's code and message or the kind of network failure, scrubbed of every
// secret of cfg. It reports whether any failed.
func checkOnline(cfg *Config, timeout time.Duration, w io.Writer) (failed bool) {
	ps := probes(cfg)
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			start := time.Now()
			p.call, p.err = p.run(ctx)
			p.took = time.Since(start)
		})
	}
	wg.Wait()
	secrets := secretsOf(cfg)
	for _, p := range ps {
		mark, detail, fix := describe(p.err)
		if mark == "✗" {
			failed = true
		}
		if detail == "timed out" {
			detail += " after " + latency(timeout)
		}
		line := fmt.Sprintf("%s %-11s %-21s %-6s %s", mark, p.name, p.call, latency(p.took), detail)
		fmt.Fprintln(w, providers.Scrub(strings.TrimRight(line, " "), secrets...))
		if fix != "" {
			fmt.Fprintln(w, providers.Scrub("    "+fix, secrets...))
		}
	}
	return failed
}

// describe is a probe's mark, what its line says after the latency, and what to write in the
// configuration when the probe found out.
func describe(err error) (mark, detail, fix string) {
	if err == nil {
		return "✓", "", ""
	}
	if errors.Is(err, providers.ErrUnsupported) || errors.Is(err, bot.ErrUnsupported) {
		why := err.Error()
		for _, s := range []error{providers.ErrUnsupported, bot.ErrUnsupported} {
			why = strings.TrimPrefix(why, s.Error())
		}
		why = strings.TrimPrefix(why, ": ")
		if why == "" {
			why = "no harmless call to make"
		}
		return "–", "cannot be checked online: " + why, ""
	}
	if pe, ok := errors.AsType[*providers.ProbeError](err); ok {
		fix = pe.Fix
		err = pe.Err
	}
	if kind := netKind(err); kind != "" {
		return "✗", kind, fix
	}
	if ve, ok := errors.AsType[*providers.VendorError](err); ok {
		return "✗", fmt.Sprintf("vendor code %s: %s", ve.Code, oneLine(ve.Message)), fix
	}
	return "✗", oneLine(err.Error()), fix
}

// oneLine folds whitespace and cuts a vendor's message to what fits a terminal line or two.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 160 {
		s = string(r[:159]) + "…"
	}
	return s
}

// latency is a duration as people read it: 212ms, 1.3s.
func latency(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// secretType is the type every configured secret has.
var secretType = reflect.TypeFor[providers.Secret]()

// secretsOf collects every secret in v (the configuration: its sections are the vendors' and
// platforms' own types), so no line can print one whatever a vendor echoes.
func secretsOf(v any) []string {
	var out []string
	var walk func(reflect.Value)
	walk = func(v reflect.Value) {
		switch {
		case !v.IsValid():
		case v.Type() == secretType:
			if s := v.String(); s != "" {
				out = append(out, s)
			}
		case v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case v.Kind() == reflect.Struct:
			for i := range v.NumField() {
				walk(v.Field(i))
			}
		case v.Kind() == reflect.Map:
			for it := v.MapRange(); it.Next(); {
				walk(it.Value())
			}
		case v.Kind() == reflect.Slice || v.Kind() == reflect.Array:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		}
	}
	walk(reflect.ValueOf(v))
	return out
}
