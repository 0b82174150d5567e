package providers

import (
	"context"
	"log/slog"
	"net/http"
)

// Section is a vendor's configuration section, [providers.<name>], of a type its package
// owns. The app decodes the file into a new one from Descriptor.Config key by key, then
// calls Defaults, then Validate; each of Validate's problems starts with its key
// ("providers.<name>.app_id: …") so check can place it. A section may also have a
// Warnings() []string method: things that work but deserve an operator's look.
type Section interface {
	Defaults()
	Validate() []error
}

// Env is what the app hands a vendor's constructor besides its section.
type Env struct {
	Log *slog.Logger
	// Observe is told of every call the vendor's client makes (nil: nothing is).
	Observe Observer
}

// Pusher is a Provider whose vendor pushes its changes to a webhook. While the watcher runs,
// the app serves EventHandler at the path Events names and hands each change to the
// watcher's own change detection.
type Pusher interface {
	// Events is the webhook's path; ok is false when the configuration turns pushes off.
	Events() (path string, ok bool)
	EventHandler(onChange func(ctx context.Context, t Ticket) error) http.Handler
}
