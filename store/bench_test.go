package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkMarkProcessedCachedHit measures a duplicate answered from memory: the cost every
// redelivered event pays.
func BenchmarkMarkProcessedCachedHit(b *testing.B) {
	ctx := context.Background()
	c := NewCached(openTest(b), time.Minute)
	if _, err := c.MarkProcessed(ctx, "evt-dup", t0); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if fresh, err := c.MarkProcessed(ctx, "evt-dup", t0); err != nil || fresh {
			b.Fatal(fresh, err)
		}
	}
}

// BenchmarkMarkProcessedSQLite measures the database path: a new id (an insert and a WAL
// append) and a duplicate (the conflicting insert that does nothing).
func BenchmarkMarkProcessedSQLite(b *testing.B) {
	ctx := context.Background()
	b.Run("fresh", func(b *testing.B) {
		s := openTest(b)
		keys := make([]string, b.N)
		for i := range keys {
			keys[i] = "evt-" + strconv.Itoa(i)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if fresh, err := s.MarkProcessed(ctx, keys[i], t0); err != nil || !fresh {
				b.Fatal(fresh, err)
			}
		}
	})
	b.Run("duplicate", func(b *testing.B) {
		s := openTest(b)
		if _, err := s.MarkProcessed(ctx, "evt-dup", t0); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if fresh, err := s.MarkProcessed(ctx, "evt-dup", t0); err != nil || fresh {
				b.Fatal(fresh, err)
			}
		}
	})
}

// BenchmarkMarkProcessedBatch is the dedupe stage as the dispatcher runs it: one transaction
// for a batch of 256 fresh delivery ids (group commit). ns/op is per batch.
func BenchmarkMarkProcessedBatch(b *testing.B) {
	s := openTest(b)
	ctx := context.Background()
	keys := make([]string, 256)
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		for i := range keys {
			n++
			keys[i] = fmt.Sprintf("feishu:evt-%d", n)
		}
		if _, err := s.MarkProcessedMany(ctx, keys, t0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(keys))/b.Elapsed().Seconds(), "ids/s")
}

// BenchmarkSpill is the ack path's group commit at a burst: one inbox row holding a batch of
// deliveries of about 300 bytes each (the dispatcher's encoding). The ack waits for it, so
// its time bounds how fast a burst beyond the workers is acknowledged.
func BenchmarkSpill(b *testing.B) {
	for _, n := range []int{1, 64, 512} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			s := openTest(b)
			ctx := context.Background()
			payload := []byte("[" + strings.Repeat(`{"Platform":"wecom","EventID":"","MessageID":"msg_0123456789abcdef","ChatID":"wr0123456789","ChatType":"group","UserID":"zhangsan","UserName":"","Text":"今天下午三点的会议改到四点了，大家注意一下","ParentID":"","RootID":"","Files":null,"Quote":"","Overheard":false},`, n))
			seq := int64(0)
			b.ReportAllocs()
			for b.Loop() {
				seq++
				if err := s.Spill(ctx, Spilled{ID: strconv.FormatInt(seq, 10), Seq: seq, Count: n, Payload: payload, At: t0}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "deliveries/s")
		})
	}
}

// BenchmarkJobLifecycle is what one kept answer costs the store: enqueued, started, finished.
func BenchmarkJobLifecycle(b *testing.B) {
	s := openTest(b)
	ctx := context.Background()
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		n++
		j := job(fmt.Sprint("bench-", n))
		j.NextAt = t0
		if fresh, err := s.EnqueueJob(ctx, j); err != nil || !fresh {
			b.Fatal(fresh, err)
		}
		if ok, err := s.StartJob(ctx, j, t0, t0.Add(time.Minute)); err != nil || !ok {
			b.Fatal(ok, err)
		}
		j.Attempts++
		if err := s.FinishJob(ctx, j, JobDone, t0, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEnqueueJobConcurrent is sixteen workers keeping answers at once, as a burst of
// commands to chats over their send rate does.
func BenchmarkEnqueueJobConcurrent(b *testing.B) {
	s := openTest(b)
	ctx := context.Background()
	var n atomic.Int64
	b.SetParallelism(8) // 16 goroutines on 2 cores
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if fresh, err := s.EnqueueJob(ctx, job(fmt.Sprint("bench-", n.Add(1)))); err != nil || !fresh {
				b.Error(fresh, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
}

// BenchmarkSaveTicket is the watcher's write for each ticket a sweep reads: its snapshot
// (about 1.5 KB of the vendor's JSON) replaced in place, over 1,000 followed tickets. With an
// event (a state change) the timeline's row is written in the same transaction.
func BenchmarkSaveTicket(b *testing.B) {
	snapshot := []byte(`{"id":"T0000","title":"生产环境 ECS 实例无法连接","status":"processing","notes":[` +
		strings.Repeat(`{"id":"n1","from":"vendor","text":"您好，我们已经收到您的工单，工程师正在排查，请稍候。"},`, 12) + `{}]}`)
	for _, withEvent := range []bool{false, true} {
		name := "snapshot"
		if withEvent {
			name = "with_event"
		}
		b.Run(name, func(b *testing.B) {
			s := openTest(b)
			ctx := context.Background()
			n := 0
			b.SetBytes(int64(len(snapshot)))
			b.ReportAllocs()
			for b.Loop() {
				n++
				t := TicketState{Provider: "aliyun", TicketID: "T" + strconv.Itoa(n%1000), Status: "in_progress",
					RawStatus: "processing", LastNoteID: strconv.Itoa(n), Snapshot: snapshot, UpdatedAt: t0}
				if withEvent {
					t.Events = []TicketEvent{{At: t0, Kind: EventStatus, Status: "in_progress"}}
				}
				if err := s.SaveTicket(ctx, t); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
