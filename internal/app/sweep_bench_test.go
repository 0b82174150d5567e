package app

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
	"github.com/ticketbot/ticketbot/providers/aliyun/aliyuntest"
	"github.com/ticketbot/ticketbot/providers/ksyun"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
	"github.com/ticketbot/ticketbot/providers/weiban"
	"github.com/ticketbot/ticketbot/providers/weiban/weibantest"
	"github.com/ticketbot/ticketbot/store"
)

// sweepTickets is how many followed tickets BenchmarkVendorSweep sweeps. CI's one short pass
// keeps it small; the figures in the notes are from -sweep.tickets 10000.
var sweepTickets = flag.Int("sweep.tickets", 300, "followed tickets per vendor in BenchmarkVendorSweep")

// BenchmarkVendorSweep is one watcher sweep over N followed tickets of each vendor, through
// the real provider against its fake, none of them changed: the vendor calls it takes
// (vendor-calls/sweep, counted at the fake), and the time and memory of the whole sweep
// (the fake's share included; it runs in this process). Weiban also reports the seconds of
// its 600-calls-a-minute budget the sweep spends.
func BenchmarkVendorSweep(b *testing.B) {
	n := *sweepTickets
	at := time.Now().Add(-24 * time.Hour).Truncate(time.Second)
	cases := []struct {
		name string
		// setup seeds the fake with n tickets and returns the provider, the tickets as the bot
		// last read them, and the fake's call count.
		setup func(b *testing.B) (providers.Provider, []providers.Ticket, func() int)
	}{
		{"aliyun", func(b *testing.B) (providers.Provider, []providers.Ticket, func() int) {
			f := aliyuntest.New("ak", "sk")
			b.Cleanup(f.Close)
			p, err := aliyun.New(f.Config())
			if err != nil {
				b.Fatal(err)
			}
			var ts []providers.Ticket
			for i := range n {
				created := at.Add(time.Duration(i) * time.Second)
				id := f.Put(aliyuntest.Ticket{Title: "工单", Content: "内容", Status: "assigned", CreatedAt: created, UpdatedAt: created})
				ts = append(ts, providers.Ticket{Provider: p.Name(), ID: id, Status: providers.StatusInProgress, RawStatus: "assigned", CreatedAt: created, UpdatedAt: created})
			}
			return p, ts, func() int { return len(f.Calls()) }
		}},
		{"ksyun-open", ksyunSweep(n, at, 2, providers.StatusInProgress)},
		{"ksyun-closed", ksyunSweep(n, at, 3, providers.StatusClosed)},
		{"weiban", func(b *testing.B) (providers.Provider, []providers.Ticket, func() int) {
			f := weibantest.New("corp", "secret")
			b.Cleanup(f.Close)
			// The corp's budget is booked as usual, but not waited for: the benchmark reports it.
			p, err := weiban.New(f.Config(), weiban.WithSleep(func(context.Context, time.Duration) error { return nil }))
			if err != nil {
				b.Fatal(err)
			}
			var ts []providers.Ticket
			for i := range n {
				created := at.Add(time.Duration(i) * time.Second)
				no := f.AddOrder(fmt.Sprint("工单 ", i), created)
				o, _ := f.Order(no)
				ts = append(ts, providers.Ticket{Provider: p.Name(), ID: no, Status: providers.StatusOpen, RawStatus: strconv.Itoa(o.Status), CreatedAt: created, UpdatedAt: created})
			}
			return p, ts, func() int { return len(f.Calls()) }
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			p, ts, calls := c.setup(b)
			w := sweepWatcher(b, p, ts)
			ctx := context.Background()
			if err := w.Sweep(ctx); err != nil { // the first sweep reads notes once; measure the steady state
				b.Fatal(err)
			}
			before := calls()
			b.ReportAllocs()
			for b.Loop() {
				if err := w.Sweep(ctx); err != nil {
					b.Fatal(err)
				}
			}
			perSweep := float64(calls()-before) / float64(b.N)
			b.ReportMetric(perSweep, "vendor-calls/sweep")
			if p.Name() == "weiban" {
				b.ReportMetric(perSweep/10, "budget-s/sweep") // 600 calls a minute: 0.1 s each
			}
		})
	}
}

// ksyunSweep seeds n Kingsoft tickets of one raw status.
func ksyunSweep(n int, at time.Time, raw int, status providers.Status) func(b *testing.B) (providers.Provider, []providers.Ticket, func() int) {
	return func(b *testing.B) (providers.Provider, []providers.Ticket, func() int) {
		f := ksyuntest.New("ks", "ks-secret")
		b.Cleanup(f.Close)
		p, err := ksyun.New(f.Config())
		if err != nil {
			b.Fatal(err)
		}
		var ts []providers.Ticket
		for i := range n {
			created := at.Add(time.Duration(i) * time.Second).Unix()
			id := f.Put(ksyuntest.Ticket{Title: "工单", Detail: "内容", Type: 1, Priority: 2, Status: raw,
				CreatorID: ksyuntest.CreatorID, CreatorName: ksyuntest.CreatorName, ProductGroupID: 36,
				ReportedTime: created, CreatedTime: created, UpdatedTime: created})
			ts = append(ts, providers.Ticket{Provider: p.Name(), ID: id, Status: status, RawStatus: strconv.Itoa(raw),
				CreatedAt: time.Unix(created, 0), UpdatedAt: time.Unix(created, 0)})
		}
		return p, ts, func() int { return len(f.Calls()) }
	}
}

// sweepWatcher is a watcher over a fresh store in which one group follows every ticket of ts,
// last seen as ts says.
func sweepWatcher(b *testing.B, p providers.Provider, ts []providers.Ticket) *bot.Watcher {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(b.TempDir(), "sweep.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	now := time.Now()
	for _, t := range ts {
		snap, _ := json.Marshal(t)
		if err := st.SaveTicket(ctx, store.TicketState{Provider: t.Provider, TicketID: t.ID, Status: string(t.Status), RawStatus: t.RawStatus, Snapshot: snap, UpdatedAt: now}); err != nil {
			b.Fatal(err)
		}
		if err := st.Follow(ctx, store.Follow{Platform: "feishu", ChatID: "oc_ops", Provider: t.Provider, TicketID: t.ID, By: "feishu:ou_1", CreatedAt: now}); err != nil {
			b.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// Closed tickets are polled on every sweep here (ClosedEvery 1), so each sweep covers all.
	return bot.NewWatcher(bot.WatchConfig{ClosedEvery: 1, ClosedFor: 30 * 24 * time.Hour}, st,
		map[string]providers.Provider{p.Name(): p}, map[string]bot.Platform{}, nil, nil, nil, log)
}
