package providers

import "context"

// The transitions a vendor may offer beyond Close: reopening a closed ticket, rejecting (驳回)
// the vendor's assignment of it, and handing it to another handler (流转). Each is an optional
// interface a vendor implements and a capability it declares (Capabilities.Reopen, Reject,
// Transfer): Can reports one only where both hold, so a vendor whose API version lacks it
// (one vendor's older API has no reopen) declares it false and the card shows no button. The
// core asks through Can and the functions of optional.go, never by asserting these itself.

// The operations an *UnsupportedError may name, and Explainer is asked about.
const (
	OpClose    = "close"
	OpReopen   = "reopen"
	OpReject   = "reject"
	OpTransfer = "transfer"
	OpSearch   = "search" // a keyword search of the vendor's own list (Searcher)
)

// ReopenRequest reopens a closed ticket; Remark, if any, says why.
type ReopenRequest struct {
	Remark string
	Actor  Actor
}

// RejectRequest rejects the vendor's assignment of a ticket; Reason is required: the vendor's
// staff read it.
type RejectRequest struct {
	Reason string
	Actor  Actor
}

// TransferRequest hands a ticket to another handler: To is the handler's identity at the
// vendor (a staff id); Remark, if any, goes with it.
type TransferRequest struct {
	To     string
	Remark string
	Actor  Actor
}

// Reopener reopens closed tickets (Can(p).Reopen).
type Reopener interface {
	Reopen(ctx context.Context, id string, r ReopenRequest) error
}

// Rejecter rejects the vendor's assignment of a ticket (Can(p).Reject).
type Rejecter interface {
	Reject(ctx context.Context, id string, r RejectRequest) error
}

// Transferrer hands tickets to another handler (Can(p).Transfer).
type Transferrer interface {
	Transfer(ctx context.Context, id string, r TransferRequest) error
}

// Explainer says why the vendor cannot do an operation (OpClose, OpReopen, …) and what to do
// instead, so a typed command the vendor lacks is answered with the reason, not only "not
// supported". It returns nil for an operation the vendor can do.
type Explainer interface {
	Unsupported(op string) *UnsupportedError
}
