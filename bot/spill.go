package bot

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/ticketbot/ticketbot/store"
)

// Inbox is the store's inbox: deliveries acknowledged while the workers had no room wait in
// it until a worker is free, and are deduped like every delivery when they are taken. A burst larger
// than the workers can take is then acknowledged instead of refused with 503 (which would
// have the platform send it again, later, on top of what comes next), and it survives a
// restart.
type Inbox interface {
	Spill(ctx context.Context, b store.Spilled) error
	TakeInbox(ctx context.Context, limit int) ([]store.Spilled, error)
	InboxSize(ctx context.Context) (int, error)
}

const (
	// spillBatch is the most deliveries one transaction keeps (a group commit).
	spillBatch = 512
	// spillQueue is how many deliveries may wait for the next group commit; beyond it they
	// are refused as before (the platform redelivers). It bounds the memory of a burst.
	spillQueue = 8192
	// spillLinger is how long the group commit waits for more deliveries after the first:
	// the longest a handed-over delivery is only in memory, at a burst.
	spillLinger = time.Millisecond
	// inboxEvery is how often the dedupe stage looks for work in the inbox when nothing
	// wakes it.
	inboxEvery = 100 * time.Millisecond
)

var errNoInbox = errors.New("bot: no room and no inbox")

// startInbox runs the group commit, and notes deliveries a previous run left in the inbox so
// that the chats' new ones wait behind them.
func (d *Dispatcher) startInbox() {
	if d.cfg.Inbox == nil {
		return
	}
	d.spillReq = make(chan Message, spillQueue)
	d.inboxWake = make(chan struct{}, 1)
	d.spillSeq.Store(time.Now().UnixNano())
	if n, err := d.cfg.Inbox.InboxSize(d.base); err == nil && n > 0 {
		d.spilling.Store(true)
		d.log.Info("deliveries wait in the inbox from before", "count", n)
	}
	d.spills.Go(d.groupCommit)
}

// spill hands m to the group commit, which keeps it in the inbox within about spillLinger.
// The delivery is acknowledged once handed over, as one put in the queue is: waiting for the
// commit made every ack of a burst wait for a disk write, and the ack path three times
// slower. What is handed over is not dropped: the group commit tries until the store takes
// it (refusing new deliveries meanwhile); only a crash within that millisecond loses it, as it
// loses what waits in the queue. Called with d.mu held for reading, so Shutdown (which closes
// spillReq) waits for it.
func (d *Dispatcher) spill(m Message) error {
	if d.spillReq == nil {
		return errNoInbox
	}
	if d.cfg.Sensitive != nil && d.cfg.Sensitive(m) {
		return errors.New("bot: confidential content is never stored")
	}
	if durableKey(m) == "" {
		return errors.New("bot: a delivery without an id cannot be kept")
	}
	d.spilling.Store(true)
	d.unkept.Add(1)
	select {
	case d.spillReq <- m:
		return nil
	default:
		d.unkept.Add(-1)
		return errors.New("bot: the inbox's queue is full")
	}
}

// groupCommit keeps handed-over deliveries in the inbox, one row for all that arrive within
// spillLinger of the first (up to spillBatch): at a burst a commit covers hundreds.
func (d *Dispatcher) groupCommit() {
	batch := make([]Message, 0, spillBatch)
	linger := time.NewTimer(time.Hour)
	defer linger.Stop()
	for m := range d.spillReq {
		batch = append(batch[:0], m)
		linger.Reset(spillLinger)
	fill:
		for len(batch) < spillBatch {
			select {
			case m, ok := <-d.spillReq:
				if !ok {
					break fill
				}
				batch = append(batch, m)
			case <-linger.C:
				break fill
			}
		}
		linger.Stop()
		d.keep(batch)
		d.unkept.Add(-int64(len(batch)))
		d.spilling.Store(true) // what was just kept is taken in its turn
		d.wakeInbox()
	}
}

// keep stores batch in the inbox, trying again while the store does not answer
// (untilStored). Only shutdown gives up on it.
func (d *Dispatcher) keep(batch []Message) {
	if err := d.untilStored(func() error { return d.keepBatch(batch) }); err != nil {
		d.log.Error("acknowledged deliveries not kept at shutdown: the store does not answer", "count", len(batch), "err", err)
		return
	}
	for _, m := range batch {
		d.metrics.spilled.WithLabelValues(m.Platform).Inc()
	}
}

// loadInbox hands kept deliveries to the workers a batch at a time, oldest first, while the
// queue in front is empty (what waits there came before them) and nothing else waits for a
// worker (the workers wake it when that happens). It runs in the dedupe stage, the only
// goroutine that feeds the workers, and dedupes what it takes like what came through the
// queue.
func (d *Dispatcher) loadInbox(work *fair) {
	if !d.spilling.Load() {
		return
	}
	// A batch is taken only when nothing else waits for the workers: until then it stays in
	// the inbox, on disk, not in memory.
	for len(d.queue) == 0 && work.idle() && !d.isClosing() {
		bs, err := d.cfg.Inbox.TakeInbox(d.base, 1)
		if err != nil {
			d.log.Error("take from the inbox", "err", err)
			return
		}
		if len(bs) == 0 {
			if len(d.spillReq) == 0 {
				d.spilling.Store(false)
				// A delivery kept since the take above sets it again after its commit.
			}
			return
		}
		ms, err := decodeBatch(bs[0].Payload)
		if err != nil {
			d.log.Error("a batch in the inbox does not decode; dropped", "batch", bs[0].ID, "deliveries", bs[0].Count, "err", err)
			continue
		}
		fresh := d.markBatch(ms)
		kept := ms[:0]
		for i, m := range ms {
			if fresh[i] {
				kept = append(kept, m)
			} else {
				d.metrics.duplicates.WithLabelValues(m.Platform).Inc()
			}
		}
		d.metrics.queued.Add(float64(len(kept)))
		work.put(kept...)
	}
}

// isClosing reports whether Shutdown began: what waits in the inbox stays there for the next
// start instead of being taken now.
func (d *Dispatcher) isClosing() bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.closing
}

// keepBatch keeps ms in the inbox as one row.
func (d *Dispatcher) keepBatch(ms []Message) error {
	payload, err := json.Marshal(ms)
	if err != nil {
		return err
	}
	var id [16]byte
	_, _ = rand.Read(id[:])
	return d.cfg.Inbox.Spill(context.WithoutCancel(d.base), store.Spilled{ID: hex.EncodeToString(id[:]),
		Seq: d.spillSeq.Add(1), Count: len(ms), Payload: payload, At: d.now()})
}

// decodeBatch reads a kept batch: a JSON array of messages, or (kept before batches) one.
func decodeBatch(payload []byte) ([]Message, error) {
	if p := bytes.TrimSpace(payload); len(p) > 0 && p[0] == '{' {
		var m Message
		if err := json.Unmarshal(p, &m); err != nil {
			return nil, err
		}
		return []Message{m}, nil
	}
	var ms []Message
	err := json.Unmarshal(payload, &ms)
	return ms, err
}

// wakeInbox has the dedupe stage look at the inbox now.
func (d *Dispatcher) wakeInbox() {
	select {
	case d.inboxWake <- struct{}{}:
	default:
	}
}
