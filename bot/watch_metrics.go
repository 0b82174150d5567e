package bot

import "github.com/prometheus/client_golang/prometheus"

// WatchMetrics are the watcher's Prometheus instruments.
type WatchMetrics struct {
	followed     prometheus.Gauge
	refreshes    *prometheus.CounterVec
	vendorCalls  *prometheus.CounterVec
	noteReads    *prometheus.CounterVec
	notesOverdue *prometheus.GaugeVec
	sent         *prometheus.CounterVec
	failed       *prometheus.CounterVec
	givenUp      prometheus.Counter
	busy         *prometheus.CounterVec
	coalesced    *prometheus.CounterVec
	reminders    *prometheus.CounterVec
	queued       prometheus.Gauge
	sweepSeconds prometheus.Histogram
	detection    prometheus.Histogram
	subscribed   *prometheus.CounterVec
}

// NewWatchMetrics creates the instruments and registers them on reg when it is not nil.
func NewWatchMetrics(reg prometheus.Registerer) *WatchMetrics {
	m := &WatchMetrics{
		followed: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ticketbot_tickets_followed", Help: "Tickets followed by at least one chat."}),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketbot_ticket_refreshes_total",
			Help: "Tickets read back from their vendor by the watcher."}, []string{"provider"}),
		vendorCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketbot_watch_vendor_calls_total",
			Help: "Vendor API calls made by the watcher (a batch call counts once)."}, []string{"provider"}),
		noteReads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketbot_watch_note_reads_total",
			Help: "Note reads for vendors whose batch read carries no notes, by reason: status (the status changed) or cadence (notes_every)."},
			[]string{"provider", "reason"}),
		notesOverdue: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ticketbot_watch_notes_overdue",
			Help: "Tickets whose note read was due in the last sweep but did not fit notes_budget."}, []string{"provider"}),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketbot_notices_sent_total",
			Help: "Notice messages posted (a merged message counts once)."}, []string{"platform"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketbot_notices_failed_total",
			Help: "Notice deliveries that failed and were deferred."}, []string{"platform"}),
		givenUp: prometheus.NewCounter(prometheus.CounterOpts{Name: "ticketbot_notices_given_up_total",
			Help: "Notices given up undelivered after [bot.retry] give_up_after (kept in the store with their last error)."}),
		busy: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketbot_notices_busy_total",
			Help: "Notice messages and card redraws held because their chat was over the platform's send rate (delivered later, not failed)."}, []string{"platform"}),
		coalesced: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketbot_notices_coalesced_total",
			Help: "Notices merged into another notice's message."}, []string{"platform"}),
		reminders: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketbot_reminders_sent_total",
			Help: "Reminders of tickets waiting on us posted, by kind: reminder, escalated (a reminder that also calls in the chat's admins) or escalation (the post in an escalation chat)."},
			[]string{"platform", "kind"}),
		queued:       prometheus.NewGauge(prometheus.GaugeOpts{Name: "ticketbot_notices_queued", Help: "Notices waiting in the outbox."}),
		sweepSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "ticketbot_watch_sweep_seconds", Help: "Duration of one sweep.", Buckets: prometheus.ExponentialBuckets(0.01, 2, 14)}),
		detection: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "ticketbot_change_detection_seconds",
			Help: "From the vendor's update time to the watcher recording the change.", Buckets: prometheus.ExponentialBuckets(1, 2, 14)}),
		subscribed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketbot_subscription_tickets_total",
			Help: "Tickets a chat's subscription found at the vendor and made the chat follow."}, []string{"provider"}),
	}
	if reg != nil {
		reg.MustRegister(m.followed, m.refreshes, m.vendorCalls, m.noteReads, m.notesOverdue, m.sent, m.failed, m.givenUp, m.busy, m.coalesced, m.reminders, m.queued, m.sweepSeconds, m.detection, m.subscribed)
	}
	return m
}
