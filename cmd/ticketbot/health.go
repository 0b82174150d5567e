package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
)

// defaultHealthURL is /healthz on [server] admin_listen's default address.
const defaultHealthURL = "http://127.0.0.1:9090/healthz"

// healthTimeout bounds the whole probe: a container runtime kills a healthcheck that hangs,
// and a hanging answer says as much as none.
const healthTimeout = 3 * time.Second

// healthAbout is what `ticketbot help health` says before the flags.
const healthAbout = `GETs URL and exits 0 if it answers 200, 1 otherwise, with one line saying why (connection
refused, timeout, or the status and the start of the body). It is the container's
healthcheck: distroless images have no curl.`

// healthFlags defines `ticketbot health`'s flags and returns its body.
func healthFlags(fs *flag.FlagSet) func(stdout, stderr io.Writer) int {
	url := fs.String("url", defaultHealthURL, "the `URL` to GET")
	return func(stdout, stderr io.Writer) int {
		line, ok := probe(*url, healthTimeout)
		if !ok {
			fmt.Fprintln(stderr, "ticketbot health:", line)
			return 1
		}
		fmt.Fprintln(stdout, line)
		return 0
	}
}

// probe GETs url within timeout and says in one line how it went; ok is an answer of 200.
func probe(url string, timeout time.Duration) (line string, ok bool) {
	// No proxy from the environment: the probe is for this host's own listener.
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := client.Get(url)
	if err != nil {
		var ne net.Error
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			return url + ": connection refused (is ticketbot running, with admin_listen there?)", false
		case errors.As(err, &ne) && ne.Timeout():
			return fmt.Sprintf("%s: no answer within %s", url, timeout), false
		default:
			return err.Error(), false
		}
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return url + ": " + resp.Status, true
	}
	// /readyz gives its reasons in the body: the first of them fits on the line.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	line = url + ": " + resp.Status
	if text := strings.Join(strings.Fields(string(body)), " "); text != "" {
		line += ": " + text
	}
	return line, false
}
