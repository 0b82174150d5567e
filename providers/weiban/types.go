package weiban

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// Weiban's JSON is loose: the detail example alone sends order_no as a string in work_order and
// as a number (with its precision already lost) in the component records, values as [], null,
// "" or ["上海"], pic as [] or null, and timestamps as Unix seconds or RFC 3339 strings
// (reference/ticket-providers.md §4.5). The types below accept every such variation, and none
// of them fails on an odd value: one strange field must not hide a whole work order.

// shanghai is the zone of naive time strings and of times shown in Content. China has had no
// daylight saving time since 1991, so a fixed +08:00 is exact and needs no tzdata.
var shanghai = providers.Shanghai

// flexInt is an integer sent as a JSON number, a numeric string, a float, a bool, "" or null.
// Anything else (an object, a word) reads as 0.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	*n = flexInt(parseInt(scalar(b)))
	return nil
}

// parseInt reads an integer leniently: "12", "12.0", "1.2e3", "true"; anything else is 0.
func parseInt(s string) int64 {
	switch s {
	case "true":
		return 1
	case "", "null", "false":
		return 0
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && f > math.MinInt64 && f < math.MaxInt64 {
		return int64(f)
	}
	return 0
}

// flexString is text sent as a string, a number or a bool. A number keeps its literal digits,
// so a large id is not rounded through float64. null, objects and arrays read as "".
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || b[0] == '{' || b[0] == '[' || string(b) == "null":
		*s = ""
	case b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			*s = ""
			return nil
		}
		*s = flexString(v)
	default:
		*s = flexString(b)
	}
	return nil
}

func (s flexString) String() string { return string(s) }

// flexBool is true for true, 1, "1", "true" (any case) and false for everything else.
type flexBool bool

func (v *flexBool) UnmarshalJSON(b []byte) error {
	switch strings.ToLower(scalar(b)) {
	case "true", "1":
		*v = true
	default:
		*v = false
	}
	return nil
}

// flexTime is a time sent as Unix seconds (the documented unit), milliseconds, fractional
// seconds, a numeric string, RFC 3339 (component records) or a naive "2006-01-02 15:04:05" in
// Asia/Shanghai. 0, "", null and anything unreadable are the zero time.
type flexTime struct{ time.Time }

func (t *flexTime) UnmarshalJSON(b []byte) error {
	t.Time = parseTime(scalar(b))
	return nil
}

// parseTime reads a vendor time; see providers.ParseTime.
func parseTime(s string) time.Time { return providers.ParseTime(s) }

// unixAny reads seconds, or milliseconds for values from 1e12 (later than 2001 in ms, or the
// year 33658 in seconds).
func unixAny(n int64) time.Time {
	switch {
	case n <= 0:
		return time.Time{}
	case n >= 1e12:
		return time.UnixMilli(n)
	default:
		return time.Unix(n, 0)
	}
}

// flexStrings is a list sent as an array, null, "", one scalar, or a JSON array inside a
// string. Objects in the array (a file {name, url}) read as their name, url, title or text.
type flexStrings []string

func (l *flexStrings) UnmarshalJSON(b []byte) error {
	*l = nil
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) != nil {
			return nil
		}
		s = strings.TrimSpace(s)
		if strings.HasPrefix(s, "[") {
			b = []byte(s) // a JSON array in a string
		} else {
			if s != "" {
				*l = flexStrings{s}
			}
			return nil
		}
	}
	if len(b) == 0 || b[0] == '{' {
		return nil
	}
	if b[0] != '[' {
		if s := scalar(b); s != "" && s != "null" {
			*l = flexStrings{s}
		}
		return nil
	}
	var items []json.RawMessage
	if json.Unmarshal(b, &items) != nil {
		return nil
	}
	for _, it := range items {
		if s := itemText(it); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// itemText reads one array item as text.
func itemText(it json.RawMessage) string {
	it = bytes.TrimSpace(it)
	if len(it) > 0 && it[0] == '{' {
		var o map[string]flexString
		if json.Unmarshal(it, &o) == nil {
			for _, k := range []string{"name", "title", "url", "text", "value"} {
				if v := strings.TrimSpace(string(o[k])); v != "" {
					return v
				}
			}
		}
		return ""
	}
	var s flexString
	_ = s.UnmarshalJSON(it)
	return strings.TrimSpace(string(s))
}

// scalar returns a JSON scalar as text without its quotes; a quoted string is unescaped.
func scalar(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) == nil {
			return strings.TrimSpace(s)
		}
		return ""
	}
	return string(b)
}

// wireContent is a content object {text, pic}; a bare string is read as its text.
type wireContent struct {
	Text flexString  `json:"text"`
	Pic  flexStrings `json:"pic"`
}

func (c *wireContent) UnmarshalJSON(b []byte) error {
	*c = wireContent{}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		var s flexString
		_ = s.UnmarshalJSON(b)
		c.Text = s
		return nil
	}
	type plain wireContent // without this method
	var p plain
	if json.Unmarshal(b, &p) == nil {
		*c = wireContent(p)
	}
	return nil
}

// wireAttachment is one attached_json entry: {type, url} with type image or video (api-8932839).
type wireAttachment struct {
	Type flexString `json:"type"`
	URL  flexString `json:"url"`
}

// wireAttachments is attached_json: an array, null, "" or a JSON array inside a string (the
// name suggests Weiban may store it as text).
type wireAttachments []wireAttachment

func (a *wireAttachments) UnmarshalJSON(b []byte) error {
	*a = nil
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) != nil {
			return nil
		}
		b = []byte(strings.TrimSpace(s))
	}
	if len(b) == 0 || b[0] != '[' {
		return nil
	}
	var items []json.RawMessage
	if json.Unmarshal(b, &items) != nil {
		return nil
	}
	for _, it := range items {
		var x wireAttachment
		if json.Unmarshal(it, &x) == nil && (x.URL != "" || x.Type != "") {
			*a = append(*a, x)
		}
	}
	return nil
}
