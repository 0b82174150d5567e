package main

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// millionResult is what n chatter messages cost a fresh ticketbot.
type millionResult struct {
	path string
	n    int
	res  genResult
	// Database and write-ahead log before the run and right after it; and the same once
	// ticketbot has exited (its close checkpoints the log into the database), before the run
	// (a start and stop of the fresh server) and after it.
	dbBefore, dbAfter         int64
	dbExitBefore, dbExitAfter int64
	// Resident set right after the run, and once it stopped falling (or rssSettle passed).
	rssAfter, rssSettled int64
	settled              time.Duration
	exit                 time.Duration
	exitErr              error
}

// growthPer100k is the store's growth (db + wal) per 100,000 messages sent, while ticketbot
// runs and between its exits; accepted counts only the messages answered 200 (a 503 is a
// message the platform delivers again later).
func (r *millionResult) growthPer100k(accepted bool) (running, exited float64) {
	n := float64(r.n)
	if accepted {
		n = float64(r.res.OK)
	}
	per := n / 100_000
	return div(float64(r.dbAfter-r.dbBefore), per), div(float64(r.dbExitAfter-r.dbExitBefore), per)
}

// million sends n distinct chatter messages to a fresh ticketbot, then measures its store
// and its memory.
func (m *measurer) million(ctx context.Context, path string) (*millionResult, error) {
	r := &millionResult{path: path, n: m.o.n}
	s, err := m.startServer(path + "-million")
	if err != nil {
		return nil, err
	}
	// The store as a fresh server leaves it, then running again.
	if _, err := s.stop(stopGrace); err != nil {
		return nil, err
	}
	r.dbExitBefore = dbBytes(s.db)
	if err := m.launch(s); err != nil {
		return nil, err
	}
	stopped := false
	defer func() {
		if !stopped {
			_, _ = s.stop(stopGrace)
		}
	}()
	m.settle(s)
	r.dbBefore = dbBytes(s.db)
	fmt.Fprintf(m.o.out, "\n%s: sending %d chatter messages over %d connections…\n", path, m.o.n, m.o.conns)
	if r.res, err = m.gen(ctx, s.addr, path, workChatter, "m", "-n", strconv.Itoa(m.o.n)); err != nil {
		return nil, err
	}
	if s.exited() {
		return nil, fmt.Errorf("ticketbot exited during the run (%v):\n%s", s.err, s.logTail(20))
	}
	r.dbAfter = dbBytes(s.db)
	if r.rssAfter, err = rssBytes(s.pid()); err != nil {
		return nil, err
	}
	r.rssSettled, r.settled = settleRSS(s.pid(), r.rssAfter, m.o.rssSettle)
	stopped = true
	r.exit, r.exitErr = s.stop(stopGrace)
	r.dbExitAfter = dbBytes(s.db)
	return r, nil
}

// settleRSS waits for the process to go idle (its queue and answers done), then polls the
// resident set every 5 s until it stops falling, all within max; it returns the last reading
// and when it was taken.
func settleRSS(pid int, rss int64, max time.Duration) (int64, time.Duration) {
	const every = 5 * time.Second
	start := time.Now()
	waitIdle(pid, max)
	if cur, err := rssBytes(pid); err == nil {
		rss = cur
	}
	for time.Since(start)+every <= max {
		time.Sleep(every)
		cur, err := rssBytes(pid)
		if err != nil {
			break
		}
		falling := cur < rss
		rss = cur
		if !falling {
			break
		}
	}
	return rss, time.Since(start)
}
