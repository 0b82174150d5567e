// Package aliyuntest is a fake Aliyun 工单 API (2016-08-30 and 2021-06-10) with its OSS
// upload endpoint, for tests and the demo, the way net/http/httptest serves HTTP: New starts
// a Server on loopback that checks what the real API checks, and its Config points an
// aliyun.Provider at it.
package aliyuntest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file is the fake's own copy of what Aliyun's documents publish (reference/
// ticket-providers.md §2). It is written out here rather than taken from package aliyun, so
// the fake checks the client against the documents and not against the client's own reading
// of them.

// Headers carrying the request id of an answer.
const (
	requestIDHeader    = "x-acs-request-id"
	ossRequestIDHeader = "x-oss-request-id"
)

// The fixed common parameters of POP RPC signature v1.
const (
	signatureMethod  = "HMAC-SHA1"
	signatureVersion = "1.0"
	timestampLayout  = "2006-01-02T15:04:05Z"
)

// stringToSignMarker is how the POP gateway introduces, in a refusal, the string to sign it
// computed.
const stringToSignMarker = "string to sign is:"

// titleRunes is how much of the content becomes the title when none is given ("为空时取
// content 的前 30 个字符").
const titleRunes = 30

// QuestionList limits (V1.3 document, 获取工单列表).
const (
	maxListIDs        = 200
	maxListProductIDs = 100
	minPageSize2016   = 20
	maxPageSize       = 100
)

// ListTickets limits (help.aliyun 2402443).
const (
	minPageSize2021 = 10
	maxStatusList   = 11
)

// minMillis is the smallest time in milliseconds the fake takes as one (2001-09-09): a
// smaller positive value where milliseconds are documented is a time in seconds, which Aliyun
// would read as January 1970 and so match every ticket since. The fake refuses it instead,
// so a client that sends the wrong unit fails a test rather than listing everything.
const minMillis = 1_000_000_000_000

// roleStaff is User.Role of Aliyun's staff in ListTicketNotes.
const roleStaff = 2

// legacyNames spells the 2016-08-30 parameters whose casing the V1.3 document and the SDK
// metadata disagree on. POP parameter names are case-sensitive.
type legacyNames struct {
	QuestionID, QuestionContent, QuestionSecContent                                string
	IDs, AddStartTime, AddEndTime, ProductIDs, PageSize, PageStart, QuestionStatus string
}

// legacySpellings are the two spellings, by aliyun.Config.ParamNames.
var legacySpellings = map[string]legacyNames{
	"doc": {
		QuestionID: "questionId", QuestionContent: "questionContent", QuestionSecContent: "questionSecContent",
		IDs: "ids", AddStartTime: "addStartTime", AddEndTime: "addEndTime", ProductIDs: "productIds",
		PageSize: "pageSize", PageStart: "pageStart", QuestionStatus: "questionStatus",
	},
	"sdk": {
		QuestionID: "QuestionId", QuestionContent: "QuestionContent", QuestionSecContent: "QuestionSecContent",
		IDs: "Ids", AddStartTime: "AddStartTime", AddEndTime: "AddEndTime", ProductIDs: "ProductIds",
		PageSize: "PageSize", PageStart: "PageStart", QuestionStatus: "QuestionStatus",
	},
}

// status is one entry of the status dictionary (工单状态字典): the 2016 questionStatus code,
// the 2021 Status.Value ("" when that version has none), the V1.3 document's label and the
// 2021 label where it differs.
type status struct {
	code, value, label, label21 string
}

var statuses = []status{
	{"assigned", "1", "已分派", "待响应"},
	{"dealing", "2", "处理中", ""},
	{"wait_feedback", "3", "待反馈", ""},
	{"feedback", "4", "已反馈", ""},
	{"wait_confirm", "5", "待确认", ""},
	{"confirmed", "6", "已确认", "已完成"},
	{"score", "", "已评价", ""},
}

// findStatus finds a raw status by code (any case, '-' for '_': the ListTickets page spells
// wait_feedback as wait-feedback), by 2021 value or by either label.
func findStatus(raw string) (status, bool) {
	key := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(raw)), "-", "_")
	if key == "" {
		return status{}, false
	}
	i := slices.IndexFunc(statuses, func(s status) bool {
		return key == s.code || key == s.value || key == s.label || key == s.label21
	})
	if i < 0 {
		return status{}, false
	}
	return statuses[i], true
}

// statusCode returns the 2016 code of a raw status in any accepted form, or "" if unknown.
func statusCode(raw string) string {
	s, _ := findStatus(raw)
	return s.code
}

// severityLabels are the 2021-06-10 CreateTicket severities as Aliyun labels them.
var severityLabels = map[string]string{"1": "一般", "2": "紧急"}

// temporaryCode reports whether an Aliyun code means "busy, try later", which the 2021
// gateway answers with HTTP 503.
func temporaryCode(code string) bool {
	switch code {
	case "-153", "SYSTEM_BUSY", "ServiceUnavailable", "InternalError", "System.error", "SystemBusy":
		return true
	}
	return strings.HasPrefix(code, "Throttling") || strings.HasPrefix(code, "ServiceUnavailable")
}

// percentEncode is signature v1's encoding: RFC 3986 unreserved characters stay, every other
// byte becomes %XY (upper-case hex); space is %20, not +.
func percentEncode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// canonicalQuery joins the parameters, Signature excepted, as enc(key)=enc(value) in byte
// order of the keys.
func canonicalQuery(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = percentEncode(k) + "=" + percentEncode(params[k])
	}
	return strings.Join(parts, "&")
}

// stringToSign is METHOD&enc("/")&enc(canonical).
func stringToSign(method, canonical string) string {
	return method + "&" + percentEncode("/") + "&" + percentEncode(canonical)
}

// sign returns base64(HMAC-SHA1(secret + "&", sts)).
func sign(secret, sts string) string {
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(sts))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// firstRunes returns the first n characters of s.
func firstRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// safeName reduces a file name to a base name fit for an object key: no directories, no
// control characters, no commas, at most 100 bytes.
func safeName(name string) string {
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), `\`, "/"))
	if name == "/" || name == "." || name == ".." {
		return "file"
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == ',' || r == '/' || r == utf8.RuneError {
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	for len(name) > 100 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	return name
}
