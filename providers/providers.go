// Package providers defines the contract every ticket vendor (providers/<name>)
// implements, the normalized Ticket and Status they return, and the errors they share.
//
// Vendor packages import nothing of ours but this one, so adding a vendor is one folder plus
// one line in internal/app/registry.go.
package providers

import (
	"context"
	"strings"
	"time"
)

// Provider is one ticket vendor. Implementations must be safe for concurrent use.
type Provider interface {
	// Name is the short name used in commands and config (Descriptor.Name).
	Name() string
	// Capabilities says which operations the vendor's API supports, so cards can hide buttons
	// the vendor cannot honour.
	Capabilities() Capabilities
	Create(ctx context.Context, r CreateRequest) (Ticket, error)
	Get(ctx context.Context, id string) (Ticket, error)
	Reply(ctx context.Context, id string, r Reply) error
	Close(ctx context.Context, id string, r CloseRequest) error
	Notes(ctx context.Context, id string) ([]Note, error)
}

// BatchGetter is implemented by vendors that can refresh many tickets in one call; the watcher
// finds it through Can and GetMany (optional.go).
type BatchGetter interface {
	GetMany(ctx context.Context, ids []string) ([]Ticket, error)
}

// Capabilities lists what a vendor's API can do. A vendor declares the first part in its
// Capabilities method; Can adds the optional operations it implements (the last part), so
// the core asks one question, Can(p), and never asserts an interface itself.
type Capabilities struct {
	Create bool
	Reply  bool
	Close  bool
	Notes  bool
	// CloseCreatorOnly is set when the vendor lets only the ticket's creator close it
	// (one says "仅工单的创建人可关闭工单").
	CloseCreatorOnly bool
	// Reopen, Reject and Transfer are the transitions beyond Close the vendor's configured API
	// has (transition.go); Can keeps each only where the vendor implements it too.
	Reopen, Reject, Transfer bool
	// Search is set when the vendor's configured list call finds tickets by a keyword
	// (Searcher); Can keeps it only where the vendor implements it too.
	Search bool
	// BatchOmitsNotes is set when BatchGetter's tickets carry no LatestNote (one vendor's list
	// calls): the watcher then reads Notes itself, on a status change and on a slower cadence.
	BatchOmitsNotes bool

	// Filled in by Can from the optional interfaces the vendor implements.
	Batch        bool // BatchGetter: many tickets in one call
	Files        bool // Attacher: files with a new ticket
	ReplyFiles   bool // ReplyAttacher: files with a reply too
	SecretReply  bool // SecretReplier: confidential content in a reply
	SecretCreate bool // SecretCreator: confidential content with a new ticket
	FindCreated  bool // CreatedFinder: an unknown create is looked for before it is repeated
	FindChanged  bool // ChangeFinder: a list tells which followed tickets to read
	Identity     bool // Identifier: acts as each person's own identity, which they can bind
	List         bool // Lister: its list finds the account's tickets for a subscription
}

// Actor is the person on whose behalf the bot acts, already mapped to the vendor's identity.
type Actor struct {
	// Name is the person's display name ("张三").
	Name string
	// VendorID is the person's identity at this vendor (such as a 长工号); empty when the chat
	// user has no mapping and the provider's configured default applies.
	VendorID string
}

// CreateRequest is a new ticket as a person wrote it in chat.
type CreateRequest struct {
	Title   string
	Content string
	// Priority is normalized: "urgent", "high", "normal", "low" or "" for the vendor default.
	Priority string
	// Type is normalized: "incident", "request", "question" or "" for the vendor default.
	Type  string
	Actor Actor
	// Fields are the vendor's own fields chosen (Fielder): field name to a Choice's Value.
	// A field left out takes the configured default.
	Fields map[string]string `json:",omitempty"`
}

// Reply is a comment written to a ticket.
type Reply struct {
	Text  string
	Actor Actor
}

// CloseRequest closes a ticket.
type CloseRequest struct {
	Remark string
	Actor  Actor
}

// Ticket is a vendor ticket in normalized form.
type Ticket struct {
	Provider string `json:"provider"`
	ID       string `json:"id"`
	Title    string `json:"title"`
	Content  string `json:"content,omitempty"`
	Status   Status `json:"status"`
	// RawStatus is the vendor's own value ("2"), kept so unknown states can be shown.
	RawStatus string `json:"raw_status"`
	// RawLabel is the vendor's label for RawStatus where it has one ("处理中").
	RawLabel string `json:"raw_label,omitempty"`
	Flags    []Flag `json:"flags,omitempty"`
	// Priority is the display label: 紧急, 高, 中 or 低 (PriorityLabel of PriorityLevel), the
	// words people type, whatever the vendor calls its levels; the vendor's own value when it
	// maps to none of them; "" when the vendor has no priority (some APIs have none).
	Priority string `json:"priority,omitempty"`
	// PriorityLevel is the normalized level the vendor holds ("urgent", "high", "normal",
	// "low"), "" when unknown or when the vendor has no priority. After a create it says what
	// was really filed: a vendor without the level asked for files the nearest one, and the
	// chat can say so by comparing it with CreateRequest.Priority.
	PriorityLevel string `json:"priority_level,omitempty"`
	Type          string `json:"type,omitempty"` // display label, e.g. "问题排查"
	Customer      string `json:"customer,omitempty"`
	Creator       string `json:"creator,omitempty"`
	// CreatorID is the creator's vendor identity (such as a creator_id).
	CreatorID string `json:"creator_id,omitempty"`
	Handler   string `json:"handler,omitempty"`
	// HandlerID is the handler's vendor identity (a staff id) where the vendor names one: a
	// transfer (TransferRequest.To) is seen done by it.
	HandlerID  string    `json:"handler_id,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	LatestNote *Note     `json:"latest_note,omitempty"`
	URL        string    `json:"url,omitempty"`
}

// Ref is the ticket's reference as written in chat: "<vendor>:1204".
func (t Ticket) Ref() string { return t.Provider + ":" + t.ID }

// HasFlag reports whether f is set on the ticket.
func (t Ticket) HasFlag(f Flag) bool {
	for _, x := range t.Flags {
		if x == f {
			return true
		}
	}
	return false
}

// Note is one entry of a ticket's conversation or history.
type Note struct {
	ID     string `json:"id"`
	Author string `json:"author"`
	// Official is true for the vendor's staff (小二, 工程师), false for the customer side.
	Official bool      `json:"official"`
	Body     string    `json:"body"`
	At       time.Time `json:"at"`
}

// Attributed is a reply's text as the bot writes it at a vendor whose comment has no author
// field: "张三：text", so the vendor's staff see who in the group wrote it.
func Attributed(name, text string) string {
	if strings.TrimSpace(name) == "" {
		return text
	}
	return strings.TrimSpace(name) + "：" + text
}

// NoteBody is a note's text without the author's name in front: a reply the bot attributed
// (Attributed) and the vendor lists under that same name would read "姜程 / 姜程：…".
func NoteBody(author, body string) string {
	author = strings.TrimSpace(author)
	if author == "" {
		return body
	}
	for _, colon := range []string{"：", ":"} {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(body), author+colon); ok && strings.TrimSpace(rest) != "" {
			return strings.TrimSpace(rest)
		}
	}
	return body
}
