package ttl

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// An entry lives for the TTL after it was last added, the size bounds the count (the least
// recently used goes first), and no goroutine is started.
func TestCache(t *testing.T) {
	before := runtime.NumGoroutine()
	clk := &clock{t: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
	c := NewWithClock[string, int](3, time.Minute, clk.now)
	c.Add("a", 1)
	clk.t = clk.t.Add(59 * time.Second)
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Fatalf("a before its TTL: %v %v", v, ok)
	}
	c.Add("a", 2) // added again: a new minute
	clk.t = clk.t.Add(59 * time.Second)
	if v, ok := c.Get("a"); !ok || v != 2 {
		t.Fatalf("a after it was added again: %v %v", v, ok)
	}
	clk.t = clk.t.Add(time.Second)
	if c.Contains("a") || c.Len() != 0 {
		t.Fatalf("a after its TTL: contains %v, len %d", c.Contains("a"), c.Len())
	}
	for i := range 5 {
		c.Add(fmt.Sprint(i), i)
	}
	if c.Len() != 3 || c.Contains("0") || c.Contains("1") || !c.Contains("4") {
		t.Fatalf("size bound: len %d", c.Len())
	}
	c.Remove("4")
	if c.Contains("4") {
		t.Fatal("removed entry found")
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after making a cache, %d before", n, before)
	}
}
