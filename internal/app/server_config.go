package app

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/ticketbot/ticketbot/span"
)

// validate checks [server]: the two listeners apart, TLS whole and loadable.
func (s ServerConfig) validate() []error {
	var errs []error
	if s.ShutdownTimeout.D() < 0 {
		errs = append(errs, fmt.Errorf("server.shutdown_timeout: want a duration such as \"30s\", got %q", span.Format(s.ShutdownTimeout.D())))
	}
	for _, f := range []struct{ key, addr string }{{"server.listen", s.Listen}, {"server.admin_listen", s.AdminListen}} {
		if _, _, err := net.SplitHostPort(f.addr); err != nil {
			errs = append(errs, fmt.Errorf("%s: want host:port such as \"127.0.0.1:8080\", got %q", f.key, f.addr))
		}
	}
	if s.AdminListen == s.Listen && !anyPort(s.Listen) {
		errs = append(errs, fmt.Errorf("server.admin_listen: %q is server.listen too; the admin listener (/metrics, /healthz, /readyz) needs a port of its own", s.AdminListen))
	}
	switch {
	case (s.TLSCert == "") != (s.TLSKey == ""):
		errs = append(errs, errors.New("server.tls_cert and server.tls_key: set both (PEM files) or neither"))
	case s.TLSCert != "":
		if _, err := tls.LoadX509KeyPair(s.TLSCert, s.TLSKey); err != nil {
			errs = append(errs, fmt.Errorf("server.tls_cert: cannot load the certificate and key: %w", err))
		}
	}
	return errs
}

// warnings are [server] settings that work but expose more than the operator may think.
func (s ServerConfig) warnings() []string {
	if s.Pprof && !loopback(s.AdminListen) {
		return []string{fmt.Sprintf("server.pprof is on and server.admin_listen %q is not a loopback address: whoever reaches it can profile the process", s.AdminListen)}
	}
	return nil
}

// anyPort reports whether addr asks for any free port (tests).
func anyPort(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err == nil && port == "0"
}

// loopback reports whether addr listens on a loopback address only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
