package bot

import (
	"context"
	"log/slog"
	"net/http"
)

// PlatformSection is a platform's configuration section, [<name>], of a type its package
// owns. The app decodes the file into a new one from PlatformDescriptor.Config key by key,
// then calls Defaults (and UseChats, when it has it), then Validate; each of Validate's
// problems starts with its key ("<name>.app_id: …") so check can place it. A section may
// also have a Warnings() []string method: things that work but deserve an operator's look.
type PlatformSection interface {
	Defaults()
	Validate() []error
}

// ChatEntry is one [[chats]] entry of a platform, as that platform's section sees it.
type ChatEntry struct {
	// Index is its place in [[chats]], for messages ("chats[2]: …").
	Index  int
	ChatID string
	// WebhookKey is the key of the chat's own webhook robot (PlatformDescriptor.Robots).
	WebhookKey Secret
}

// ChatsSection is a section that learns its platform's [[chats]] entries: where notices can
// go on their own (robots), and what to warn of.
type ChatsSection interface {
	UseChats(chats []ChatEntry)
}

// PlatformEnv is what the app hands a platform's constructor besides its section.
type PlatformEnv struct {
	// Sink receives the platform's deliveries (the dispatcher).
	Sink Sink
	Log  *slog.Logger
	// MaxBody caps webhook request bodies in bytes ([server] max_body).
	MaxBody int64
	// Metrics counts what the platform refuses (nil: nothing is counted).
	Metrics *Metrics
}

// PlatformRun is a platform the constructor built, and how the app runs and stops it.
type PlatformRun struct {
	Platform Platform
	// Webhook, when set, is mounted at WebhookPath on the app's HTTP server.
	WebhookPath string
	Webhook     http.Handler
	// Connect, when set, is the long connection the app runs until shutdown stops intake.
	Connect func(ctx context.Context) error
	// Connected, with Connect, reports whether the long connection is up now (/readyz).
	Connected func() bool
	// Drain, when set, finishes at shutdown what the platform still owes (notices queued to
	// send), until ctx ends.
	Drain func(ctx context.Context) error
}
