package aliyun

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"slices"
	"strings"
)

// This file is Aliyun's POP RPC signature, version 1 (HMAC-SHA1), on the standard library:
// help.aliyun 28839 and 159972 (签名机制), reference/ticket-providers.md §2.5, pinned by the
// published vectors of §2.7 in sign_test.go.
//
//	canonical = join("&", enc(k)+"="+enc(v) for k in sort_bytewise(params) except Signature)
//	sts       = METHOD + "&" + enc("/") + "&" + enc(canonical)
//	Signature = base64(HMAC-SHA1(AccessKeySecret + "&", sts))

// The fixed common parameters of signature v1 (reference §2.3). Current Aliyun pages call this
// the "V2 RPC signature", but the wire value of SignatureVersion is still 1.0.
const (
	signatureMethod  = "HMAC-SHA1"
	signatureVersion = "1.0"
	// timestampLayout is the UTC ISO 8601 form Aliyun wants: 2024-01-01T00:00:00Z.
	timestampLayout = "2006-01-02T15:04:05Z"
)

const upperHex = "0123456789ABCDEF"

// unreserved reports whether Aliyun's encoding keeps c: the RFC 3986 unreserved characters.
func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// percentEncode is Aliyun's canonical encoding: A-Z a-z 0-9 - _ . ~ stay, every other byte of
// the UTF-8 text becomes %XY with upper-case hex. It differs from url.QueryEscape on exactly the
// three points that break signatures: space is %20 (not +), * is %2A, and ~ stays ~.
func percentEncode(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	writeEncoded(&b, s)
	return b.String()
}

// writeEncoded writes percentEncode(s) to b.
func writeEncoded(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
}

// canonicalQuery joins the parameters, Signature excepted, as enc(key)=enc(value) in byte order
// of the keys: upper-case names sort before lower-case ones ("Version" < "questionContent").
func canonicalQuery(params map[string]string) string {
	keys := make([]string, 0, len(params))
	size := 0
	for k, v := range params {
		keys = append(keys, k)
		size += len(k) + 3*len(v) + 2
	}
	slices.Sort(keys)
	var b strings.Builder
	b.Grow(size)
	for _, k := range keys {
		if k == "Signature" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		writeEncoded(&b, k)
		b.WriteByte('=')
		writeEncoded(&b, params[k])
	}
	return b.String()
}

// stringToSign is METHOD&%2F&enc(canonical): the path of an RPC call is always "/".
func stringToSign(method, canonical string) string {
	var b strings.Builder
	b.Grow(len(method) + 5 + 3*len(canonical))
	b.WriteString(method)
	b.WriteString("&%2F&")
	writeEncoded(&b, canonical)
	return b.String()
}

// sign returns base64(HMAC-SHA1(secret + "&", sts)). The "&" is where an STS token secret
// would follow; with a plain AccessKey it stays empty.
func sign(secret, sts string) string {
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(sts))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// signRequest signs params for method and returns the canonical query and the Signature. The
// form body of a call is the canonical query plus "&Signature=" + enc(Signature): the same
// bytes that were signed, so nothing is encoded twice in two ways.
func signRequest(method, secret string, params map[string]string) (canonical, signature string) {
	canonical = canonicalQuery(params)
	return canonical, sign(secret, stringToSign(method, canonical))
}
