package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ticketbot/ticketbot/store"
)

// jobDepths exports the work engine's queue, read from the store when scraped:
// ticketbot_jobs{kind, state}, the jobs not yet finished. Every replica reports the same
// shared queue.
type jobDepths struct {
	st interface {
		JobDepths(context.Context) ([]store.JobDepth, error)
	}
	log *slog.Logger
	now func() time.Time
}

var (
	jobsDesc = prometheus.NewDesc("ticketbot_jobs", "Jobs of the work engine not yet finished (vendor writes, kept answers), by kind and state (pending: not tried yet; retrying: pending after a failed attempt; running).",
		[]string{"kind", "state"}, nil)
	oldestDesc = prometheus.NewDesc("ticketbot_job_oldest_seconds", "Age of the oldest job of the kind not yet finished: a queue that stopped moving grows it.",
		[]string{"kind"}, nil)
)

func (j jobDepths) Describe(ch chan<- *prometheus.Desc) {
	ch <- jobsDesc
	ch <- oldestDesc
}

func (j jobDepths) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	ds, err := j.st.JobDepths(ctx)
	if err != nil {
		j.log.Warn("cannot read the job queue's depth for /metrics", "err", err)
		return
	}
	oldest := map[string]time.Time{}
	for _, d := range ds {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(d.Count), d.Kind, d.State)
		if o, ok := oldest[d.Kind]; !ok || d.Oldest.Before(o) {
			oldest[d.Kind] = d.Oldest
		}
	}
	for kind, o := range oldest {
		ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, max(0, j.now().Sub(o).Seconds()), kind)
	}
}
