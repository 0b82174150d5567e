// Package aliyun is the Aliyun (阿里云) 工单 provider: it creates, reads, replies to and (with
// the 2021-06-10 API) closes and reopens tickets through Aliyun's POP RPC API, maps them to the normalized
// providers.Ticket, uploads attachments and carries confidential content (secContent). Its fake
// of the API, OSS included, for tests and the demo, is package aliyuntest.
//
// Two API generations are spoken, chosen by Config.APIVersion:
//
//   - 2016-08-30, Aliyun's 工单系统 OpenAPI V1.3 (seeds/000): add, QuestionReply,
//     QuestionListNote, QuestionList, getOSSTempAuthor, getAttachTempURL. It has no close.
//   - 2021-06-10, the current Workorder API (help.aliyun 2402434): CreateTicket, ReplyTicket,
//     CloseTicket, ReopenTicket, GetTicket, ListTickets, ListTicketNotes, GetAttachmentUploadUrl, ListProducts,
//     ListCategories.
//
// Both are signed with signature v1 (HMAC-SHA1), written on the standard library (sign.go).
// The wire facts come from reference/ticket-providers.md §2, the status mapping from
// reference/status-model.md §4.1.
package aliyun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

var (
	_ providers.Provider    = (*Provider)(nil)
	_ providers.BatchGetter = (*Provider)(nil)
)

// Limits of the API.
const (
	// MaxAttachments is the most attachments one add or QuestionReply takes ("最多支持上传 3
	// 个附件").
	MaxAttachments = 3
	// batchSize is how many ids one GetMany call asks for. QuestionList takes up to 200, but
	// its pageSize stops at 100, so a larger batch would need a second page anyway.
	batchSize = 100
	// titleRunes is how much of the content becomes the title when none is given ("为空时取
	// content 的前 30 个字符").
	titleRunes = 30
)

// Provider is the Aliyun ticket provider. It is safe for concurrent use.
type Provider struct {
	cfg     Config
	v2021   bool
	actions map[string]string
	names   legacyNames
	hc      *http.Client
	log     *slog.Logger
	now     func() time.Time
	sleep   func(context.Context, time.Duration) error
	c       *client
	// observe is told of every API call (WithObserver).
	observe providers.Observer
}

// Option changes how New builds a Provider.
type Option func(*Provider)

// WithHTTPClient sets the HTTP client (a proxy, a test transport). The config timeout still
// bounds every call.
func WithHTTPClient(hc *http.Client) Option {
	return func(p *Provider) {
		if hc != nil {
			p.hc = hc
		}
	}
}

// WithClock sets the clock used for the Timestamp parameter and for times the provider makes
// up (a ticket it could not read back).
func WithClock(now func() time.Time) Option {
	return func(p *Provider) {
		if now != nil {
			p.now = now
		}
	}
}

// WithLogger sets the logger. The provider logs each call at debug level (action, attempt,
// HTTP status, request id, duration, code) and each retry at warn level; never a parameter
// value, so neither the AccessKey secret nor confidential content can reach a log.
func WithLogger(l *slog.Logger) Option {
	return func(p *Provider) {
		if l != nil {
			p.log = l
		}
	}
}

// WithSleep replaces the wait between retries of a read (tests, the demo). sleep must return
// ctx.Err() when ctx ends first.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(p *Provider) {
		if sleep != nil {
			p.sleep = sleep
		}
	}
}

// WithObserver tells o of every call to aliyun's API, for the metrics.
func WithObserver(o providers.Observer) Option {
	return func(p *Provider) { p.observe = o }
}

// New builds a Provider from its configuration section, after applying Defaults. An invalid
// configuration is an error listing every problem.
func New(cfg Config, opts ...Option) (*Provider, error) {
	cfg.Defaults()
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("aliyun: invalid configuration: %w", errors.Join(errs...))
	}
	p := &Provider{
		cfg:     cfg,
		v2021:   cfg.APIVersion == Version2021,
		actions: cfg.actions(),
		names:   legacySpellings[cfg.ParamNames],
		hc:      &http.Client{},
		log:     slog.New(slog.DiscardHandler),
		now:     time.Now,
		sleep:   sleepCtx,
	}
	for _, o := range opts {
		o(p)
	}
	p.c = newClient(cfg, p.hc, p.log, p.now, p.sleep)
	p.c.observe = p.observe
	return p, nil
}

// Name returns "aliyun".
func (p *Provider) Name() string { return "aliyun" }

// APIVersion returns the API version in use: Version2016 or Version2021.
func (p *Provider) APIVersion() string { return p.cfg.APIVersion }

// Capabilities follow the API version: 2016-08-30 has no close, 2021-06-10 has every
// operation. Anyone may close (Aliyun knows only the account, not who in it acts). GetMany's
// list calls carry no notes, so the watcher reads them with Notes.
func (p *Provider) Capabilities() providers.Capabilities {
	return providers.Capabilities{Create: true, Reply: true, Close: p.v2021, Reopen: p.v2021, Notes: true, BatchOmitsNotes: true, Search: p.v2021}
}

// Create files a ticket (2016 add, 2021 CreateTicket) and returns it as read back. See
// CreateWith for confidential content and attachments.
func (p *Provider) Create(ctx context.Context, r providers.CreateRequest) (providers.Ticket, error) {
	return p.CreateWith(ctx, r, CreateOptions{})
}

// Get reads a ticket and its latest note: 2016 QuestionList with ids=<id> plus
// QuestionListNote, 2021 GetTicket plus ListTicketNotes. A confidential latest note has its
// body replaced by SecretPlaceholder.
func (p *Provider) Get(ctx context.Context, id string) (providers.Ticket, error) {
	fail := func(err error) (providers.Ticket, error) {
		return providers.Ticket{}, fmt.Errorf("aliyun: get ticket %s: %w", id, err)
	}
	n, err := parseID(id)
	if err != nil {
		return fail(err)
	}
	var t providers.Ticket
	if p.v2021 {
		t, err = p.getTicket(ctx, n)
	} else {
		t, err = p.question(ctx, n)
	}
	if err != nil {
		return fail(err)
	}
	notes, err := p.noteDetails(ctx, n)
	if err != nil {
		return fail(err)
	}
	return withNotes(t, publicNotes(notes)), nil
}

// GetMany reads many tickets with one list call per 100 ids (2016 QuestionList ids=…, 2021
// ListTickets TicketIdList=…), for the watcher: ⌈N/100⌉ calls for N tickets. The tickets come
// back in the order asked; ids the vendor does not know (and malformed ids) are left out, so
// a watcher can tell them apart by absence. List entries carry no notes and no content: read
// Notes for a ticket whose status changed. Each call is a read, retried on busy; a call that
// still fails fails the whole batch.
func (p *Provider) GetMany(ctx context.Context, ids []string) ([]providers.Ticket, error) {
	var want []string
	seen := map[string]bool{}
	for _, id := range ids {
		n, err := parseID(id)
		if err != nil || seen[n] {
			continue
		}
		seen[n] = true
		want = append(want, n)
	}
	found := make(map[string]providers.Ticket, len(want))
	for chunk := range slices.Chunk(want, batchSize) {
		var (
			ts  []providers.Ticket
			err error
		)
		if p.v2021 {
			ts, _, err = p.listTickets(ctx, ListRequest{IDs: chunk, PageSize: batchSize})
		} else {
			ts, _, err = p.questionList(ctx, ListRequest{IDs: chunk, PageSize: batchSize})
		}
		if err != nil {
			return nil, fmt.Errorf("aliyun: get %d tickets: %w", len(want), err)
		}
		for _, t := range ts {
			found[t.ID] = t
		}
	}
	out := make([]providers.Ticket, 0, len(found))
	for _, id := range want {
		if t, ok := found[id]; ok {
			out = append(out, t)
		}
	}
	return out, nil
}

// Reply writes a reply to a ticket (2016 QuestionReply, 2021 ReplyTicket). The API has no
// author field, so the author's name leads the text. See ReplyWith and ReplySecret for
// confidential content and attachments.
func (p *Provider) Reply(ctx context.Context, id string, r providers.Reply) error {
	return p.ReplyWith(ctx, id, r, ReplyOptions{})
}

// Close closes a ticket. 2016-08-30 has no close action: Close returns a
// *providers.UnsupportedError (errors.Is ErrUnsupported) saying so and what to do instead
// (close it in the console, or switch to api_version 2021-06-10), and sends nothing. With 2021-06-10 it reads the ticket first (GetTicket): a ticket already confirmed or
// rated gives providers.ErrAlreadyClosed and no CloseTicket is sent; a remark is written as a
// reply (CloseTicket has no text), then CloseTicket closes it.
func (p *Provider) Close(ctx context.Context, id string, r providers.CloseRequest) error {
	wrap := func(err error) error { return fmt.Errorf("aliyun: close ticket %s: %w", id, err) }
	if !p.v2021 {
		return wrap(p.Unsupported(providers.OpClose))
	}
	n, err := parseID(id)
	if err != nil {
		return wrap(err)
	}
	t, err := p.getTicket(ctx, n)
	if err != nil {
		return wrap(err)
	}
	if t.Status.Terminal() {
		return wrap(fmt.Errorf("%w (%s)", providers.ErrAlreadyClosed, t.RawLabel))
	}
	if remark := strings.TrimSpace(r.Remark); remark != "" {
		if err := p.replyTicket(ctx, n, attributed(remark, r.Actor), false, nil); err != nil {
			return wrap(err)
		}
	}
	if err := p.closeTicket(ctx, n); err != nil {
		return wrap(err)
	}
	return nil
}

// Notes returns the ticket's conversation, oldest first (2016 QuestionListNote, 2021
// ListTicketNotes). Confidential notes (sec_chat) are in it with their body replaced by
// SecretPlaceholder, since notes are announced in group chats; NoteDetails has the bodies.
func (p *Provider) Notes(ctx context.Context, id string) ([]providers.Note, error) {
	ds, err := p.NoteDetails(ctx, id)
	if err != nil {
		return nil, err
	}
	return publicNotes(ds), nil
}

// noteDetails reads the notes of a checked id in the configured version.
func (p *Provider) noteDetails(ctx context.Context, id string) ([]NoteDetail, error) {
	if p.v2021 {
		return p.ticketNotes(ctx, id)
	}
	return p.questionNotes(ctx, id)
}

// action returns the configured action name of an operation, or ErrUnsupported when the
// version has none.
func (p *Provider) action(op string) (string, error) {
	if a := p.actions[op]; a != "" {
		return a, nil
	}
	return "", fmt.Errorf("%w: Aliyun %s has no %s action (set providers.aliyun.action_names.%s)",
		providers.ErrUnsupported, p.cfg.APIVersion, op, op)
}

// ticketID is the form of Aliyun ticket ids: alphanumeric ("0005PYGCW"). Commas are refused
// above all, since ids travel comma-joined in QuestionList and ListTickets.
var ticketID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// parseID checks a ticket id. Anything that cannot be an Aliyun id cannot name a ticket there.
func parseID(id string) (string, error) {
	s := strings.TrimSpace(id)
	if !ticketID.MatchString(s) {
		return "", fmt.Errorf("%w: %q is not an Aliyun ticket id", providers.ErrNotFound, id)
	}
	return s, nil
}

// notFound turns a vendor refusal that says the ticket does not exist into ErrNotFound, keeping
// the VendorError in the chain. Aliyun publishes no code for an unknown ticket, so the message
// decides; anything else, a bad signature included, stays as it is, so a broken setup is not
// reported as a missing ticket.
func notFound(err error) error {
	var ve *providers.VendorError
	if errors.As(err, &ve) && !ve.Temporary && notFoundMessage(ve.Message) {
		return fmt.Errorf("%w: %w", providers.ErrNotFound, err)
	}
	return err
}

// notFoundMessage reports whether a vendor message says the ticket does not exist.
func notFoundMessage(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "不存在") || strings.Contains(m, "not found") ||
		strings.Contains(m, "not exist") || strings.Contains(m, "no such")
}

// attributed prefixes text with its author's name: neither API has an author field, so
// without it Aliyun staff would see every reply as written by the account.
func attributed(text string, a providers.Actor) string { return providers.Attributed(a.Name, text) }

// createText settles a new ticket's title and content: the title defaults to the first 30
// characters of the content, the content (required by both APIs) to the title.
func createText(r providers.CreateRequest) (title, content string, err error) {
	title, content = strings.TrimSpace(r.Title), strings.TrimSpace(r.Content)
	if title == "" && content == "" {
		return "", "", errors.New("title and content are empty")
	}
	if content == "" {
		content = title
	}
	if title == "" {
		title = strings.TrimSpace(firstRunes(strings.Join(strings.Fields(content), " "), titleRunes))
	}
	return title, content, nil
}

// firstRunes returns the first n characters of s.
func firstRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// checkKind rejects normalized priorities and types we do not know. Aliyun 2016 has neither,
// 2021 has a severity (createSeverity); a typo is still an error rather than silently dropped.
func checkKind(r providers.CreateRequest) error {
	switch strings.ToLower(strings.TrimSpace(r.Priority)) {
	case "", "urgent", "high", "normal", "low":
	default:
		return fmt.Errorf("unknown priority %q (want urgent, high, normal or low)", r.Priority)
	}
	switch strings.ToLower(strings.TrimSpace(r.Type)) {
	case "", "incident", "request", "question":
	default:
		return fmt.Errorf("unknown ticket type %q (want incident, request or question)", r.Type)
	}
	return nil
}
