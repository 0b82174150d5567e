package bot

import "context"

// Prober is a Platform that can show its configuration works with harmless authenticated
// calls (a token and the bot's own info, a long connection's handshake): `ticketbot check
// --online` finds it through Probe (optional.go).
type Prober interface {
	// Probe makes the calls and names the last one made, whether it succeeded or not. It
	// posts nothing into any chat.
	Probe(ctx context.Context) (call string, err error)
}
