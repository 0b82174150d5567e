// Package app is ticketbot put together: the configuration file (read key by key so check
// names every problem with its place), the registries of vendors and platforms (registry.go,
// the one place that names them all), and Serve, which wires the store, the providers, the
// platforms, the dispatcher, the watcher and the work engine, and stops them in order.
//
// cmd/ticketbot parses flags and calls Check, ServeFile and Audit; internal/demo builds a
// Config in code and calls Serve. Nothing else is exported.
package app
