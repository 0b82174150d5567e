package providers

import (
	"errors"
	"fmt"
)

// Sentinel errors shared by every vendor. Wrap them with context; test with errors.Is.
var (
	// ErrUnsupported is returned for an operation the vendor's API lacks.
	ErrUnsupported = errors.New("operation not supported by this provider")
	// ErrNotFound is returned when the vendor does not know the ticket.
	ErrNotFound = errors.New("ticket not found")
	// ErrNotCreator is returned when the vendor lets only the ticket's creator do this.
	ErrNotCreator = errors.New("only the ticket's creator may do this")
	// ErrAlreadyClosed is returned when closing a ticket that is already closed.
	ErrAlreadyClosed = errors.New("ticket already closed")
)

// VendorError is a failure reported by the vendor's API, carrying its own code and message so
// the chat can show them ("金山云返回错误 23000：工单状态不允许关闭").
type VendorError struct {
	Provider  string // "ksyun"
	Op        string // "close_ticket"
	Code      string // the vendor's code, as a string ("23000")
	Message   string // the vendor's message, verbatim
	RequestID string // the vendor's request id, for support
	// Temporary is set when retrying later may succeed (busy, 5xx, rate limit).
	Temporary bool
}

func (e *VendorError) Error() string {
	s := fmt.Sprintf("%s: %s: vendor error %s: %s", e.Provider, e.Op, e.Code, e.Message)
	if e.RequestID != "" {
		s += " (request_id " + e.RequestID + ")"
	}
	return s
}
