// Package bot is the platform-neutral core: the types that flow between chat platforms and
// handlers (Message, Action, Outgoing, CardRef), the Platform interface every chat platform
// implements, and the dispatcher that dedupes, queues and runs commands.
//
// Platform packages (bot/<platform>) import this package only.
package bot

import (
	"bytes"
	"context"

	"github.com/ticketbot/ticketbot/providers"
)

// Secret is the redacting configuration string, shared with the providers.
type Secret = providers.Secret

// Message is a text a person wrote to the bot in a chat, with the bot's @mention removed.
type Message struct {
	Platform string // the platform's registered name
	// EventID and MessageID are the platform's delivery keys; both are deduped.
	EventID   string
	MessageID string
	// RequestID names this delivery in every log line and audit entry it causes (package
	// reqid); the dispatcher gives one to each delivery it accepts.
	RequestID string
	ChatID    string
	ChatType  string // "group" or "p2p"
	UserID    string // the platform's id of the person (an open_id, a userid)
	UserName  string
	Text      string
	// ParentID is the message this one answers (thread root or quoted message); it finds the
	// ticket a thread reply belongs to.
	ParentID string
	RootID   string
	// Files are the images and files sent with the message (a rich-text message with a
	// screenshot, or a file posted in a ticket card's thread).
	Files []FileRef
	// Quote is the text of the message this one quotes, on platforms where a quote carries
	// only content, not an id: a ticket reference in it finds the ticket answered. QuoteFiles
	// are the quoted message's images and files, where the quote carries them.
	Quote      string
	QuoteFiles []FileRef
	// Mentions are the people the message @-mentions besides the bot, where the platform
	// says who they are (a chat admin binds someone with 绑定 … @name).
	Mentions []Mention
	// Overheard marks a group message that does not mention the bot: the platform shows the
	// bot every group message (one does with im:message.group_msg), but only one that answers
	// a ticket card (a thread reply under it) is for the bot. The rest is chatter, dropped
	// on the ack path. The zero value, addressed, is every other message.
	Overheard bool
}

// Mention is a person @-mentioned in a message: the name shown in the text ("@李四") and
// their platform user id, the same kind of id as Message.UserID.
type Mention struct {
	Name   string
	UserID string
}

// Action is a click on a card button (or a form submit). Command is the command text the
// button carries, so clicks run exactly the code typed commands run.
type Action struct {
	Platform  string
	EventID   string
	RequestID string // as Message's
	ChatID    string
	MessageID string // the card that was clicked
	UserID    string
	UserName  string
	Command   string
	// Form holds submitted form inputs keyed by component name, or the choice of a select
	// menu outside a form under its name.
	Form map[string]string
	// Token is the platform's credential for a delayed update of the clicked card, if any.
	Token string
}

// FileRef is a file a person sent, as the platform names it; FileFetcher downloads it.
type FileRef struct {
	Key  string // the platform's key for it (an image_key / file_key)
	Name string
	Kind string // "image" or "file"
	// MessageID is the message the file was sent with, when it is not the command's own (a
	// file of the message a 建单 answers); "" is the command's message.
	MessageID string `json:",omitempty"`
	// AESKey decrypts the download where the platform gives each file its own key (one
	// platform's long connection); kept with the job like Key, both good for minutes only.
	AESKey string `json:",omitempty"`
}

// FileFetcher is implemented by platforms that can download what people sent.
type FileFetcher interface {
	// FetchFile downloads f of message messageID, refusing more than max bytes.
	FetchFile(ctx context.Context, messageID string, f FileRef, max int64) ([]byte, error)
}

// CardRef locates a message the bot sent, so it can be updated in place.
type CardRef struct {
	Platform  string `json:"platform"`
	ChatID    string `json:"chat_id"`
	MessageID string `json:"message_id"`
}

// Kind says how a platform should deliver an Outgoing.
type Kind string

// The kinds of outgoing messages.
const (
	KindCard     Kind = "card"     // an interactive card rendered from a template
	KindText     Kind = "text"     // plain text
	KindMarkdown Kind = "markdown" // markdown from a template (help, list without a card one)
)

// Outgoing is a rendered message for one platform: Body is what the platform's API takes
// (the platform's card JSON for KindCard, the plain text for KindText).
type Outgoing struct {
	Kind Kind
	Body []byte
	// Key makes a send idempotent at the platform (a uuid it dedupes on), so a retried send
	// never posts twice.
	Key string
	// Fallback is a markdown rendition of a card, for channels that cannot show it (one
	// platform's group webhook robot takes no interactive cards).
	Fallback string
}

// Clone returns a copy of o that shares no bytes with it, for an answer kept and handed out
// again.
func (o *Outgoing) Clone() *Outgoing {
	c := *o
	c.Body = bytes.Clone(o.Body)
	return &c
}

// Features is everything a platform can do that not every platform can: what its cards can
// hold (declared by FeatureReporter; a platform that does not implement it has every card
// feature) and the optional operations it implements (filled in by Can).
type Features struct {
	// Forms says cards can hold input boxes (card forms); without them the
	// 回复 button is not offered and people reply by quoting the card.
	Forms bool
	// Threads says a message has a thread people answer in (a 话题); without threads
	// people quote the card, and the bot's words say so.
	Threads bool
	// Confirm says a button can ask for confirmation in a dialog before it acts; without it
	// the bot asks with a confirmation card in place of the clicked one.
	Confirm bool
	// Mentions says a text answer can @ a person by their user id (<at user_id=…>), which the
	// platform shows as their name; without it a person is named by their id.
	Mentions bool

	// Filled in by Can from the optional interfaces the platform implements.
	Files      bool // FileFetcher: what people sent can be downloaded
	LateUpdate bool // TokenUpdater: a clicked card can be updated later with the click's token
	Read       bool // MessageReader: a message can be read by its id (the one a command answers)
}

// FeatureReporter is implemented by platforms whose cards lack something.
type FeatureReporter interface {
	Features() Features
}

// Platform is a chat platform the bot can post to.
type Platform interface {
	Name() string
	// Send posts m into chat and returns where it landed.
	Send(ctx context.Context, chat string, m Outgoing) (CardRef, error)
	// Reply answers the message ref points at, in its thread where the platform has threads.
	Reply(ctx context.Context, ref CardRef, m Outgoing) (CardRef, error)
	// Update replaces the card ref points at, in place, for everyone.
	Update(ctx context.Context, ref CardRef, m Outgoing) error
}

// TokenUpdater is implemented by platforms that can update a clicked card later with the
// click's own token (one platform's 延时更新消息卡片), used when a click outlives the answer
// deadline.
type TokenUpdater interface {
	UpdateByToken(ctx context.Context, token string, card []byte) error
}

// Toast is the short notice a platform shows to the person who clicked.
type Toast struct {
	Type string // "success", "info", "warning", "error"
	Text string
}

// ActionResult is the synchronous answer to a click: a toast and, optionally, the clicked
// card's replacement.
type ActionResult struct {
	Toast Toast
	Card  []byte // rendered card JSON; nil leaves the card as it is
	// Pending says the work goes on after this answer: its result comes later as an Update
	// of the clicked card keyed ClickKey(EventID), which a platform keeps the card for.
	Pending bool
}

// ClickKey is the Outgoing.Key of a click's late result, so a platform can tell it from
// other updates of the clicked card (a watcher's redraw).
func ClickKey(eventID string) string { return "click:" + eventID }
