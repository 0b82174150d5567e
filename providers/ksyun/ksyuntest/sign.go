package ksyuntest

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strings"
)

// SignRule is the Sign rule the fake expects, in the words of the sign_* keys of
// [providers.ksyun]. The zero rule is the default guess: lower-case hex MD5 of
// {app_id}{timestamp}{app_secret}, the timestamp in seconds or milliseconds.
type SignRule struct {
	Algo     string // md5, sha1, sha256 or hmac-sha256 (keyed with the secret)
	Template string // with {app_id}, {timestamp} and {app_secret}
	Case     string // lower or upper
	Unit     string // s or ms; empty takes both
}

// ExpectSign makes the fake accept only requests signed under r, as a Kingsoft account whose
// rule differs from the configured guess would: every other Sign is refused with ErrSign.
func (f *Server) ExpectSign(r SignRule) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rule = r
}

// sign is the fake's own rendering of the rule, not the client's.
func (r SignRule) sign(appID, secret, ts string) string {
	var h hash.Hash
	filled := secret
	switch r.Algo {
	case "sha1":
		h = sha1.New()
	case "sha256":
		h = sha256.New()
	case "hmac-sha256":
		h, filled = hmac.New(sha256.New, []byte(secret)), ""
	default:
		h = md5.New()
	}
	tmpl := r.Template
	if tmpl == "" {
		tmpl = "{app_id}{timestamp}{app_secret}"
	}
	tmpl = strings.ReplaceAll(tmpl, "{app_id}", appID)
	tmpl = strings.ReplaceAll(tmpl, "{app_secret}", filled)
	h.Write([]byte(strings.ReplaceAll(tmpl, "{timestamp}", ts)))
	sum := hex.EncodeToString(h.Sum(nil))
	if r.Case == "upper" {
		return strings.ToUpper(sum)
	}
	return sum
}

// unitOK reports whether a timestamp of n is in the rule's unit.
func (r SignRule) unitOK(n int64) bool {
	switch r.Unit {
	case "s":
		return n < 1e12
	case "ms":
		return n >= 1e12
	}
	return true
}
