package app

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// [server]: the admin listener apart from the webhooks, TLS whole and loadable, and a warning
// when the profiler is reachable from outside.
func TestServerSection(t *testing.T) {
	cert, key := selfSigned(t)
	base := ServerConfig{Listen: "127.0.0.1:8080", AdminListen: "127.0.0.1:9090"}
	for _, tt := range []struct {
		name string
		edit func(*ServerConfig)
		errs []string
		warn string
	}{
		{name: "defaults", edit: func(*ServerConfig) {}},
		{name: "one port for both", edit: func(s *ServerConfig) { s.AdminListen = s.Listen },
			errs: []string{`server.admin_listen: "127.0.0.1:8080" is server.listen too`}},
		{name: "any free port for both (tests)", edit: func(s *ServerConfig) { s.Listen, s.AdminListen = "127.0.0.1:0", "127.0.0.1:0" }},
		{name: "no port", edit: func(s *ServerConfig) { s.AdminListen = "9090" },
			errs: []string{`server.admin_listen: want host:port such as "127.0.0.1:8080", got "9090"`}},
		{name: "a certificate without its key", edit: func(s *ServerConfig) { s.TLSCert = cert },
			errs: []string{"server.tls_cert and server.tls_key: set both"}},
		{name: "TLS", edit: func(s *ServerConfig) { s.TLSCert, s.TLSKey = cert, key }},
		{name: "TLS files that are not there", edit: func(s *ServerConfig) { s.TLSCert, s.TLSKey = cert+".missing", key },
			errs: []string{"server.tls_cert: cannot load the certificate and key: open "}},
		{name: "the key of another certificate", edit: func(s *ServerConfig) { s.TLSCert, s.TLSKey = cert, cert },
			errs: []string{"server.tls_cert: cannot load the certificate and key"}},
		{name: "pprof on loopback", edit: func(s *ServerConfig) { s.Pprof = true }},
		{name: "pprof reachable from outside", edit: func(s *ServerConfig) { s.Pprof, s.AdminListen = true, "0.0.0.0:9090" },
			warn: `server.pprof is on and server.admin_listen "0.0.0.0:9090" is not a loopback address`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := base
			tt.edit(&s)
			errs := s.validate()
			if len(errs) != len(tt.errs) {
				t.Fatalf("errors %v, want %q", errs, tt.errs)
			}
			for i, e := range errs {
				if !strings.HasPrefix(e.Error(), tt.errs[i]) {
					t.Errorf("error %q, want it to start with %q", e, tt.errs[i])
				}
			}
			ws := strings.Join(s.warnings(), "\n")
			if (tt.warn == "") != (ws == "") || !strings.Contains(ws, tt.warn) {
				t.Errorf("warnings %q, want %q", ws, tt.warn)
			}
		})
	}
	// Read from a file, the defaults and the checks apply (the file lacks other sections too).
	_, errs := parseConfig([]byte("[server]\nlisten = \"127.0.0.1:9090\"\n[store]\ndsn = \"x.db\"\n"))
	if len(errs) == 0 || !strings.HasPrefix(errs[0].Error(), `server.admin_listen: "127.0.0.1:9090" is server.listen too`) {
		t.Errorf("a listen on the admin's default port: %v", errs)
	}
	cfg, errs := parseConfig([]byte("[store]\ndsn = \"x.db\"\n"))
	if cfg == nil || cfg.Server.AdminListen != "127.0.0.1:9090" || strings.Contains(fmt.Sprint(errs), "server.") {
		t.Errorf("admin_listen defaults to %+v (%v)", cfg, errs)
	}
}

// With tls_cert and tls_key the webhooks are served over HTTPS, and a plain HTTP request is
// refused.
func TestServeTLS(t *testing.T) {
	cert, key := selfSigned(t)
	h := startHarnessEdit(t, "", "", func(c *Config) { c.Server.TLSCert, c.Server.TLSKey = cert, key })
	addr := strings.TrimPrefix(h.url, "http://")
	pem, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer c.CloseIdleConnections()
	resp, err := c.Post("https://"+addr+"/feishu/webhook", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatalf("HTTPS: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.TLS == nil || resp.StatusCode == http.StatusNotFound {
		t.Errorf("HTTPS webhook: %d %s", resp.StatusCode, body)
	}
	plain, err := http.Post("http://"+addr+"/feishu/webhook", "application/json", strings.NewReader(`{}`))
	if err == nil {
		b, _ := io.ReadAll(plain.Body)
		plain.Body.Close()
		if plain.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "HTTPS") {
			t.Errorf("plain HTTP to the TLS listener: %d %s", plain.StatusCode, b)
		}
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key as PEM files.
func selfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ticketbot test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
