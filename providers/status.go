package providers

// Status is the normalized ticket lifecycle of reference/status-model.md, one for every vendor.
type Status string

// The states of the normalized model.
const (
	StatusOpen           Status = "open"
	StatusInProgress     Status = "in_progress"
	StatusWaitingOnUs    Status = "waiting_on_us"
	StatusPendingConfirm Status = "resolved_pending_confirm"
	StatusClosed         Status = "closed"
	StatusCancelled      Status = "cancelled"
	StatusUnknown        Status = "unknown"
)

// Flag is a marker orthogonal to the state (挂起, 已拒绝, …).
type Flag string

// The flags of the normalized model.
const (
	FlagOnHold          Flag = "on_hold"
	FlagRejected        Flag = "rejected"
	FlagReopened        Flag = "reopened"
	FlagRated           Flag = "rated"
	FlagCustomerReplied Flag = "customer_replied"
)

// Terminal reports whether nothing more is expected of the ticket.
func (s Status) Terminal() bool { return s == StatusClosed || s == StatusCancelled }

// Label is the Chinese chat label of the state.
func (s Status) Label() string {
	switch s {
	case StatusOpen:
		return "待处理"
	case StatusInProgress:
		return "处理中"
	case StatusWaitingOnUs:
		return "待我方补充"
	case StatusPendingConfirm:
		return "待确认"
	case StatusClosed:
		return "已关闭"
	case StatusCancelled:
		return "已取消"
	default:
		return "未知"
	}
}

// LabelEN is the English chat label of the state.
func (s Status) LabelEN() string {
	switch s {
	case StatusOpen:
		return "Open"
	case StatusInProgress:
		return "In progress"
	case StatusWaitingOnUs:
		return "Waiting on us"
	case StatusPendingConfirm:
		return "To confirm"
	case StatusClosed:
		return "Closed"
	case StatusCancelled:
		return "Cancelled"
	default:
		return "Unknown"
	}
}

// Label is the Chinese label of a flag.
func (f Flag) Label() string {
	switch f {
	case FlagOnHold:
		return "已挂起"
	case FlagRejected:
		return "已拒绝"
	case FlagReopened:
		return "已重新打开"
	case FlagRated:
		return "已评价"
	case FlagCustomerReplied:
		return "已反馈"
	default:
		return string(f)
	}
}
