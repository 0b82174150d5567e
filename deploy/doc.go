// Package deploy holds what operators deploy ticketbot with: a systemd unit (systemd/), a
// compose file with its configuration, and Kubernetes manifests (kubernetes/). It has no
// code; its tests keep those files true to the binary and to each other: the same command
// line, ports and probes, grace periods longer than the shutdown timeout, and configurations
// that pass the app's own check.
package deploy
