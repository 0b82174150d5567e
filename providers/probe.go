package providers

import "context"

// Prober is a Provider that can show its configuration works with one harmless authenticated
// call (a one-item list, a fresh token): `ticketbot check --online` finds it through Probe
// (optional.go), so an operator learns of a wrong key before the first ticket does.
type Prober interface {
	// Probe makes the call and names it in the vendor's words ("list_tickets"), whether it
	// succeeded or not. It writes nothing at the vendor.
	Probe(ctx context.Context) (call string, err error)
}

// ProbeError is a failed probe that found out how to fix it: Fix says what to write in the
// configuration (a vendor whose signing rule is a guess tries the others and names the one the
// server took). The probe still failed: the file is wrong until the operator changes it.
type ProbeError struct {
	Err error
	Fix string
}

func (e *ProbeError) Error() string { return e.Err.Error() + "; " + e.Fix }

// Unwrap returns the failure itself, so the vendor's code is still found.
func (e *ProbeError) Unwrap() error { return e.Err }
