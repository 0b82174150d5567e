package bot

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the dispatcher's Prometheus instruments. They are registered on the registry
// main passes in (no global registry), and served at /metrics.
type Metrics struct {
	received    *prometheus.CounterVec
	duplicates  *prometheus.CounterVec
	rejected    *prometheus.CounterVec
	chatter     *prometheus.CounterVec
	lateActions *prometheus.CounterVec
	queued      prometheus.Gauge
	handled     *prometheus.HistogramVec
	busy        *prometheus.CounterVec
	jobLeases   *prometheus.CounterVec
	spilled     *prometheus.CounterVec
	instant     *prometheus.CounterVec
	ops         opsMetrics
}

// NewMetrics creates the instruments and registers them on reg when reg is not nil.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbot_deliveries_total", Help: "Messages and clicks received from chat platforms.",
		}, []string{"platform", "kind"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbot_duplicate_deliveries_total", Help: "Redelivered events dropped by dedupe.",
		}, []string{"platform"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbot_queue_full_total", Help: "Messages refused because the work queue was full (the platform redelivers).",
		}, []string{"platform"}),
		chatter: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbot_chatter_ignored_total", Help: "Group messages that neither mention the bot nor answer one of its cards, acknowledged and dropped.",
		}, []string{"platform"}),
		lateActions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbot_late_actions_total", Help: "Clicks whose work outlived the platform's answer deadline.",
		}, []string{"platform"}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ticketbot_queue_depth", Help: "Messages waiting for a worker.",
		}),
		handled: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ticketbot_handle_seconds", Help: "Time to handle a message or click, vendor calls included.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}, []string{"platform", "kind"}),
		busy: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbot_answers_busy_total",
			Help: "Answers put off because their chat was over the platform's send rate: kept in the outbox, or tried from it too early (sent later, not failed).",
		}, []string{"platform"}),
		spilled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbot_deliveries_kept_total",
			Help: "Deliveries acknowledged while the workers had no room, kept in the store's inbox until they had.",
		}, []string{"platform"}),
		instant: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbot_answered_in_ack_total",
			Help: "Messages answered in the callback's own response (help, usage hints): no queue, no store, no send.",
		}, []string{"platform"}),
		jobLeases: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbot_job_leases_total",
			Help: "Jobs whose attempt's lease ran out: taken over (started again by a process after another's lease ran out) or lost (an attempt that ran past its lease and could not end its job).",
		}, []string{"event"}),
		ops: newOpsMetrics(),
	}
	if reg != nil {
		reg.MustRegister(m.received, m.duplicates, m.rejected, m.chatter, m.lateActions, m.queued, m.handled, m.busy, m.jobLeases, m.spilled, m.instant)
		reg.MustRegister(m.ops.collectors()...)
	}
	return m
}

// JobLease counts a job taken over after its lease ran out ("takeover") or an attempt that
// found its lease lost when it ended ("lost"). A nil Metrics counts nothing.
func (m *Metrics) JobLease(event string) {
	if m != nil {
		m.jobLeases.WithLabelValues(event).Inc()
	}
}

// AnswerBusy counts one answer put off because its chat on platform had no room (see
// BusyError). The handlers call it; a nil Metrics counts nothing.
func (m *Metrics) AnswerBusy(platform string) {
	if m != nil {
		m.busy.WithLabelValues(platform).Inc()
	}
}
