package command

import (
	"testing"
	"time"
)

// Each person has their own budget; the first refusal of a run is told, the rest are not;
// the budget refills with time; a negative budget is no limit.
func TestLimiterPerPerson(t *testing.T) {
	l := newLimiter(20)
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	for i := range 20 {
		if ok, _ := l.allow("feishu:ou_a", now); !ok {
			t.Fatalf("command %d refused within the budget", i+1)
		}
	}
	if ok, tell := l.allow("feishu:ou_a", now); ok || !tell {
		t.Fatalf("21st: ok %v tell %v, want refused and told", ok, tell)
	}
	if ok, tell := l.allow("feishu:ou_a", now); ok || tell {
		t.Fatalf("22nd: ok %v tell %v, want refused quietly", ok, tell)
	}
	if ok, _ := l.allow("feishu:ou_b", now); !ok {
		t.Fatal("another person was refused")
	}
	if ok, _ := l.allow("feishu:ou_a", now.Add(3*time.Second)); !ok {
		t.Fatal("no token after 3 s at 20 a minute")
	}
	if ok, tell := l.allow("feishu:ou_a", now.Add(3*time.Second)); ok || !tell {
		t.Fatalf("a new run of refusals: ok %v tell %v, want told again", ok, tell)
	}
	off := newLimiter(-1)
	for range 100 {
		if ok, _ := off.allow("feishu:ou_a", now); !ok {
			t.Fatal("refused with the limit off")
		}
	}
	if l.buckets.Len() != 2 {
		t.Fatalf("%d buckets for 2 people", l.buckets.Len())
	}
}
