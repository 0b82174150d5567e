package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readUnit reads a unit file's [Service] settings; a key set twice keeps its last value.
func readUnit(t *testing.T, text string) map[string]string {
	t.Helper()
	service := map[string]string{}
	section := ""
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, ";"):
		case strings.HasPrefix(l, "["):
			section = l
		case section == "[Service]":
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				t.Fatalf("not a setting: %q", l)
			}
			service[k] = v
		}
	}
	return service
}

// TestSystemdUnit: the unit runs serve with the configuration at its place, stops later than
// the shutdown timeout, and keeps its hardening.
func TestSystemdUnit(t *testing.T) {
	unit := readUnit(t, readFile(t, "systemd/ticketbot.service"))
	if want := "/usr/local/bin/ticketbot " + strings.Join(serveArgs, " "); unit["ExecStart"] != want {
		t.Errorf("ExecStart=%s, want %s", unit["ExecStart"], want)
	}
	stop, err := time.ParseDuration(unit["TimeoutStopSec"])
	if err != nil || stop <= defaultShutdownTimeout {
		t.Errorf("TimeoutStopSec=%s: want longer than the default shutdown_timeout %s", unit["TimeoutStopSec"], defaultShutdownTimeout)
	}
	for k, want := range map[string]string{
		"DynamicUser": "yes", "StateDirectory": "ticketbot", "ConfigurationDirectory": "ticketbot",
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
		"PrivateDevices": "yes", "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
		"ProtectKernelLogs": "yes", "ProtectControlGroups": "yes",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX", "RestrictNamespaces": "yes",
		"LockPersonality": "yes", "MemoryDenyWriteExecute": "yes", "SystemCallArchitectures": "native",
		"SystemCallFilter": "@system-service", "CapabilityBoundingSet": "", "UMask": "0077",
		"Restart": "on-failure",
	} {
		if got, ok := unit[k]; !ok || got != want {
			t.Errorf("%s=%s (set: %v), want %s=%s", k, got, ok, k, want)
		}
	}
}

// TestSystemdVerify runs systemd-analyze verify on the unit, its ExecStart pointed at a stub
// (verify wants an executable there). verify exits 0 on unknown keys and bad values, only
// printing them, so any output fails the test.
func TestSystemdVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze")
	}
	dir := t.TempDir()
	stub := filepath.Join(dir, "ticketbot")
	if err := os.WriteFile(stub, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(readFile(t, "systemd/ticketbot.service"), "ExecStart=/usr/local/bin/ticketbot ", "ExecStart="+stub+" ", 1)
	unit := filepath.Join(dir, "ticketbot.service")
	if err := os.WriteFile(unit, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", unit).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
