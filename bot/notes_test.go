package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// notesEnv is n open tickets at a vendor whose batch read carries no notes, all followed by
// oc_1, each with one note the bot has already seen.
type notesEnv struct {
	reg   *prometheus.Registry
	st    *store.SQL
	prov  *notesProvider
	plat  *recPlatform
	clock *fakeClock
	w     *Watcher
}

func newNotesEnv(t *testing.T, n int, cfg WatchConfig) *notesEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "n.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &notesEnv{st: st, prov: &notesProvider{memProvider: &memProvider{tickets: map[string]providers.Ticket{}}, notes: map[string][]providers.Note{}},
		plat: &recPlatform{}, clock: &fakeClock{t: time.Date(2026, 11, 21, 10, 0, 0, 0, DefaultLocation())}}
	for i := range n {
		id := fmt.Sprint(1000 + i)
		tk := providers.Ticket{Provider: "mem", ID: id, Status: providers.StatusInProgress}
		e.prov.tickets[id] = tk
		e.prov.addNote(id, false, "工单内容")
		snap, _ := json.Marshal(tk)
		if err := st.SaveTicket(ctx, store.TicketState{Provider: "mem", TicketID: id, Status: string(tk.Status), LastNoteID: id + "-n1",
			Snapshot: snap, UpdatedAt: e.clock.now()}); err != nil {
			t.Fatal(err)
		}
		if err := st.Follow(ctx, store.Follow{Platform: "feishu", ChatID: "oc_1", Provider: "mem", TicketID: id, By: "feishu:ou_1", CreatedAt: e.clock.now()}); err != nil {
			t.Fatal(err)
		}
	}
	cfg.ChatInterval = map[string]time.Duration{"feishu": 0}
	cfg.Now = e.clock.now
	e.reg = prometheus.NewRegistry()
	e.w = NewWatcher(cfg, st, map[string]providers.Provider{"mem": e.prov}, map[string]Platform{"feishu": e.plat},
		notePresenter{}, nil, NewWatchMetrics(e.reg), quiet())
	return e
}

// metric reads one counter or gauge as /metrics would show it; labels alternate names and
// values.
func (e *notesEnv) metric(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for i := 0; i+1 < len(labels); i += 2 {
				if have[labels[i]] != labels[i+1] {
					continue metrics
				}
			}
			return m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s %v", name, labels)
	return 0
}

// sweep runs one sweep and delivery, and returns the note reads it made.
func (e *notesEnv) sweep(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	if err := e.w.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.w.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	return e.prov.reads()
}

// said is every message the chat got.
func (e *notesEnv) said() []string {
	var out []string
	for _, c := range e.plat.all() {
		if c.op != "update" {
			out = append(out, c.body)
		}
	}
	return out
}

// TestVendorReplyWithoutStatusChangeIsAnnounced: a vendor reply on an open ticket whose
// status does not move reaches the chat as a new-reply notice at the ticket's next turn of
// the note cadence, and not by polling its notes every sweep.
func TestVendorReplyWithoutStatusChangeIsAnnounced(t *testing.T) {
	e := newNotesEnv(t, 1, WatchConfig{NotesEvery: 5 * time.Minute, NotesBudget: 30})
	if r := e.sweep(t); len(r) != 1 { // never read by this process: its turn is now
		t.Fatalf("first sweep read notes %v, want once", r)
	}
	e.prov.addNote("1000", true, "已为您扩容，请观察")
	for i := 1; i < 5; i++ {
		e.clock.add(time.Minute)
		if r := e.sweep(t); len(r) != 0 {
			t.Fatalf("sweep at +%dm read notes %v before its turn", i, r)
		}
	}
	if got := e.said(); len(got) != 0 {
		t.Fatalf("announced before the notes were read: %v", got)
	}
	e.clock.add(time.Minute) // +5m: its turn
	if r := e.sweep(t); len(r) != 1 {
		t.Fatalf("sweep at +5m read notes %v, want once", r)
	}
	if got := e.said(); len(got) != 1 || got[0] != "mem:1000 note 「已为您扩容，请观察」" {
		t.Fatalf("chat got %v, want one new-reply notice quoting the reply", got)
	}
	if got := e.metric(t, "ticketbot_watch_note_reads_total", "provider", "mem", "reason", "cadence"); got != 2 {
		t.Errorf("cadence note reads = %v, want 2", got)
	}
	// Our own reply later is no news.
	e.prov.addNote("1000", false, "好的")
	e.clock.add(5 * time.Minute)
	e.sweep(t)
	if got := e.said(); len(got) != 1 {
		t.Fatalf("our own reply was announced: %v", got)
	}
}

// TestStatusChangeReadsNotesWithinTheBudget: the notes of every ticket whose status changed
// are read in the same sweep, so the notice quotes the vendor's reply; beyond the budget a
// change waits for the next sweep rather than going out without its reply, and no sweep
// reads more notes than the budget.
func TestStatusChangeReadsNotesWithinTheBudget(t *testing.T) {
	const budget = 2
	e := newNotesEnv(t, 5, WatchConfig{NotesEvery: time.Hour, NotesBudget: budget})
	for range 3 { // every ticket gets its first turn
		if r := e.sweep(t); len(r) > budget {
			t.Fatalf("a sweep read %d notes, budget %d", len(r), budget)
		}
	}
	e.prov.reads()
	for _, id := range []string{"1000", "1001", "1002"} {
		e.prov.set(id, providers.StatusWaitingOnUs)
		e.prov.addNote(id, true, "请提供 "+id+" 的日志")
	}
	e.clock.add(time.Minute)
	if r := e.sweep(t); len(r) != budget {
		t.Fatalf("sweep read notes %v, want %d (the budget)", r, budget)
	}
	if got := e.metric(t, "ticketbot_watch_notes_overdue", "provider", "mem"); got != 1 {
		t.Errorf("notes overdue after the sweep = %v, want 1 (the change left for the next sweep)", got)
	}
	if got := e.said(); len(got) != 1 || strings.Count(got[0], "waiting_on_us") != 2 {
		t.Fatalf("after one sweep the chat got %v, want the two changes that fit the budget", got)
	}
	e.clock.add(time.Minute)
	if r := e.sweep(t); len(r) != 1 || r[0] != "1002" {
		t.Fatalf("next sweep read notes %v, want the change left over (1002)", r)
	}
	if got := e.metric(t, "ticketbot_watch_note_reads_total", "provider", "mem", "reason", "status"); got != 3 {
		t.Errorf("note reads for status changes = %v, want 3", got)
	}
	if got := e.metric(t, "ticketbot_watch_notes_overdue", "provider", "mem"); got != 0 {
		t.Errorf("notes overdue = %v, want 0 once every change was read", got)
	}
	got := strings.Join(e.said(), "\n")
	for _, id := range []string{"1000", "1001", "1002"} {
		if !strings.Contains(got, "mem:"+id+" waiting_on_us 「请提供 "+id+" 的日志」") {
			t.Errorf("the change of %s was not announced with its reply: %s", id, got)
		}
	}
}

// TestNoteCadenceWorstCase measures, over a simulated hour, the longest gap between two
// note reads of one open ticket, against the bound documented in README.md:
// max(notes_every + interval, ⌈N / notes_budget⌉ × interval).
func TestNoteCadenceWorstCase(t *testing.T) {
	for _, tc := range []struct {
		n, budget int
		every     time.Duration
	}{
		{n: 20, budget: 30, every: 5 * time.Minute},  // under the budget: the cadence decides
		{n: 50, budget: 10, every: 5 * time.Minute},  // exactly the budget's reach
		{n: 100, budget: 10, every: 5 * time.Minute}, // over it: the budget decides
		{n: 7, budget: 2, every: 90 * time.Second},
	} {
		t.Run(fmt.Sprintf("%d tickets, budget %d, every %v", tc.n, tc.budget, tc.every), func(t *testing.T) {
			const interval = time.Minute
			e := newNotesEnv(t, tc.n, WatchConfig{Interval: interval, NotesEvery: tc.every, NotesBudget: tc.budget})
			lastRead := map[string]time.Time{}
			var worst time.Duration
			start := e.clock.now()
			for e.clock.now().Sub(start) <= time.Hour {
				if err := e.w.Sweep(context.Background()); err != nil {
					t.Fatal(err)
				}
				reads := e.prov.reads()
				if len(reads) > tc.budget {
					t.Fatalf("a sweep read %d notes, budget %d", len(reads), tc.budget)
				}
				for _, id := range reads {
					if at, ok := lastRead[id]; ok {
						worst = max(worst, e.clock.now().Sub(at))
					}
					lastRead[id] = e.clock.now()
				}
				e.clock.add(interval)
			}
			if len(lastRead) != tc.n {
				t.Fatalf("%d of %d tickets had their notes read", len(lastRead), tc.n)
			}
			rounds := (tc.n + tc.budget - 1) / tc.budget
			bound := max(tc.every+interval, time.Duration(rounds)*interval)
			t.Logf("worst gap between note reads: %v (bound %v)", worst, bound)
			if worst > bound {
				t.Errorf("a ticket waited %v between note reads, more than the documented %v", worst, bound)
			}
		})
	}
}
