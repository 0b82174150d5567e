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
}

var jobsDesc = prometheus.NewDesc("ticketbot_jobs", "Jobs of the work engine not yet finished (vendor writes, kept answers), by kind and state.",
	[]string{"kind", "state"}, nil)

func (j jobDepths) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc }

func (j jobDepths) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	ds, err := j.st.JobDepths(ctx)
	if err != nil {
		j.log.Warn("cannot read the job queue's depth for /metrics", "err", err)
		return
	}
	for _, d := range ds {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(d.Count), d.Kind, d.State)
	}
}
