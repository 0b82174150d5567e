package app

import (
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ticketbot/ticketbot/bot"
)

// routes is what the public HTTP server serves: the webhooks, and nothing else (the
// process's health, metrics and profiles are on the admin listener, admin.go).
type routes struct {
	// Webhooks maps a path (a platform's WebhookPath) to the platform's or vendor's own handler,
	// which verifies and decodes its requests itself.
	Webhooks map[string]http.Handler
	Log      *slog.Logger
	// Metrics times each webhook's handler (nil: not timed).
	Metrics *bot.Metrics
}

// newRouter builds the gin engine of the webhooks (POST, and GET for platforms that check the
// URL with one). Panics in a handler become a 500 without taking the server down; every
// other path is 404.
func newRouter(rt routes) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.Use(recovery(rt.Log))
	paths := make([]string, 0, len(rt.Webhooks))
	for p := range rt.Webhooks {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		h := gin.WrapH(timed(rt.Webhooks[p], rt.Metrics.WebhookTimer(p)))
		e.POST(p, h)
		e.GET(p, h) // platforms that verify the URL with a GET (an echostr check)
	}
	return e
}

// timed observes how long h takes on each request in obs (ticketbot_webhook_seconds): the
// ack's own share of a platform's wait, apart from the network's and the machine's.
func timed(h http.Handler, obs prometheus.Observer) http.Handler {
	if obs == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h.ServeHTTP(w, r)
		obs.Observe(time.Since(start).Seconds())
	})
}

// countRefusals counts the requests h refuses (4xx) in ticketbot_webhooks_rejected_total
// under source, by status: for a vendor's push, whose handler has no metrics of its own (the
// platforms count theirs, with finer reasons).
func countRefusals(source string, h http.Handler, m *bot.Metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		if sw.status >= 400 && sw.status < 500 {
			m.WebhookRejected(source, strings.ToLower(http.StatusText(sw.status)))
		}
	})
}

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// recovery turns a panic into a logged 500; the request's body and headers are not logged,
// as they may carry secrets.
func recovery(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				log.Error("panic serving request", "path", c.FullPath(), "panic", r)
				c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
			}
		}()
		c.Next()
	}
}
