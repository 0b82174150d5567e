// Package reqid names each inbound delivery with a request id that follows it through the
// context: every log line written with that context carries it (Handler), and so do the
// vendor calls it causes and its audit entry. A platform's own event id is not enough: a
// redelivery shares it, and a click and the answers it leads to have none of their own.
package reqid

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"strconv"
)

// Key is the attribute name the id is logged under.
const Key = "request_id"

type ctxKey struct{}

// New is a fresh request id: 16 hex digits, unique enough to find one delivery's lines in a
// day of logs (not a secret, so no cryptographic randomness is spent on it).
func New() string {
	s := strconv.FormatUint(rand.Uint64(), 16)
	for len(s) < 16 {
		s = "0" + s
	}
	return s
}

// With returns ctx carrying id (ctx itself when id is empty).
func With(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, ctxKey{}, id)
}

// From is the request id ctx carries, or "".
func From(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// Handler adds the context's request id to every record logged with a context that carries
// one, unless the logger or the record already names one.
type Handler struct {
	inner slog.Handler
	named bool // a request_id is among the attributes given with WithAttrs
}

// NewHandler wraps h.
func NewHandler(h slog.Handler) *Handler { return &Handler{inner: h} }

func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if id := From(ctx); id != "" && !h.named && !hasKey(r) {
		r = r.Clone()
		r.AddAttrs(slog.String(Key, id))
	}
	return h.inner.Handle(ctx, r)
}

func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	named := h.named
	for _, a := range attrs {
		named = named || a.Key == Key
	}
	return &Handler{inner: h.inner.WithAttrs(attrs), named: named}
}

func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{inner: h.inner.WithGroup(name), named: h.named}
}

func hasKey(r slog.Record) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == Key
		return !found
	})
	return found
}
