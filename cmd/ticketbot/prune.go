package main

import (
	"context"
	"log/slog"
	"time"
)

// The store's processed table is the durable memory of delivery ids: a redelivery whose id
// it holds is dropped, across restarts and replicas. Without pruning it grows for ever; with
// it, an id is forgotten after processedRetention, so the webhooks must refuse any delivery
// older than that (feishu.MaxEventAge; WeCom allows 5 minutes), or a replay would run again;
// TestProcessedRetentionCoversWebhooks holds them together.
const (
	// processedRetention is how long a delivery id is kept after it was processed.
	processedRetention = 24 * time.Hour
	// pruneEvery is how often the server forgets older ids; each replica does, harmlessly.
	pruneEvery = time.Hour
)

// processedPruner is the part of the store the pruning needs.
type processedPruner interface {
	PruneProcessed(ctx context.Context, before time.Time) error
}

// pruneProcessed returns the background loop that forgets delivery ids older than
// processedRetention: once at start, then every pruneEvery, until ctx ends.
func pruneProcessed(st processedPruner, now func() time.Time, log *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		t := time.NewTicker(pruneEvery)
		defer t.Stop()
		for {
			if err := st.PruneProcessed(ctx, now().Add(-processedRetention)); err != nil && ctx.Err() == nil {
				log.Warn("forgetting old delivery ids failed; will retry", "err", err)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}
}
