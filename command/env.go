package command

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/report"
	"github.com/ticketbot/ticketbot/store"
	"github.com/ticketbot/ticketbot/templates"
	"github.com/ticketbot/ticketbot/work"
)

// Env is what a command's Run may use. Each part is a small interface declared here, on the
// side that uses it, so a command depends on what it touches and not on the whole Bot: a test
// can hand a command a fake of one part and the real thing for the others. The Bot builds
// one Env and passes it to every Run.
type Env struct {
	// Vendors names and labels the vendors this build knows (the app's registry).
	Vendors *providers.Registry
	// Providers finds the configured vendors by name.
	Providers VendorLookup
	// Tickets is the stored state of the tickets the bot knows (tickets.Book).
	Tickets TicketBook
	// Follows is which chats follow which tickets (the store).
	Follows Follows
	// Identities are who people bound themselves to be at the vendors (the store).
	Identities Identities
	// Owners are who in a chat owns a ticket (the store; owner.go).
	Owners Owners
	// Writes hands vendor writes to the work engine.
	Writes Writer
	// Chats reads the message a command answers, on the platforms that can.
	Chats ChatReader
	// Answers words and draws what a command answers.
	Answers Answers
	// Languages keeps what a chat or a person chose to read (the store).
	Languages LanguageChoices
	// Drafts keeps the guided creates under way (draft.go; the store).
	Drafts DraftStore
	// Subscriptions are the chats' subscriptions to vendors' tickets (subscribe.go; the
	// store); SubscriptionLimit is [bot] subscription_limit.
	Subscriptions     Subscriptions
	SubscriptionLimit int
	// Reports are the tickets' state and timeline the weekly figures are read from (the
	// store).
	Reports report.Source
	// DefaultProvider is [bot] default_provider; Users are [[users]], who people are at the
	// vendors.
	DefaultProvider string
	Users           []User
	Log             *slog.Logger
	// Now is the clock; Zone is [bot] timezone, where times written for people are read.
	Now  func() time.Time
	Zone *time.Location

	// helps are the help answers drawn so far (runHelp), by platform, vendor and topic.
	helps sync.Map
	// choiceBook keeps the vendors' field choices read (fields.go).
	choiceBook choiceBook
}

// VendorLookup finds the configured vendors.
type VendorLookup interface {
	// Provider is the configured vendor called name.
	Provider(name string) (providers.Provider, bool)
	// Configured lists the configured vendors' names, in no particular order.
	Configured() []string
}

// TicketBook is what commands need of the stored ticket state: the last snapshot seen, the
// version and claims that keep two clicks from both acting (tickets.Book).
type TicketBook interface {
	Last(ctx context.Context, provider, id string) (providers.Ticket, bool)
	Remember(ctx context.Context, t providers.Ticket, creator string, own bool) error
	Baseline(ctx context.Context, t providers.Ticket) (bool, error)
	State(ctx context.Context, provider, id string) (store.TicketState, error)
	Claim(ctx context.Context, provider, id string, version int64, c store.Claim) (store.TicketState, bool, error)
	// Answered records that our side answered the ticket (its reminders count from then).
	Answered(ctx context.Context, provider, id string, at time.Time) error
}

// Follows is which chats follow which tickets: the chats the watcher tells of changes.
type Follows interface {
	Follow(ctx context.Context, f store.Follow) error
	Unfollow(ctx context.Context, platform, chatID, provider, ticketID string) (bool, error)
	Following(ctx context.Context, platform, chatID string) ([]store.Follow, error)
}

// LanguageChoices stores the language a chat or a person chose (langs.go).
type LanguageChoices interface {
	SetLanguage(ctx context.Context, c store.LanguageChoice) error
}

// Identities are the vendor identities people bound (绑定), and whom the bot told that they
// act as a vendor's configured default identity.
type Identities interface {
	Bind(ctx context.Context, b store.Binding, takeOver bool) (displaced store.Binding, err error)
	Unbind(ctx context.Context, platform, userID, provider string) (bool, error)
	Bindings(ctx context.Context, platform, userID string) ([]store.Binding, error)
	BindingOf(ctx context.Context, platform, userID, provider string) (store.Binding, error)
	TellDefault(ctx context.Context, platform, userID, provider string, at time.Time) (bool, error)
	ForgetTold(ctx context.Context, platform, userID, provider string) error
}

// Writer hands a vendor write (create, reply, close) to the work engine: stored before it is
// tried, tried once now. It returns the ticket the write produced or touched (nil for a
// reply) and, unless work.OK, the error that stopped it.
type Writer interface {
	Submit(ctx context.Context, j store.Job, log *slog.Logger) (*providers.Ticket, work.End, error)
}

// ChatReader reads a chat message by its id (bot.MessageReader), on the platforms that can.
type ChatReader interface {
	ReadMessage(ctx context.Context, platform, messageID string) (bot.Quoted, error)
}

// platformReader is the ChatReader of the running bot's platforms.
type platformReader map[string]bot.Platform

func (ps platformReader) ReadMessage(ctx context.Context, platform, messageID string) (bot.Quoted, error) {
	p, ok := ps[platform]
	if !ok {
		return bot.Quoted{}, bot.ErrUnsupported
	}
	return bot.ReadMessage(ctx, p, messageID)
}

// Answers words and draws a command's answer for a platform.
type Answers interface {
	// Messages is the catalog of sentences.
	Messages() *templates.Catalog
	// Features are what the platform's cards can do.
	Features(platform string) bot.Features
	// Output renders a non-ticket answer (help, list, a confirmation) from the template name,
	// in English when en.
	Output(platform, name string, en bool, data any) (*bot.Outgoing, error)
	// Has reports whether the platform has a card template of that name.
	Has(platform, name string) bool
}

// providerSet is the VendorLookup of a map of configured providers.
type providerSet map[string]providers.Provider

func (s providerSet) Provider(name string) (providers.Provider, bool) {
	p, ok := s[name]
	return p, ok
}

func (s providerSet) Configured() []string {
	names := make([]string, 0, len(s))
	for n := range s {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// drawing is the Answers of the running bot: its templates and its platforms' features.
type drawing struct {
	r         *templates.Renderer
	platforms map[string]bot.Platform
}

func (d drawing) Messages() *templates.Catalog { return d.r.Messages() }

func (d drawing) Has(platform, name string) bool { return d.r != nil && d.r.Has(platform, name) }

func (d drawing) Features(platform string) bot.Features {
	if p, ok := d.platforms[platform]; ok {
		return bot.Can(p)
	}
	return bot.Features{}
}

// Output renders a non-ticket answer: the platform's card template when it has one, its
// markdown template otherwise.
func (d drawing) Output(platform, name string, en bool, data any) (*bot.Outgoing, error) {
	if d.r.Has(platform, name) {
		body, err := d.r.In(en).Render(platform, name, data)
		if err != nil {
			return nil, err
		}
		return &bot.Outgoing{Kind: bot.KindCard, Body: body}, nil
	}
	md, err := d.r.In(en).RenderMarkdown(platform, name, data)
	if err != nil {
		return nil, err
	}
	return &bot.Outgoing{Kind: bot.KindMarkdown, Body: []byte(md)}, nil
}
