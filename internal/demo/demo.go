// Package demo is `ticketbot demo`, which shows the whole product in a browser with nothing
// to sign up for: the real server (app.Serve, as `serve` runs it) against the in-repo fakes
// of every vendor and both chat platforms, all on loopback, and a playground page where one
// types into a Feishu or WeCom group and plays the vendors' staff.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/ticketbot/ticketbot/internal/app"
)

// Options are the knobs of Run.
type Options struct {
	// Listen is the page's address; it must be a loopback one.
	Listen string
	// Verbose logs ticketbot's and the demo's info lines; otherwise only errors.
	Verbose bool
	Stdout  io.Writer
	Stderr  io.Writer
	// Version is the build's version, which ticketbot logs when it starts.
	Version string

	// ready, when set, is called with the page's URL once everything runs (tests).
	ready func(url string, d *demo)
}

// Run is `ticketbot demo`: it runs the demo until ctx ends, then stops the page, ticketbot
// and the fakes, in that order, and removes its store.
func Run(ctx context.Context, o Options) error {
	if err := checkLoopback(o.Listen); err != nil {
		return err
	}
	level := "error"
	if o.Verbose {
		level = "info"
	}
	log := newLogger(o.Stderr, o.Verbose).With("component", "demo")
	// The page's port first: a busy port fails before anything starts.
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w (try --listen 127.0.0.1:0)", o.Listen, err)
	}
	defer ln.Close()
	dir, err := os.MkdirTemp("", "ticketbot-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fakes := startDemoFakes()
	defer fakes.Close()
	if fakes.samples, err = seedDemo(ctx, fakes, time.Now()); err != nil {
		return fmt.Errorf("demo sample tickets: %w", err)
	}
	cfg, err := demoConfig(fakes, filepath.Join(dir, "demo.db"), level)
	if err != nil {
		return fmt.Errorf("demo configuration: %w", err)
	}

	// ticketbot outlives the page at shutdown, so it has its own context.
	botCtx, stopBot := context.WithCancel(context.Background())
	defer stopBot()
	ready := make(chan app.Addrs, 1)
	served := make(chan error, 1)
	go func() {
		served <- app.Serve(botCtx, cfg, app.ServeOptions{Stderr: o.Stderr, Ready: func(a app.Addrs) { ready <- a }, Version: o.Version})
	}()
	var botAddr app.Addrs
	select {
	case botAddr = <-ready:
	case err := <-served:
		return fmt.Errorf("ticketbot: %w", err)
	case <-ctx.Done():
		stopBot()
		<-served
		return nil
	}

	d := newDemo(fakes, "http://"+botAddr.Public, "http://"+botAddr.Admin, log)
	done := make(chan struct{}) // ends the page's event streams
	srv := &http.Server{Handler: d.routes(done), ReadHeaderTimeout: 10 * time.Second}
	pollCtx, stopPoll := context.WithCancel(context.Background())
	defer stopPoll()
	go d.run(pollCtx)
	pageErr := make(chan error, 1)
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			pageErr <- err
		}
	}()
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(o.Stdout, "ticketbot demo: open %s in your browser (Ctrl-C stops it)\n", url)
	log.Info("demo running", "page", url, "ticketbot", d.botURL, "store", cfg.Store.Driver)
	if o.ready != nil {
		o.ready(url, d)
	}

	var runErr error
	botDone := false
	select {
	case <-ctx.Done():
	case err := <-served:
		botDone = true
		runErr = fmt.Errorf("ticketbot stopped: %w", err)
	case err := <-pageErr:
		runErr = fmt.Errorf("playground: %w", err)
	}
	log.Info("shutting down")
	close(done)
	stopPoll()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Error("playground shutdown", "err", err)
	}
	// ticketbot drains its queue against the fakes, which stop after it (deferred).
	stopBot()
	if !botDone {
		if err := <-served; err != nil && runErr == nil {
			runErr = fmt.Errorf("ticketbot: %w", err)
		}
	}
	return runErr
}

// newLogger logs the demo's own lines as ticketbot's [log] format = "text" does: errors only,
// or info too when verbose.
func newLogger(w io.Writer, verbose bool) *slog.Logger {
	level := slog.LevelError
	if verbose {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// checkLoopback refuses a page address others could reach: the playground acts as anyone
// in the chats and as the vendors' staff, with no login.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--listen %q: the demo listens on a loopback address only (such as 127.0.0.1:8080)", addr)
}
