package app

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
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/command"
	"github.com/ticketbot/ticketbot/internal/reqid"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/templates"
)

// ServeOptions are the knobs of Serve that do not belong in the configuration file.
type ServeOptions struct {
	// Stderr receives the logs (os.Stderr when nil).
	Stderr io.Writer
	// Ready, when set, is called with the addresses the servers listen on (tests listen on
	// 127.0.0.1:0).
	Ready func(Addrs)
	// Version is the build's version, for the log line that says it serves.
	Version string
}

// Addrs are where Serve listens.
type Addrs struct {
	// Public serves the webhooks; Admin /healthz, /readyz, /metrics and /debug/pprof.
	Public, Admin string
}

// ServeFile is `ticketbot serve`: it reads the configuration at path, printing every problem
// (exit 1), and serves until ctx ends (exit 0) or fails (exit 1).
func ServeFile(ctx context.Context, path string, opts ServeOptions) int {
	stderr := opts.Stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	cfg, code := load(path, stderr)
	if cfg == nil {
		return code
	}
	if err := Serve(ctx, cfg, opts); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "ticketbot:", err)
		return 1
	}
	return 0
}

// Serve runs ticketbot until ctx ends, then shuts down gracefully (see shutdown): it stops
// accepting requests, lets queued and running work finish until server.shutdown_timeout,
// cancels what is left, waits for every goroutine it started and closes the store. No
// goroutine it started outlives it.
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
	if cfg.Store.Driver != "postgres" {
		cached.Sole() // SQLite: one replica, which makes every write
	}
	cached.Warm()
	// The store is closed by shutdown once nothing can use it; before the server runs,
	// nothing has started that could.
	serving := false
	defer func() {
		if serving {
			return
		}
		if err := cached.Close(); err != nil {
			log.Error("close store", "err", err)
		}
	}()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := bot.NewMetrics(reg)

	provs, err := newProviders(cfg, providers.Env{Log: log, Observe: func(ctx context.Context, vendor, op string, took time.Duration, err error) {
		metrics.VendorCall(vendor, op, took.Seconds(), err != nil)
		log.LogAttrs(ctx, slog.LevelDebug, "vendor call", slog.String("provider", vendor), slog.String("op", op),
			slog.Duration("took", took), slog.Bool("ok", err == nil))
	}})
	if err != nil {
		return err
	}
	loc, err := cfg.Bot.Location()
	if err != nil {
		return fmt.Errorf("bot.timezone: %w", err)
	}
	renderer, err := templates.New(cfg.Bot.TemplatesDir, templates.WithLocation(loc))
	if err != nil {
		return err
	}

	// The platforms map is filled after the dispatcher exists: platforms hand deliveries to
	// the dispatcher, and the bot answers through the platforms.
	platforms := map[string]bot.Platform{}
	b := command.New(cfg.Bot, command.Deps{Vendors: vendorRegistry, Providers: provs, Store: cached, Renderer: renderer, Platforms: platforms, Log: log})
	b.UseMetrics(metrics)
	// Both checked: the wait under every platform's card answer limit, the timeout positive.
	d := bot.NewDispatcher(bot.DispatcherConfig{Workers: cfg.Bot.Workers, Queue: cfg.Bot.Queue, ActionWait: cfg.Bot.ActionWait.D(),
		CommandTimeout: cfg.Bot.CommandTimeout.D(), Cards: cached, Toasts: b.Toasts, Overhear: b.Unfurls,
		Inbox: cached, Sensitive: command.Sensitive}, b, cached, platforms, metrics, log)

	webhooks := map[string]http.Handler{}
	// roles are what one replica of several does at a time (the watcher with its notices and
	// summaries; a long connection the platform allows once per bot), each led through the
	// shared store. With SQLite there is one replica: it plays every role itself.
	roles := newRoles(cfg.Store.Driver == "postgres", st, log)
	// intake are the long connections: like the HTTP server, they bring deliveries in.
	var intake []func(context.Context) error
	// conns say each long connection's state, for /readyz.
	conns := map[string]func() string{}
	// background are the loops that work on their own: the work engine retries the writes a
	// vendor could not take and prunes finished jobs and old delivery ids, on every replica;
	// the watcher follows the tickets.
	background := []func(context.Context) error{func(ctx context.Context) error { b.RunOutbox(ctx); return nil }}
	// drains finish what the platforms still owe at shutdown (notices queued to send).
	drains := map[string]func(context.Context) error{}
	for _, pd := range platformRegistry {
		sec := cfg.Platforms[pd.Name]
		if sec == nil {
			continue
		}
		r, err := pd.New(sec, bot.PlatformEnv{Sink: d, Log: log, MaxBody: cfg.Server.MaxBody, Metrics: metrics})
		if err != nil {
			return err
		}
		platforms[pd.Name] = r.Platform
		if r.Connect != nil {
			connect, role := r.Connect, pd.Name+" connection"
			if pd.OneConnection {
				connect = roles.play(role, connect)
			}
			intake = append(intake, connect)
			if connected := r.Connected; connected != nil {
				one := pd.OneConnection
				conns[pd.Name] = func() string {
					switch {
					case one && !roles.holds(role):
						return connStandby
					case connected():
						return connConnected
					}
					return connConnecting
				}
			}
		}
		if r.Webhook != nil {
			webhooks[r.WebhookPath] = r.Webhook
		}
		if r.Drain != nil {
			drains[pd.Name] = r.Drain
		}
	}

	if cfg.Watch.Enabled == nil || *cfg.Watch.Enabled {
		w := newWatcher(cfg, cached, provs, platforms, b, reg, log)
		// The replica that watches makes the [[chats]] subscribe presets first: their tickets
		// are what it then follows.
		background = append(background, roles.play("watcher", func(ctx context.Context) error {
			b.Presets(ctx)
			return w.Run(ctx)
		}))
		// A vendor that pushes its changes: they go through the watcher's own change
		// detection.
		for _, p := range provs {
			if pusher, ok := p.(providers.Pusher); ok {
				if path, on := pusher.Events(); on {
					webhooks[path] = countRefusals(p.Name(), pusher.EventHandler(w.Observe), metrics)
				}
			}
		}
	}

	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Server.Listen, err)
	}
	adminLn, err := net.Listen("tcp", cfg.Server.AdminListen)
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("listen %s (server.admin_listen): %w", cfg.Server.AdminListen, err)
	}
	reg.MustRegister(roles.collector(), jobDepths{st: st, log: log, now: time.Now})
	for name, state := range conns {
		reg.MustRegister(connectionGauge(name, state))
	}
	// net/http's own complaints (a TLS handshake a scanner broke off) go to our log.
	httpLog := slog.NewLogLogger(log.Handler(), slog.LevelInfo)
	srv := &http.Server{Handler: newRouter(routes{Webhooks: webhooks, Log: log, Metrics: metrics}), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		ErrorLog: httpLog}
	var stopping atomic.Bool
	admin := &http.Server{Handler: newAdmin(adminRoutes{Gatherer: reg, Store: st.Ping, Leads: roles.leads, Connections: conns,
		Stopping: stopping.Load, Pprof: cfg.Server.Pprof, Log: log}), ReadHeaderTimeout: 10 * time.Second, ErrorLog: httpLog}

	var on []string
	for name := range platforms {
		on = append(on, name)
	}
	var provNames []string
	for name := range provs {
		provNames = append(provNames, name)
	}
	tlsOn := cfg.Server.TLSCert != ""
	log.Info("ticketbot serving", "addr", ln.Addr().String(), "tls", tlsOn, "admin_addr", adminLn.Addr().String(),
		"platforms", strings.Join(on, ","), "providers", strings.Join(provNames, ","), "store", cfg.Store.Driver, "version", opts.Version)
	if opts.Ready != nil {
		opts.Ready(Addrs{Public: ln.Addr().String(), Admin: adminLn.Addr().String()})
	}

	serving = true
	d.Start()
	errc := make(chan error, 2+len(intake)+len(background))
	var srvDone, intakeDone, bgDone sync.WaitGroup
	srvDone.Go(func() {
		serve := func() error { return srv.Serve(ln) }
		if tlsOn {
			serve = func() error { return srv.ServeTLS(ln, cfg.Server.TLSCert, cfg.Server.TLSKey) }
		}
		if err := serve(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	})
	// The admin listener outlives everything else, so probes and metrics watch the drain.
	var adminDone sync.WaitGroup
	adminDone.Go(func() {
		if err := admin.Serve(adminLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	})
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := admin.Shutdown(ctx); err != nil {
			_ = admin.Close()
		}
		adminDone.Wait()
	}()
	// Neither kind of loop is cut by ctx itself: shutdown ends each in its turn.
	intakeCtx, stopIntake := context.WithCancel(context.WithoutCancel(ctx))
	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	defer stopIntake()
	defer stopBackground()
	start := func(wg *sync.WaitGroup, ctx context.Context, fs []func(context.Context) error) {
		for _, f := range fs {
			wg.Go(func() {
				if err := f(ctx); err != nil && !errors.Is(err, context.Canceled) {
					errc <- err
				}
			})
		}
	}
	start(&intakeDone, intakeCtx, intake)
	start(&bgDone, bgCtx, background)

	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case runErr = <-errc:
		log.Error("stopping after error", "err", runErr)
	}
	stopping.Store(true)
	timeout := cfg.Server.ShutdownTimeout.D()
	shutdown(log, timeout, lifecycle{
		stopIntake: func(ctx context.Context) {
			if err := srv.Shutdown(ctx); err != nil {
				log.Error("http shutdown", "err", err)
			}
			srvDone.Wait()
			stopIntake()
			if !waitUntil(ctx, &intakeDone) {
				log.Error("long connections still closing at the shutdown deadline")
			}
		},
		drain: func(ctx context.Context) {
			if err := d.Shutdown(ctx); err != nil {
				log.Error("work left unfinished at shutdown", "err", err)
			}
			for name, drain := range drains {
				if err := drain(ctx); err != nil {
					log.Error(name+" notices left unsent at shutdown", "err", err)
				}
			}
		},
		cancel: stopBackground,
		wait: func() {
			intakeDone.Wait()
			bgDone.Wait()
		},
		closeStore: func() {
			if err := cached.Close(); err != nil {
				log.Error("close store", "err", err)
			}
		},
	})
	log.Info("stopped")
	return runErr
}

// lifecycle is what shutdown stops, one step each.
type lifecycle struct {
	stopIntake func(ctx context.Context) // the HTTP server and the long connections
	drain      func(ctx context.Context) // the dispatcher (and the platforms' notices): finish, then cancel and wait
	cancel     func()                    // the watcher and the work engine
	wait       func()                    // for every loop Serve started
	closeStore func()
}

// stopGrace bounds the wait for goroutines once their context is cancelled: they stop at
// once unless something ignores its context.
const stopGrace = 10 * time.Second

// shutdown stops ticketbot in this order, each step making the next safe:
//
//  1. Stop intake: the HTTP server stops accepting and finishes the requests it has (a click
//     is answered within [bot] action_wait), and the long connections close. Nothing new
//     reaches the dispatcher after this.
//  2. Drain until the deadline (timeout, server.shutdown_timeout, counted from step 1): the
//     dispatcher runs its queued messages and lets running commands and clicks, and the late
//     results of clicks, finish; the work engine and the watcher keep going meanwhile, so
//     answers kept in the outbox still go out.
//  3. Cancel: the dispatcher's base context (every command, click and late result still
//     running: a vendor write cut short stays pending in the store for the next start), then
//     the watcher's and the work engine's.
//  4. Wait for every goroutine Serve started: workers, late clicks, watcher, work engine,
//     long connections, the platforms' notices. They record what they were doing as they stop.
//  5. Close the store, only now that nothing can write to it. If something still runs after
//     stopGrace, the store is left open (the process is exiting) rather than closed under it.
func shutdown(log *slog.Logger, timeout time.Duration, l lifecycle) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	l.stopIntake(ctx) // 1
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		l.drain(ctx) // 2, and 3 for the dispatcher: it cancels its base context at the deadline and waits
		l.cancel()   // 3
		l.wait()     // 4
	}()
	select {
	case <-stopped:
		l.closeStore() // 5
	case <-time.After(timeout + stopGrace):
		log.Error("goroutines still running after the shutdown deadline and their cancellation; the store is left open")
	}
}

// waitUntil waits for wg until ctx ends; it reports whether wg finished.
func waitUntil(ctx context.Context, wg *sync.WaitGroup) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// newProviders builds the configured vendors, in registry order, each by its descriptor.
func newProviders(cfg *Config, env providers.Env) (map[string]providers.Provider, error) {
	provs := map[string]providers.Provider{}
	for _, d := range vendorRegistry.All() {
		sec := cfg.Providers[d.Name]
		if sec == nil {
			continue
		}
		p, err := d.New(sec, env)
		if err != nil {
			return nil, err
		}
		provs[d.Name] = p
	}
	return provs, nil
}

func newWatcher(cfg *Config, st bot.WatchStore, provs map[string]providers.Provider, platforms map[string]bot.Platform,
	b *command.Bot, reg prometheus.Registerer, log *slog.Logger) *bot.Watcher {
	return bot.NewWatcher(watchConfig(cfg), st, provs, platforms, b, cfg.Bot.Policy, bot.NewWatchMetrics(reg), log.With("component", "watcher"))
}

// watchConfig is the watcher's part of a checked configuration: [watch], [bot] timezone for
// quiet hours and summaries, and [bot.retry] for notices that could not be delivered.
func watchConfig(cfg *Config) bot.WatchConfig {
	interval, deliver, closedFor, notesEvery := cfg.Watch.Interval.D(), cfg.Watch.DeliverEvery.D(), cfg.Watch.ClosedFor.D(), cfg.Watch.NotesEvery.D()
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
	case "postgres":
		return store.OpenPostgres(ctx, c.DSN.Reveal(), c.pool())
	default:
		return nil, fmt.Errorf("store.driver %q is not available", c.Driver)
	}
}

func newLogger(c LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if c.Format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	// Every line logged with a delivery's context names its request id.
	return slog.New(reqid.NewHandler(h))
}
