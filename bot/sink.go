package bot

import (
	"context"
	"errors"
)

// ErrBusy is returned by a Sink whose work queue is full. The platform answers with a status
// that makes the sender redeliver later (HTTP 503), so nothing is lost.
var ErrBusy = errors.New("bot: work queue full")

// ErrCannotUpdate is returned (wrapped) by Platform.Update when the platform offers no way to
// change that card in place any more (one platform, over HTTP, after the click's answer).
// Callers post a new message instead.
var ErrCannotUpdate = errors.New("bot: card cannot be updated in place")

// Sink receives what a platform's inbound side decoded. The dispatcher implements it; a
// platform package depends only on this interface.
type Sink interface {
	// HandleMessage dedupes and queues m, returning at once: the vendor call happens later, off
	// the request path.
	HandleMessage(ctx context.Context, m Message) error
	// HandleAction runs a click. It returns within the card answer deadline ([bot]
	// action_wait, or sooner if ctx ends): with the result when the work finished in time,
	// otherwise with an "in progress" toast while the work goes on and updates the card when
	// done.
	HandleAction(ctx context.Context, a Action) (ActionResult, error)
}
