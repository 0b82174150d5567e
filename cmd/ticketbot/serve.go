package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/bot/feishu"
	"github.com/ticketbot/ticketbot/bot/wecom"
	"github.com/ticketbot/ticketbot/handlers"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/ksyun"
	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/templates"
)

// ServeOptions are the knobs of Serve that do not belong in the configuration file.
type ServeOptions struct {
	// Stderr receives the logs (os.Stderr when nil).
	Stderr io.Writer
	// Ready, when set, is called with the address the server listens on (tests listen on
	// 127.0.0.1:0).
	Ready func(addr string)
}

// Serve runs ticketbot until ctx ends, then shuts down gracefully: it stops accepting
// requests, lets queued and running work finish (bounded by server.shutdown_timeout) and
// closes the store.
func Serve(ctx context.Context, cfg *Config, opts ServeOptions) error {
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	log := newLogger(cfg.Log, opts.Stderr)
	for _, w := range warnings(cfg) {
		log.Warn(w)
	}

	st, err := openStore(ctx, cfg.Store)
	if err != nil {
		return err
	}
	cached := store.NewCached(st, 10*time.Minute)
	defer func() {
		if err := cached.Close(); err != nil {
			log.Error("close store", "err", err)
		}
	}()

	provs := map[string]providers.Provider{}
	if cfg.Ksyun != nil {
		p, err := ksyun.New(*cfg.Ksyun)
		if err != nil {
			return err
		}
		provs[p.Name()] = p
	}
	if cfg.Aliyun != nil {
		p, err := aliyun.New(*cfg.Aliyun, aliyun.WithLogger(log))
		if err != nil {
			return err
		}
		provs[p.Name()] = p
	}
	var wb *weiban.Provider
	if cfg.Weiban != nil {
		if wb, err = weiban.New(*cfg.Weiban, weiban.WithLogger(log)); err != nil {
			return err
		}
		provs[wb.Name()] = wb
	}
	loc, err := cfg.Bot.Location()
	if err != nil {
		return fmt.Errorf("bot.timezone: %w", err)
	}
	renderer, err := templates.New(cfg.Bot.TemplatesDir, templates.WithLocation(loc))
	if err != nil {
		return err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := bot.NewMetrics(reg)

	// The platforms map is filled after the dispatcher exists: platforms hand deliveries to
	// the dispatcher, and the bot answers through the platforms.
	platforms := map[string]bot.Platform{}
	b := handlers.New(cfg.Bot, handlers.Deps{Vendors: vendorRegistry, Providers: provs, Store: cached, Renderer: renderer, Platforms: platforms, Log: log})
	b.UseMetrics(metrics)
	actionWait, _ := time.ParseDuration(cfg.Bot.ActionWait)
	d := bot.NewDispatcher(bot.DispatcherConfig{Workers: cfg.Bot.Workers, Queue: cfg.Bot.Queue, ActionWait: actionWait, Cards: cached},
		b, cached, platforms, metrics, log)
	d.Start()

	webhooks := map[string]http.Handler{}
	// The work engine retries the writes a vendor could not take and prunes finished jobs and
	// old delivery ids, on every replica.
	background := []func(context.Context) error{func(ctx context.Context) error { b.RunOutbox(ctx); return nil }}
	if cfg.Feishu != nil {
		fs, err := feishu.New(*cfg.Feishu, d, log, feishu.WithMaxBody(cfg.Server.MaxBody))
		if err != nil {
			return err
		}
		platforms[fs.Name()] = fs
		if cfg.Feishu.Mode == feishu.ModeWebsocket {
			background = append(background, fs.Run)
		} else {
			webhooks["/feishu/webhook"] = fs.Handler()
		}
	}

	if cfg.Watch.Enabled == nil || *cfg.Watch.Enabled {
		w := newWatcher(cfg, cached, provs, platforms, b, reg, log)
		background = append(background, w.Run)
		// Weiban pushes its changes: they go through the watcher's own change detection.
		if wb != nil && cfg.Weiban.EventsEnabled() {
			webhooks["/weiban/events"] = wb.EventHandler(w.Observe)
		}
	}

	if cfg.WeCom != nil {
		wc, err := wecom.New(*cfg.WeCom, d, log, wecom.WithMaxBody(cfg.Server.MaxBody))
		if err != nil {
			return err
		}
		platforms[wc.Name()] = wc
		if cfg.WeCom.Mode == wecom.ModeWebsocket {
			background = append(background, wc.Run)
		} else {
			webhooks[wecom.CallbackPath] = wc.Handler()
		}
	}

	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Server.Listen, err)
	}
	router := handlers.Router(handlers.Routes{Webhooks: webhooks, Gatherer: reg, Health: st.Ping, Log: log})
	srv := &http.Server{Handler: router, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}

	var on []string
	for name := range platforms {
		on = append(on, name)
	}
	var provNames []string
	for name := range provs {
		provNames = append(provNames, name)
	}
	log.Info("ticketbot serving", "addr", ln.Addr().String(), "platforms", strings.Join(on, ","),
		"providers", strings.Join(provNames, ","), "store", cfg.Store.Driver, "version", buildVersion())
	if opts.Ready != nil {
		opts.Ready(ln.Addr().String())
	}

	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	errc := make(chan error, 1+len(background))
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	var bg sync.WaitGroup
	for _, f := range background {
		bg.Add(1)
		go func() {
			defer bg.Done()
			if err := f(runCtx); err != nil && !errors.Is(err, context.Canceled) {
				errc <- err
			}
		}()
	}

	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case runErr = <-errc:
		log.Error("stopping after error", "err", runErr)
	}
	timeout, _ := time.ParseDuration(cfg.Server.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Error("http shutdown", "err", err)
	}
	cancelRun()
	if err := d.Shutdown(sctx); err != nil {
		log.Error("work left unfinished at shutdown", "err", err)
	}
	// Background loops record what they were doing (an outbox attempt cut short stays
	// pending) before the store closes.
	stopped := make(chan struct{})
	go func() { bg.Wait(); close(stopped) }()
	select {
	case <-stopped:
	case <-sctx.Done():
		log.Error("background work still running at shutdown")
	}
	log.Info("stopped")
	return runErr
}

func newWatcher(cfg *Config, st store.Store, provs map[string]providers.Provider, platforms map[string]bot.Platform,
	b *handlers.Bot, reg prometheus.Registerer, log *slog.Logger) *bot.Watcher {
	return bot.NewWatcher(watchConfig(cfg), st, provs, platforms, b, cfg.Bot.Policy, bot.NewWatchMetrics(reg), log.With("component", "watcher"))
}

// watchConfig is the watcher's part of a checked configuration: [watch], [bot] timezone for
// quiet hours and summaries, and [bot.retry] for notices that could not be delivered.
func watchConfig(cfg *Config) bot.WatchConfig {
	interval, _ := time.ParseDuration(cfg.Watch.Interval)
	deliver, _ := time.ParseDuration(cfg.Watch.DeliverEvery)
	closedFor, _ := time.ParseDuration(cfg.Watch.ClosedFor)
	notesEvery, _ := time.ParseDuration(cfg.Watch.NotesEvery)
	loc, _ := cfg.Bot.Location() // checked by Serve
	policy, _ := cfg.Bot.Retry.Policy()
	chatGap, appGap := bot.Pacing(platformRegistry)
	return bot.WatchConfig{Retry: policy, ChatInterval: chatGap, AppInterval: appGap, Interval: interval, DeliverEvery: deliver, Concurrency: cfg.Watch.Concurrency, Batch: cfg.Watch.Batch,
		ClosedEvery: cfg.Watch.ClosedEvery, ClosedFor: closedFor, InThread: cfg.Watch.InThread == nil || *cfg.Watch.InThread,
		Location: loc, NotesEvery: notesEvery, NotesBudget: cfg.Watch.NotesBudget}
}

func openStore(ctx context.Context, c StoreConfig) (*store.SQL, error) {
	switch c.Driver {
	case "sqlite":
		return store.OpenSQLite(ctx, c.DSN.Reveal())
	default:
		return nil, fmt.Errorf("store.driver %q is not available", c.Driver)
	}
}

func newLogger(c LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
