package ksyun

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
)

// probeCall is the harmless read Probe makes: one ticket of the list.
const probeCall = "list_tickets"

var _ providers.Prober = (*Provider)(nil)

// Probe lists one ticket with the configured Sign rule (providers.Prober). Kingsoft does not
// publish the rule (reference/ticket-providers.md §3.1), so when the server refuses the
// request, the other rules the reference lists are tried, one call each, and the first the
// server takes is named in a *providers.ProbeError: the operator writes it into the file.
func (p *Provider) Probe(ctx context.Context) (string, error) {
	err := p.c.probe(ctx)
	if err == nil {
		return probeCall, nil
	}
	// Only a refusal of the signature can be the rule: a network failure, a busy server or a
	// refusal of something else says nothing of it, and some forty wrongly signed calls are
	// not made blindly (an account may be locked for fewer).
	ve, ok := errors.AsType[*providers.VendorError](err)
	if !ok || ve.Temporary || !signRefusal(ve) {
		return probeCall, err
	}
	for _, s := range otherSigners(p.c.signer) {
		if ctx.Err() != nil {
			break
		}
		c := *p.c
		c.signer = s
		if c.probe(ctx) == nil {
			return probeCall, &providers.ProbeError{Err: err, Fix: "the server accepted another Sign rule; write in [providers.ksyun]: " + s.config()}
		}
	}
	return probeCall, err
}

// signRefusal reports whether Kingsoft's refusal may be of the signature. Its codes are not
// published (reference §3.1), so the words decide: a refusal naming the signature, the
// AppId, the timestamp or authentication, or an HTTP 401/403.
func signRefusal(ve *providers.VendorError) bool {
	if ve.Code == "HTTP 401" || ve.Code == "HTTP 403" {
		return true
	}
	m := strings.ToLower(ve.Message)
	for _, w := range []string{"sign", "签名", "appid", "timestamp", "时间戳", "auth", "鉴权", "认证"} {
		if strings.Contains(m, w) {
			return true
		}
	}
	return false
}

// probe lists one ticket and reads nothing of it.
func (c *client) probe(ctx context.Context) error {
	_, err := c.postJSON(ctx, probeCall, listBody{Page: 1, PageSize: 1}, nil)
	return err
}

// The parts of the Sign rules the reference lists (§3.1): every combination is a candidate.
var (
	signAlgos     = []string{"md5", "sha1", "sha256", "hmac-sha256"}
	signTemplates = []string{DefaultSignTemplate, "{app_secret}{timestamp}", "{app_id}{app_secret}{timestamp}"}
	signCases     = []string{"lower", "upper"}
	signUnits     = []string{"s", "ms"}
)

// otherSigners are the candidate rules but current, most likely first (the algorithm changes
// last), each once: with hmac-sha256 the secret is the key, so templates that differ only
// in {app_secret} sign alike.
func otherSigners(current signer) []signer {
	seen := map[string]bool{current.key(): true}
	var out []signer
	for _, algo := range signAlgos {
		for _, tmpl := range append([]string{current.template}, signTemplates...) {
			for _, lc := range signCases {
				for _, unit := range signUnits {
					s := signer{algo: algo, template: tmpl, letterCase: lc, unit: unit}
					if k := s.key(); !seen[k] && s.valid() {
						seen[k] = true
						out = append(out, s)
					}
				}
			}
		}
	}
	return out
}

// key tells rules apart by what they sign.
func (s signer) key() string {
	t := s.template
	if s.algo == "hmac-sha256" {
		t = strings.ReplaceAll(t, "{app_secret}", "")
	}
	return s.algo + "|" + t + "|" + s.letterCase + "|" + s.unit
}

// valid is Config.Validate's rule for a template: a plain digest must contain the secret.
func (s signer) valid() bool {
	return strings.Contains(s.template, "{timestamp}") &&
		(s.algo == "hmac-sha256" || strings.Contains(s.template, "{app_secret}"))
}

// config is the rule as the lines of [providers.ksyun] that select it.
func (s signer) config() string {
	return fmt.Sprintf("sign_algo = %q, sign_template = %q, sign_case = %q, timestamp_unit = %q",
		s.algo, s.template, s.letterCase, s.unit)
}
