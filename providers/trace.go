package providers

import (
	"context"
	"sync"
	"time"
)

// RequestLog collects the vendor request ids of the calls made for one command, so the audit
// table can name them: a vendor's support finds a call by its request id, never by our time.
type RequestLog struct {
	mu  sync.Mutex
	ids []string
}

type requestLogKey struct{}

// WithRequestLog returns a context whose vendor calls record their request ids in the log.
func WithRequestLog(ctx context.Context) (context.Context, *RequestLog) {
	l := &RequestLog{}
	return context.WithValue(ctx, requestLogKey{}, l), l
}

// NoteRequestID records a vendor request id in the context's log, if it has one. Providers
// call it for every answer that carries an id, failed or not.
func NoteRequestID(ctx context.Context, id string) {
	if id == "" {
		return
	}
	if l, ok := ctx.Value(requestLogKey{}).(*RequestLog); ok {
		l.mu.Lock()
		l.ids = append(l.ids, id)
		l.mu.Unlock()
	}
}

// IDs are the recorded request ids, oldest first.
func (l *RequestLog) IDs() []string {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.ids...)
}

// Observer is told of every call a vendor's client makes: the vendor, the operation, how long
// it took and how it ended (nil: a success). The app counts them (ticketbot_vendor_call_seconds),
// for commands and the watcher alike. A nil Observer is told nothing.
// It is given the call's context, so what it logs names the delivery that caused the call.
type Observer func(ctx context.Context, vendor, op string, took time.Duration, err error)

// Call tells o of one call made with ctx that started at start and ended with err.
func (o Observer) Call(ctx context.Context, vendor, op string, start time.Time, err error) {
	if o != nil {
		o(ctx, vendor, op, time.Since(start), err)
	}
}
