package ksyun

// What the external tests (package ksyun_test: they use the fake in ksyuntest, which imports
// this package, so they cannot be in it) need of the package's internals and of the internal
// tests' helpers. Test builds only; not part of the package's API.
const (
	APIPath       = apiPath
	SuccessCode   = successCode
	MaxResponse   = maxResponse
	FindPageSize  = findPageSize
	StatusPending = statusPending
	SweepPageSize = sweepPageSize
)

var (
	AssertTicket = assertTicket
	NoteEqual    = noteEqual
	ValidConfig  = validConfig
)
