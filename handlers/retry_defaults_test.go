package handlers

import "testing"

func TestRetryWithDefaults(t *testing.T) {
	got := RetryConfig{Max: "10m"}.WithDefaults()
	want := RetryConfig{Base: "2s", Max: "10m", GiveUpAfter: "24h", Lease: "2m", Every: "1s"}
	if got != want {
		t.Fatalf("WithDefaults = %+v, want %+v", got, want)
	}
	// What is shown is what runs: the filled-in values give the same policy as the unset ones.
	filled, errs := RetryConfig{}.WithDefaults().policy()
	unset, _ := RetryConfig{}.policy()
	if len(errs) > 0 || filled != unset {
		t.Fatalf("filled policy %+v (%v), unset %+v", filled, errs, unset)
	}
}
