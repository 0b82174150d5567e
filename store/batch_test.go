package store

import (
	"context"
	"slices"
	"testing"
	"time"
)

func TestMarkProcessedMany(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	at := time.Unix(1700000000, 0)
	if _, err := s.MarkProcessed(ctx, "old", at); err != nil {
		t.Fatal(err)
	}
	got, err := s.MarkProcessedMany(ctx, []string{"a", "old", "b", "a"}, at)
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, false, true, false}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// Through the cache: remembered keys are answered without the store, the rest in a batch.
	c := NewCached(s, time.Minute)
	got, err = c.MarkProcessedMany(ctx, []string{"a", "c", "c"}, at)
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{false, true, false}; !slices.Equal(got, want) {
		t.Fatalf("cached: got %v, want %v", got, want)
	}
	if _, err := s.MarkProcessedMany(ctx, []string{"x", ""}, at); err == nil {
		t.Fatal("an empty key must be refused")
	}
	if fresh, _ := s.MarkProcessed(ctx, "x", at); !fresh {
		t.Fatal("a refused batch must write nothing")
	}
}
