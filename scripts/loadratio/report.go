package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// printRound is one round's line, printed as it finishes.
func printRound(w io.Writer, round int, bare, bot genResult) {
	fmt.Fprintf(w, "  round %d  bare %7.0f req/s p99 %-8v | ticketbot %7.0f req/s (200: %7.0f) p50 %-8v p99 %-8v non-200 %d of %d%s\n",
		round, bare.rps(), bare.P99.Round(time.Microsecond), bot.rps(), bot.okRPS(),
		bot.P50.Round(time.Microsecond), bot.P99.Round(time.Microsecond), bot.Non200+bot.Errors, bot.Sent+bot.Errors, notes(bot))
}

// notes flags what makes a run's numbers less than they seem.
func notes(r genResult) string {
	var s []string
	for code, n := range r.Statuses {
		if code != "200" {
			s = append(s, fmt.Sprintf("%s×%d", code, n))
		}
	}
	slices.Sort(s)
	if r.Exhausted {
		s = append(s, "ran out of distinct requests: raise -maxrate")
	}
	if r.Errors > 0 {
		s = append(s, fmt.Sprintf("%d connection errors (%s)", r.Errors, r.FirstErr))
	}
	if len(s) == 0 {
		return ""
	}
	return "  [" + strings.Join(s, "; ") + "]"
}

// summary is a cell's medians over its rounds.
type summary struct {
	botRPS, bareRPS, ratio float64
	non200                 float64 // share of ticketbot's requests not answered 200, all rounds
	p50, p99               time.Duration
}

func summarize(c *cell) summary {
	var s summary
	var bot, bare, ratios []float64
	var p50, p99 []time.Duration
	var bad, all int64
	for i := range c.bot {
		t, b := c.bot[i], c.bare[i]
		bot, bare = append(bot, t.rps()), append(bare, b.rps())
		ratios = append(ratios, div(t.okRPS(), b.okRPS()))
		p50, p99 = append(p50, t.P50), append(p99, t.P99)
		bad += t.Non200 + t.Errors
		all += t.Sent + t.Errors
	}
	s.botRPS, s.bareRPS, s.ratio = median(bot), median(bare), median(ratios)
	s.non200 = div(float64(bad), float64(all))
	s.p50, s.p99 = medianDuration(p50), medianDuration(p99)
	return s
}

// printTable prints the cells' medians: ratio is the median over the rounds of ticketbot's
// 200s a second over bare's in the same round.
func printTable(w io.Writer, cells []*cell, paced bool) {
	head := "| path | workload | bot req/s | bot non-200 share | bare req/s | ratio (200s only) | p50 | p99 |"
	rule := "|---|---|---:|---:|---:|---:|---:|---:|"
	if paced {
		head += " paced p99 (req/s) | bare's paced p99 |"
		rule += "---:|---:|"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, rule)
	for _, c := range cells {
		if len(c.bot) == 0 {
			continue
		}
		s := summarize(c)
		fmt.Fprintf(w, "| %s | %s | %.0f | %.1f %% | %.0f | %.2f | %v | %v |", c.path, c.workload, s.botRPS, 100*s.non200,
			s.bareRPS, s.ratio, s.p50.Round(time.Microsecond), s.p99.Round(time.Microsecond))
		if paced {
			if c.paced != nil {
				fmt.Fprintf(w, " %v (%.0f) |", c.paced.P99.Round(time.Microsecond), c.pacedRate)
			} else {
				fmt.Fprint(w, " – |")
			}
			if c.pacedBare != nil {
				fmt.Fprintf(w, " %v |", c.pacedBare.P99.Round(time.Microsecond))
			} else {
				fmt.Fprint(w, " – |")
			}
		}
		fmt.Fprintln(w)
	}
}

// printMillion prints what a million-message run cost.
func printMillion(w io.Writer, r *millionResult) {
	res := r.res
	fmt.Fprintf(w, "  sent %d: 200 %d, non-200 %d (%.1f %%), %.0f req/s, p50 %v, p99 %v%s\n",
		res.Sent+res.Errors, res.OK, res.Non200+res.Errors, 100*div(float64(res.Non200+res.Errors), float64(res.Sent+res.Errors)),
		res.rps(), res.P50.Round(time.Microsecond), res.P99.Round(time.Microsecond), notes(res))
	running, exited := r.growthPer100k(false)
	runningOK, exitedOK := r.growthPer100k(true)
	fmt.Fprintf(w, "  store (db + wal) while running: before %s, after %s: %.1f KiB per 100k messages sent, %.1f KiB per 100k accepted\n",
		mib(r.dbBefore), mib(r.dbAfter), running/1024, runningOK/1024)
	fmt.Fprintf(w, "  store (db + wal) after exit:     before %s, after %s: %.1f KiB per 100k messages sent, %.1f KiB per 100k accepted\n",
		mib(r.dbExitBefore), mib(r.dbExitAfter), exited/1024, exitedOK/1024)
	fmt.Fprintf(w, "  RSS: after the run %s, after %v of settling %s\n", mib(r.rssAfter), r.settled.Round(time.Second), mib(r.rssSettled))
	if r.exitErr != nil {
		fmt.Fprintf(w, "  warning: %v\n", r.exitErr)
	} else {
		fmt.Fprintf(w, "  exited %v after SIGTERM\n", r.exit.Round(time.Millisecond))
	}
}
