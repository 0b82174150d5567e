package app

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Connection states a long connection reports on /readyz.
const (
	connConnected  = "connected"
	connConnecting = "connecting"
	// connStandby: another replica holds the platform's one connection; this one waits to
	// take it over.
	connStandby = "standby"
)

// connectionGauge exports ticketbot_long_connection_up for one platform's long connection.
func connectionGauge(platform string, state func() string) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "ticketbot_long_connection_up",
		Help:        "1 while this replica's long connection to the platform is up; 0 while it connects, or waits as another replica holds it.",
		ConstLabels: prometheus.Labels{"platform": platform}}, func() float64 {
		if state() == connConnected {
			return 1
		}
		return 0
	})
}

// adminRoutes is what the admin listener ([server] admin_listen) serves: how the process is,
// for operators and orchestrators, never for the platforms.
type adminRoutes struct {
	// Gatherer serves /metrics.
	Gatherer prometheus.Gatherer
	// Store is asked by /readyz whether the store answers; nil means it always does.
	Store func(ctx context.Context) error
	// Leads says which roles this replica holds (several replicas); nil with one.
	Leads func() map[string]bool
	// Connections are the long connections this process runs, each saying its state.
	Connections map[string]func() string
	// Stopping reports that shutdown began: /readyz then answers 503, so a load balancer
	// stops sending while the work in hand drains.
	Stopping func() bool
	// Pprof serves /debug/pprof.
	Pprof bool
	Log   *slog.Logger
}

// newAdmin builds the admin handler:
//   - /healthz: the process is alive and serving (200), with the roles it leads. It asks
//     nothing else, so a database outage does not get the process restarted.
//   - /readyz: 200 when this replica can take deliveries (the store answers, every long
//     connection it should hold is connected, no shutdown under way), else 503 with the
//     reasons.
//   - /metrics, and /debug/pprof when enabled.
func newAdmin(a adminRoutes) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		h := map[string]any{"status": "ok"}
		a.addRoles(h)
		writeJSON(w, http.StatusOK, h)
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		code, body := a.ready(r.Context())
		writeJSON(w, code, body)
	})
	if a.Gatherer != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(a.Gatherer, promhttp.HandlerOpts{}))
	}
	if a.Pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mux
}

// ready is /readyz's answer.
func (a adminRoutes) ready(ctx context.Context) (int, map[string]any) {
	var reasons []string
	body := map[string]any{"store": "ok"}
	if a.Stopping != nil && a.Stopping() {
		reasons = append(reasons, "shutting down")
	}
	if a.Store != nil {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if err := a.Store(ctx); err != nil {
			a.Log.Error("readiness: the store does not answer", "err", err)
			body["store"] = "unreachable"
			reasons = append(reasons, "the store does not answer")
		}
	}
	if len(a.Connections) > 0 {
		conns := make(map[string]string, len(a.Connections))
		names := make([]string, 0, len(a.Connections))
		for name := range a.Connections {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			state := a.Connections[name]()
			conns[name] = state
			if state == connConnecting {
				reasons = append(reasons, name+" long connection not connected")
			}
		}
		body["connections"] = conns
	}
	a.addRoles(body)
	if len(reasons) > 0 {
		body["status"], body["reasons"] = "unavailable", reasons
		return http.StatusServiceUnavailable, body
	}
	body["status"] = "ready"
	return http.StatusOK, body
}

// addRoles adds whether this replica leads, and which roles, when there are several.
func (a adminRoutes) addRoles(h map[string]any) {
	if a.Leads == nil {
		return
	}
	roles := a.Leads()
	leader := false
	for _, on := range roles {
		leader = leader || on
	}
	h["leader"], h["roles"] = leader, roles
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
