package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
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

// BenchmarkSubscriptionSweep is one subscription sweep of a group subscribed to a vendor
// account of N tickets (-sweep.tickets; the figures in the notes are from 10000), through
// the real provider against its fake, in the steady state: one ticket opened at the vendor
// since the last sweep. It reports the vendor calls of a sweep (counted at the fake), and the
// time and memory of the whole sweep (the fake's share included: it runs in this process,
// and its list scans every ticket it holds). The new tickets are opened two minutes apart
// from a month ago, by the vendor's clock, so each sweep's window holds exactly one.
func BenchmarkSubscriptionSweep(b *testing.B) {
	n := *sweepTickets
	base := time.Now().Add(-30 * 24 * time.Hour).Truncate(time.Second)
	type vendor struct {
		p     providers.Provider
		open  func(title string, at time.Time) // a ticket opened in the vendor's console
		calls func() int
	}
	cases := []struct {
		name  string
		setup func(b *testing.B) vendor
	}{
		{"aliyun-2016", func(b *testing.B) vendor {
			f := aliyuntest.New("ak", "sk")
			b.Cleanup(f.Close)
			p, err := aliyun.New(f.Config())
			if err != nil {
				b.Fatal(err)
			}
			open := func(title string, at time.Time) {
				f.Put(aliyuntest.Ticket{Title: title, Content: "内容", Status: "assigned", ProductID: aliyuntest.ProductID,
					AliUID: aliyuntest.AliUID, CreatedAt: at, UpdatedAt: at})
			}
			return vendor{p, open, func() int { return len(f.Calls()) }}
		}},
		{"ksyun", func(b *testing.B) vendor {
			f := ksyuntest.New("ks", "ks-secret")
			b.Cleanup(f.Close)
			p, err := ksyun.New(f.Config())
			if err != nil {
				b.Fatal(err)
			}
			open := func(title string, at time.Time) {
				f.Put(ksyuntest.Ticket{Title: title, Detail: "内容", Type: 1, Priority: 2, Status: 1, CreatorID: ksyuntest.CreatorID,
					CreatorName: ksyuntest.CreatorName, ReportedTime: at.Unix(), CreatedTime: at.Unix(), UpdatedTime: at.Unix()})
			}
			return vendor{p, open, func() int { return len(f.Calls()) }}
		}},
		{"weiban", func(b *testing.B) vendor {
			f := weibantest.New("corp", "secret")
			b.Cleanup(f.Close)
			p, err := weiban.New(f.Config(), weiban.WithSleep(func(context.Context, time.Duration) error { return nil }))
			if err != nil {
				b.Fatal(err)
			}
			open := func(title string, at time.Time) { f.AddOrder(title, at) }
			return vendor{p, open, func() int { return len(f.Calls()) }}
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			v := c.setup(b)
			for i := range n {
				v.open(fmt.Sprint("旧工单 ", i), base.Add(-time.Duration(i+2)*time.Minute)) // before the cursor, less the skew
			}
			w, st := subscribedWatcher(b, v.p, base)
			ctx := context.Background()
			before, i := v.calls(), 0
			b.ReportAllocs()
			for b.Loop() {
				i++
				v.open(fmt.Sprint("新工单 ", i), base.Add(time.Duration(i)*2*time.Minute))
				if err := w.SweepSubscriptions(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(v.calls()-before)/float64(b.N), "vendor-calls/sweep")
			fs, err := st.Following(ctx, "feishu", "oc_ops")
			if err != nil || len(fs) != i {
				b.Fatalf("the group follows %d tickets after %d sweeps that each found one (%v)", len(fs), i, err)
			}
		})
	}
}

// subscribedWatcher is a watcher over a fresh store in which one group subscribes to all of
// p's tickets, its cursor at from.
func subscribedWatcher(b *testing.B, p providers.Provider, from time.Time) (*bot.Watcher, *store.SQL) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(b.TempDir(), "subscribe.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if _, _, err := st.Subscribe(ctx, store.Subscription{Platform: "feishu", ChatID: "oc_ops", Provider: p.Name(), By: "config",
		CreatedAt: from, Cursor: from}); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return bot.NewWatcher(bot.WatchConfig{}, st, map[string]providers.Provider{p.Name(): p},
		map[string]bot.Platform{"feishu": nopPlatform{}}, nil, nil, nil, log), st
}

// nopPlatform is a chat platform that takes everything and shows nothing.
type nopPlatform struct{}

func (nopPlatform) Name() string { return "feishu" }
func (nopPlatform) Send(context.Context, string, bot.Outgoing) (bot.CardRef, error) {
	return bot.CardRef{}, nil
}
func (nopPlatform) Reply(context.Context, bot.CardRef, bot.Outgoing) (bot.CardRef, error) {
	return bot.CardRef{}, nil
}
func (nopPlatform) Update(context.Context, bot.CardRef, bot.Outgoing) error { return nil }
