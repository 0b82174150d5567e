package providers

import "strings"

// The normalized priority levels, one scale for every vendor. A CreateRequest asks for one of
// them; a Ticket's PriorityLevel says which one the vendor holds, so the chat can tell the
// person when the vendor has no such level and the nearest was filed instead.
const (
	PriorityUrgent = "urgent"
	PriorityHigh   = "high"
	PriorityNormal = "normal"
	PriorityLow    = "low"
)

// ParsePriority normalizes a priority word as people type it: 紧急/urgent/critical/p0,
// 高/high/p1, 中/普通/normal/medium/p2, 低/low/p3 (case and surrounding space ignored). ok is
// false for anything else. It accepts the words the chat command accepts (handlers' `优先级:`
// line), so a level read back from a vendor can be compared with what was asked.
func ParsePriority(word string) (level string, ok bool) {
	switch strings.ToLower(strings.TrimSpace(word)) {
	case "紧急", "urgent", "critical", "p0":
		return PriorityUrgent, true
	case "高", "high", "p1":
		return PriorityHigh, true
	case "中", "普通", "normal", "medium", "p2":
		return PriorityNormal, true
	case "低", "low", "p3":
		return PriorityLow, true
	}
	return "", false
}

// PriorityLabel is the card's label of a normalized level: the very words people type (紧急,
// 高, 中, 低), so `优先级: 高` comes back as 优先级：高 whatever the vendor calls it. It is ""
// for an unknown level.
func PriorityLabel(level string) string {
	switch level {
	case PriorityUrgent:
		return "紧急"
	case PriorityHigh:
		return "高"
	case PriorityNormal:
		return "中"
	case PriorityLow:
		return "低"
	}
	return ""
}

// PriorityLabelEN is the English label of a normalized level, "" for an unknown one.
func PriorityLabelEN(level string) string {
	switch level {
	case PriorityUrgent:
		return "Urgent"
	case PriorityHigh:
		return "High"
	case PriorityNormal:
		return "Normal"
	case PriorityLow:
		return "Low"
	}
	return ""
}
