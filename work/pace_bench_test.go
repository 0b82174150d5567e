package work

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkUnheldKeptAtABurst is what every pass of the outbox pays to find the kept answers
// that may be gone, at a burst: 64 chats over their send rate with 1,000 answers kept each.
// Held chats are passed over whole, so the pass costs as much as the chats, not the answers
// (listing all 64,000 and asking each its chat, as before, took 18 ms a pass).
func BenchmarkUnheldKeptAtABurst(b *testing.B) {
	var p pacing
	now := time.Now()
	for c := range 64 {
		chat := fmt.Sprint("oc_", c)
		p.busy("feishu", chat, now.Add(time.Minute))
		for i := range 1000 {
			p.add("feishu", chat, fmt.Sprint(chat, "-", i))
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if got := p.unheldKept(now, func(laneKey) bool { return false }); len(got) != 0 {
			b.Fatalf("%d kept answers of held chats listed", len(got))
		}
	}
}
