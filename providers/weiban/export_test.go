package weiban

import (
	"context"
	"time"
)

// What the external tests (package weiban_test: they use the fake in weibantest, which imports
// this package, so they cannot be in it) need of the package's internals and of the internal
// tests' helpers. Test builds only; not part of the package's API.

const (
	LongName = longName

	TokenPath  = tokenPath
	PathDetail = pathDetail
	PathList   = pathList
	PathCreate = pathCreate
	PathReply  = pathReply
	PathSwitch = pathSwitch

	CodeBadToken      = codeBadToken
	CodeTooConcurrent = codeTooConcurrent
	CodeTooFrequent   = codeTooFrequent

	MaxInFlight  = maxInFlight
	Penalty      = penalty
	RateRetries  = rateRetries
	MaxEventBody = maxEventBody
	EventKind    = eventKind
	FindPageSize = findPageSize
	MaxResponse  = maxResponse
)

var (
	OrderNo       = orderNo
	CodeOf        = codeOf
	EncryptFields = encryptFields
)

// Event is a pushed event as the handler decodes it.
type Event = event

// EventHandlerOf is what Provider.EventHandler returns.
type EventHandlerOf = eventHandler

// Wait waits for the changes the handler is still handling.
func (h *eventHandler) Wait() { h.wg.Wait() }

// ReceiveID is the receive id events are sealed for, and the key it was configured by.
func (c Config) ReceiveID() (id, key string) { return c.eventReceiveID() }

// NoJitter makes p's retries wait their exact backoff.
func (p *Provider) NoJitter() { p.c.jitter = func(time.Duration) time.Duration { return 0 } }

// SleepRecorder replaces real waiting: it records each wait and returns at once.
type SleepRecorder = sleepRecorder

// Sleep records d.
func (s *sleepRecorder) Sleep(ctx context.Context, d time.Duration) error { return s.sleep(ctx, d) }

// Waits returns the waits recorded, zero waits left out.
func (s *sleepRecorder) Waits() []time.Duration { return s.waits() }
