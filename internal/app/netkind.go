package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"syscall"

	"github.com/ticketbot/ticketbot/providers"
)

// netKind names a network failure in words an operator acts on, or "" when err is an answer.
// Vendors keep only the text of a transport error (their errors must not carry the URL), so
// the text is read when the chain no longer holds the cause.
func netKind(err error) string {
	var (
		dns     *net.DNSError
		unknown x509.UnknownAuthorityError
		invalid x509.CertificateInvalidError
		host    x509.HostnameError
		record  tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &dns):
		return "DNS lookup failed"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &unknown), errors.As(err, &invalid), errors.As(err, &host), errors.As(err, &record):
		return "TLS handshake failed"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	// An answer with the vendor's own code is no network failure, whatever its words.
	if ve, ok := errors.AsType[*providers.VendorError](err); ok && ve.Code != "network" && ve.Code != "timeout" {
		return ""
	}
	s := err.Error()
	switch {
	case strings.Contains(s, "no such host"), strings.Contains(s, "server misbehaving"):
		return "DNS lookup failed"
	case strings.Contains(s, "connection refused"):
		return "connection refused"
	case strings.Contains(s, "tls:"), strings.Contains(s, "x509:"):
		return "TLS handshake failed"
	case strings.Contains(s, "deadline exceeded"), strings.Contains(s, "timeout"), strings.Contains(s, "timed out"):
		return "timed out"
	}
	if ve, ok := errors.AsType[*providers.VendorError](err); ok && ve.Code == "timeout" {
		return "timed out"
	}
	return ""
}
