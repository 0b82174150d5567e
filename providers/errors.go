package providers

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// Sentinel errors shared by every vendor. Wrap them with context; test with errors.Is.
var (
	// ErrUnsupported is returned for an operation the vendor's API lacks. A vendor that can say
	// why and what to do instead returns an *UnsupportedError, which matches it.
	ErrUnsupported = errors.New("operation not supported by this provider")
	// ErrNotFound is returned when the vendor does not know the ticket.
	ErrNotFound = errors.New("ticket not found")
	// ErrNotCreator is returned when the vendor lets only the ticket's creator do this.
	ErrNotCreator = errors.New("only the ticket's creator may do this")
	// ErrAlreadyClosed is returned when closing a ticket that is already closed.
	ErrAlreadyClosed = errors.New("ticket already closed")
	// ErrWrongState is returned when the ticket's status does not allow the operation (a
	// reopen of an open ticket, a reject with nothing assigned to reject).
	ErrWrongState = errors.New("the ticket's status does not allow this")
	// ErrInvalidIdentity is Identifier.CheckIdentity's refusal of an id that cannot be a
	// person's identity at the vendor (its form, or the vendor does not know it).
	ErrInvalidIdentity = errors.New("not a person's identity at this vendor")
)

// TooLongError refuses a text longer than the vendor takes, before anything is sent: cutting
// it would lose what the person wrote.
type TooLongError struct {
	Max, Got int // in characters
}

func (e *TooLongError) Error() string {
	return fmt.Sprintf("the text is %d characters long; the vendor takes at most %d", e.Got, e.Max)
}

// UnsupportedError is ErrUnsupported with the reason, for the chat: what the vendor's API
// lacks and what the person can do instead ("<label>工单 API 2016-08-30 没有关闭工单的接口。请在
// <label>控制台关闭……").
type UnsupportedError struct {
	Op string // "close"
	// Reason and ReasonEN are full sentences, shown to the person as they are.
	Reason, ReasonEN string
}

func (e *UnsupportedError) Error() string {
	s := ErrUnsupported.Error() + ": " + e.Op
	if e.ReasonEN != "" {
		s += ": " + e.ReasonEN
	}
	return s
}

// Is makes errors.Is(err, ErrUnsupported) true.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

// VendorError is a failure reported by the vendor's API, carrying its own code so the chat can
// show it with a short sentence ("<label>返回错误 23000：工单状态不允许关闭。").
type VendorError struct {
	Provider string // the vendor's Name
	Op       string // "close_ticket"
	Code     string // the vendor's code, as a string ("23000")
	// Message is the vendor's message for the log. The provider scrubs it before it gets here:
	// no key id, account id, secret, token or echo of the request (one vendor repeats the whole
	// string to sign in SignatureDoesNotMatch) may be in it.
	Message string
	// Hint and HintEN are the short readable sentence for the chat: the provider's own for a
	// code it knows. Empty for an unknown code; Sentence then takes Message's first sentence.
	Hint, HintEN string
	RequestID    string // the vendor's request id, for support
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

// Sentence is the short readable sentence for the chat, in English when en is set: the
// provider's hint for a known code, else the first sentence of the vendor's message cut to
// HintRunes characters. It is "" when the vendor said nothing.
func (e *VendorError) Sentence(en bool) string {
	switch {
	case en && e.HintEN != "":
		return e.HintEN
	case e.Hint != "":
		return e.Hint
	}
	return FirstSentence(e.Message)
}

// HintRunes is how long a vendor message may be in a chat: enough for the vendor's reason,
// short enough to read on a phone.
const HintRunes = 60

// FirstSentence returns the first sentence of a vendor message, whitespace folded and cut to
// HintRunes characters: the chat shows the reason, the log keeps the rest. A sentence ends at
// 。！？；, at ! ? ; and at a '.' followed by a space or the end (so "InvalidAccessKeyId.NotFound"
// and "1.5" stay whole).
func FirstSentence(msg string) string {
	s := strings.Join(strings.Fields(msg), " ")
	for i, r := range s {
		end := false
		switch r {
		case '。', '！', '？', '；', '!', '?', ';':
			end = true
		case '.':
			end = i+1 == len(s) || s[i+1] == ' '
		}
		if end {
			s = s[:i+utf8.RuneLen(r)]
			break
		}
	}
	if utf8.RuneCountInString(s) <= HintRunes {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:HintRunes-1])) + "…"
}

// Hint is a provider's chat sentence for one of its vendor's codes.
type Hint struct {
	ZH, EN string
	// Detail appends the first sentence of the vendor's message (in parentheses), for codes
	// whose message says which field or value is wrong (ILLEGAL_PARAM).
	Detail bool
}

// Apply sets e's Hint and HintEN from h. e.Message must already be scrubbed.
func (h Hint) Apply(e *VendorError) {
	e.Hint, e.HintEN = h.ZH, h.EN
	if !h.Detail {
		return
	}
	if d := FirstSentence(e.Message); d != "" {
		e.Hint = strings.TrimSuffix(e.Hint, "。") + "（" + d + "）"
		e.HintEN = strings.TrimSuffix(e.HintEN, ".") + " (" + d + ")"
	}
}

// Scrub replaces every occurrence of the values in s with "<redacted>": raw, and in the
// percent- and query-encodings a vendor may echo them in. Empty values are skipped; longer
// values go first, so a value is not broken up by a shorter one it contains.
func Scrub(s string, values ...string) string {
	var forms []string
	for _, v := range values {
		if strings.TrimSpace(v) == "" {
			continue
		}
		pe := percentEncode(v)
		forms = append(forms, v, pe, percentEncode(pe), url.QueryEscape(v))
	}
	slices.SortFunc(forms, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	for _, f := range forms {
		s = strings.ReplaceAll(s, f, redactedValue)
	}
	return s
}

// redactedValue stands for a scrubbed value in a vendor message.
const redactedValue = "<redacted>"

// percentEncode is RFC 3986 encoding, as one vendor's signature and most gateways echo values:
// A-Z a-z 0-9 - _ . ~ stay, every other byte is %XY.
func percentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
