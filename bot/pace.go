package bot

import (
	"context"
	"errors"
	"time"
)

// A send waits for its chat's rate only briefly. The workers that answer commands are shared
// by every chat: a send that waited a minute for one busy chat's turn would park a worker,
// and enough of them would park them all while the other chats went unanswered. So a
// platform waits for a slot at most SendWait(ctx) (long enough that a short burst in a group
// still flows, in order); a slot further away is not waited for: the send returns a
// *BusyError at once, having posted nothing, and the caller keeps the message and sends it
// again at RetryAt (the handlers through their outbox, the watcher on its next delivery).

// DefaultSendWait is how long a send may wait for its chat's rate when the context names no
// other bound: a burst of a few answers in a group (one every 250 ms on one platform) still
// goes out in order, while a worker is never held for longer than this by one chat.
const DefaultSendWait = 1500 * time.Millisecond

// ErrChatBusy is matched (errors.Is) by every *BusyError: the chat, or the whole app, is over
// the platform's send rate for now, and nothing was posted.
var ErrChatBusy = errors.New("bot: the chat is over its send rate")

// BusyError is a send refused because its chat (or its card, or the platform app as a whole)
// has no room within the caller's wait bound: by our own limiter, or by the platform
// answering with its rate-limit code. Nothing was posted and the reserved slot was given
// back; the same message may be sent again from RetryAt on.
type BusyError struct {
	// RetryAt is when the chat will have room for one more message, as far as is known.
	RetryAt time.Time
	// Err is the platform's own refusal (its rate-limit answer), or nil when our limiter
	// said so before anything was sent.
	Err error
}

// Error says until when the chat is busy.
func (e *BusyError) Error() string {
	s := "bot: the chat is over its send rate until " + e.RetryAt.Format("15:04:05.000")
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is makes errors.Is(err, ErrChatBusy) true.
func (e *BusyError) Is(target error) bool { return target == ErrChatBusy }

// Unwrap returns the platform's refusal, if any.
func (e *BusyError) Unwrap() error { return e.Err }

// BusyUntil reports whether err is (or wraps) a *BusyError, and when its chat has room again.
func BusyUntil(err error) (time.Time, bool) {
	var be *BusyError
	if errors.As(err, &be) {
		return be.RetryAt, true
	}
	return time.Time{}, false
}

type sendWaitKey struct{}

// WithSendWait returns a context under which a platform's send waits at most d for its
// chat's rate before returning a *BusyError. The outbox and the watcher, which serve every
// chat from one loop, wait less than DefaultSendWait; a goroutine of its own (a late click's
// notice) may wait longer.
func WithSendWait(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, sendWaitKey{}, max(d, 0))
}

// SendWait is the longest a send under ctx may wait for its chat's rate: what WithSendWait
// set, else DefaultSendWait.
func SendWait(ctx context.Context) time.Duration {
	if d, ok := ctx.Value(sendWaitKey{}).(time.Duration); ok {
		return d
	}
	return DefaultSendWait
}
