package bot

import (
	"context"
	"time"
)

// MessageReader is a platform that can read a chat message by its id: the message a command
// answers, when the event carries only its id (建单 as a reply files a ticket from it).
type MessageReader interface {
	ReadMessage(ctx context.Context, messageID string) (Quoted, error)
}

// Quoted is a message someone answered or quoted: what a ticket made from it says. A platform
// whose quote carries only text (Message.Quote) gives no author, time or files.
type Quoted struct {
	Text string
	// Author is the sender's name where the platform says it, else their id; ByApp marks a
	// message an application sent (an alert from a monitoring bot).
	Author string
	ByApp  bool
	At     time.Time
	// Files are the images and files sent with it (their MessageID set to the quoted one).
	Files []FileRef
}
