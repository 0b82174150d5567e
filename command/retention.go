package command

import (
	"time"

	"github.com/ticketbot/ticketbot/work"
)

// Retention is how long the work engine's janitor keeps what is finished ([retention] of the
// configuration). A zero field takes its default; Audit zero keeps the audit for ever.
type Retention struct {
	// Jobs: finished vendor writes and answers, for whoever looks into what happened.
	Jobs time.Duration
	// Deliveries: processed delivery ids, the dedupe of redeliveries; never below
	// work.DeliveryRetention.
	Deliveries time.Duration
	// Notices: notices sent or given up. A daily summary is keyed by its day, so they are
	// kept at least MinNoticeRetention, or a pruned summary would be posted again that day.
	Notices time.Duration
	// Audit: audit entries (0: for ever).
	Audit time.Duration
}

// Defaults of Retention: what the bot kept before [retention] existed.
const (
	DefaultKeepJobs    = 7 * 24 * time.Hour
	DefaultKeepNotices = 7 * 24 * time.Hour
	// MinNoticeRetention keeps a daily summary's record through its day.
	MinNoticeRetention = 24 * time.Hour
)

// WithDefaults fills the zero fields but Audit.
func (r Retention) WithDefaults() Retention {
	if r.Jobs <= 0 {
		r.Jobs = DefaultKeepJobs
	}
	if r.Deliveries <= 0 {
		r.Deliveries = work.DeliveryRetention
	}
	if r.Notices <= 0 {
		r.Notices = DefaultKeepNotices
	}
	return r
}

// pruners are what the janitor forgets besides finished jobs.
func (r Retention) pruners(st Store) []work.Pruner {
	ps := []work.Pruner{
		{What: "delivery ids", Keep: r.Deliveries, Prune: st.PruneProcessed},
		{What: "notices", Keep: r.Notices, Prune: st.PruneNotices},
		// A draft nobody answered (draft.go): gone for its owner once it expired.
		{What: "drafts", Keep: draftLife, Prune: st.PruneDrafts},
	}
	if r.Audit > 0 {
		ps = append(ps, work.Pruner{What: "audit entries", Keep: r.Audit, Prune: st.PruneAudit})
	}
	return ps
}
