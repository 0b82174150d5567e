package bot

import "github.com/prometheus/client_golang/prometheus"

// opsMetrics are the instruments operators alert on beyond the dispatcher's own: refused
// webhooks, commands by outcome, jobs given up, vendor calls.
type opsMetrics struct {
	webhookRejected *prometheus.CounterVec
	commands        *prometheus.CounterVec
	jobsGivenUp     *prometheus.CounterVec
	vendorCalls     *prometheus.HistogramVec
	webhookSeconds  *prometheus.HistogramVec
}

func newOpsMetrics() opsMetrics {
	return opsMetrics{
		webhookRejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbot_webhooks_rejected_total",
			Help: "Webhook requests refused before anything was done (a bad signature or token, a stale timestamp, a body too large or undecryptable, a wrong method), by the platform or vendor whose webhook it is, and the reason.",
		}, []string{"platform", "reason"}),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbot_commands_total",
			Help: "Commands and clicks run, by command and result (ok, error, denied, refused, queued, stale, … as in the audit).",
		}, []string{"command", "result"}),
		jobsGivenUp: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbot_jobs_given_up_total",
			Help: "Jobs of the work engine that failed for good (a vendor refusal, or retried until [bot.retry] give_up_after), by kind.",
		}, []string{"kind"}),
		vendorCalls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ticketbot_vendor_call_seconds",
			Help:    "Calls to a vendor's API, by vendor, operation and outcome (ok, or error), from commands and the watcher alike.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"vendor", "op", "outcome"}),
		webhookSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ticketbot_webhook_seconds",
			Help:    "Time in a webhook's handler, by path: from the request routed to the answer handed to the HTTP server (the ack, an answer in it included).",
			Buckets: []float64{.0001, .00025, .0005, .001, .002, .005, .01, .025, .05, .1, .25, 1, 3},
		}, []string{"path"}),
	}
}

func (o opsMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{o.webhookRejected, o.commands, o.jobsGivenUp, o.vendorCalls, o.webhookSeconds}
}

// WebhookTimer is the instrument of the webhook at path, to be observed once per request with
// the seconds its handler took (label looked up once, not per request); nil for a nil Metrics.
func (m *Metrics) WebhookTimer(path string) prometheus.Observer {
	if m == nil {
		return nil
	}
	return m.ops.webhookSeconds.WithLabelValues(path)
}

// WebhookRejected counts a webhook request platform refused, for reason (a short fixed
// text). A nil Metrics counts nothing.
func (m *Metrics) WebhookRejected(platform, reason string) {
	if m != nil {
		m.ops.webhookRejected.WithLabelValues(platform, reason).Inc()
	}
}

// Command counts a command or click that ended with result.
func (m *Metrics) Command(command, result string) {
	if m != nil {
		m.ops.commands.WithLabelValues(command, result).Inc()
	}
}

// JobGivenUp counts a job of kind that failed for good.
func (m *Metrics) JobGivenUp(kind string) {
	if m != nil {
		m.ops.jobsGivenUp.WithLabelValues(kind).Inc()
	}
}

// VendorCall records one call to vendor's operation op that took seconds; failed marks an
// error (the vendor's refusal, or the network's).
func (m *Metrics) VendorCall(vendor, op string, seconds float64, failed bool) {
	if m != nil {
		outcome := "ok"
		if failed {
			outcome = "error"
		}
		m.ops.vendorCalls.WithLabelValues(vendor, op, outcome).Observe(seconds)
	}
}
