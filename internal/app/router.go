package app

import (
	"context"
	"log/slog"
	"net/http"
	"sort"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes is what the HTTP server serves.
type routes struct {
	// Webhooks maps a path (a platform's WebhookPath) to the platform's or vendor's own handler,
	// which verifies and decodes its requests itself.
	Webhooks map[string]http.Handler
	// Gatherer serves /metrics.
	Gatherer prometheus.Gatherer
	// Health is checked by /healthz (the store is reachable); nil means always healthy.
	Health func(ctx context.Context) error
	// Leads says which roles this replica holds (several replicas); nil with one.
	Leads func() map[string]bool
	Log   *slog.Logger
}

// newRouter builds the gin engine: every webhook (POST), /healthz and /metrics. Panics in a
// handler become a 500 without taking the server down.
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
		h := gin.WrapH(rt.Webhooks[p])
		e.POST(p, h)
		e.GET(p, h) // platforms that verify the URL with a GET (an echostr check)
	}
	e.GET("/healthz", func(c *gin.Context) {
		if rt.Health != nil {
			ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
			defer cancel()
			if err := rt.Health(ctx); err != nil {
				rt.Log.Error("health check failed", "err", err)
				c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable"})
				return
			}
		}
		if rt.Leads != nil {
			roles := rt.Leads()
			leader := false
			for _, on := range roles {
				leader = leader || on
			}
			c.JSON(http.StatusOK, gin.H{"status": "ok", "leader": leader, "roles": roles})
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	})
	if rt.Gatherer != nil {
		e.GET("/metrics", gin.WrapH(promhttp.HandlerFor(rt.Gatherer, promhttp.HandlerOpts{})))
	}
	return e
}

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
