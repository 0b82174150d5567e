package app

import (
	"testing"

	"github.com/ticketbot/ticketbot/bot/feishu"
	"github.com/ticketbot/ticketbot/work"
)

// TestProcessedRetentionCoversWebhooks: a delivery the Feishu webhook still accepts must
// find its id in the store (the work engine forgets ids after work.DeliveryRetention), or a
// replay of it would run again.
func TestProcessedRetentionCoversWebhooks(t *testing.T) {
	if work.DeliveryRetention < feishu.MaxEventAge {
		t.Fatalf("processed ids are kept %v, but Feishu deliveries up to %v old are accepted", work.DeliveryRetention, feishu.MaxEventAge)
	}
}
