package bot

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// reading is one fresh reading of a followed ticket in a sweep.
type reading struct {
	x watched
	t providers.Ticket
}

// addNotes completes a batch read that carries no notes (a vendor with BatchOmitsNotes), so a
// vendor reply is announced for every vendor. Notes are read, within NotesBudget calls per sweep:
//
//  1. for every ticket whose status changed (or that was never seen), so the notice quotes
//     the reply that came with the change;
//  2. for open tickets whose notes were last read NotesEvery ago or more, the ones read
//     longest ago first, so every ticket gets its turn.
//
// A changed ticket beyond the budget is left out of this sweep altogether: its stored state
// does not move, so the next sweep sees the same change and reads its notes first. An open
// ticket beyond the budget waits, now among the longest unread. With N open tickets, B the
// budget and I the interval, a reply is read within max(NotesEvery + I, ⌈N/B⌉·I).
func (w *Watcher) addNotes(ctx context.Context, p providers.Provider, rs []reading) []reading {
	name := p.Name()
	now := w.now()
	w.notesMu.Lock()
	last := w.notesChecked[name]
	w.notesMu.Unlock()

	var changed, due []int
	for i, r := range rs {
		prev := providers.Status(r.x.state.Status)
		switch {
		case r.t.Status == "" || r.t.Status == providers.StatusUnknown:
			// Unknown never announces (§6.1): nothing to quote.
		case prev == "" || prev != r.t.Status:
			changed = append(changed, i)
		case !r.t.Status.Terminal() && now.Sub(last[r.t.ID]) >= w.cfg.NotesEvery:
			due = append(due, i)
		}
	}
	slices.SortStableFunc(due, func(a, b int) int { return last[rs[a].t.ID].Compare(last[rs[b].t.ID]) })

	budget := w.cfg.NotesBudget
	take := func(idx []int) (in, out []int) {
		n := min(len(idx), max(budget, 0))
		budget -= n
		return idx[:n], idx[n:]
	}
	readChanged, deferred := take(changed)
	readDue, overdue := take(due)
	w.metrics.notesOverdue.WithLabelValues(name).Set(float64(len(deferred) + len(overdue)))
	if len(deferred) > 0 || len(overdue) > 0 {
		w.log.Info("note reads over budget; the rest wait for the next sweep", "provider", name,
			"changed_waiting", len(deferred), "open_waiting", len(overdue), "budget", w.cfg.NotesBudget)
	}

	got := make([]bool, len(rs))
	var mu sync.Mutex
	read := func(i int, reason string) {
		w.metrics.vendorCalls.WithLabelValues(name).Inc()
		w.metrics.noteReads.WithLabelValues(name, reason).Inc()
		notes, err := p.Notes(ctx, rs[i].t.ID)
		if err != nil {
			w.log.Warn("read notes failed", "provider", name, "ticket_id", rs[i].t.ID, "err", err)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		got[i] = true
		if len(notes) > 0 {
			latest := notes[len(notes)-1]
			rs[i].t.LatestNote = &latest
		}
	}
	sem := make(chan struct{}, w.cfg.Concurrency)
	var wg sync.WaitGroup
	for _, batch := range []struct {
		idx    []int
		reason string
	}{{readChanged, "status"}, {readDue, "cadence"}} {
		for _, i := range batch.idx {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				read(i, batch.reason)
			})
		}
	}
	wg.Wait()

	// The last read times of the tickets this sweep saw; tickets no longer followed drop out.
	next := make(map[string]time.Time, len(rs))
	for i, r := range rs {
		next[r.t.ID] = last[r.t.ID]
		if got[i] {
			next[r.t.ID] = now
		}
	}
	for id, at := range last {
		if _, ok := next[id]; !ok && !at.IsZero() && now.Sub(at) < w.cfg.NotesEvery {
			next[id] = at // skipped by this sweep (closed, polled less): keep its turn
		}
	}
	w.notesMu.Lock()
	w.notesChecked[name] = next
	w.notesMu.Unlock()

	// A changed ticket whose notes could not be read this sweep waits for the next one; a
	// failed read still lets the change through, without the quote.
	skip := map[int]bool{}
	for _, i := range deferred {
		skip[i] = true
	}
	out := rs[:0:0]
	for i, r := range rs {
		if !skip[i] {
			out = append(out, r)
		}
	}
	return out
}
