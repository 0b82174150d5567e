package providers

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// A ticket named in a chat message: "<vendor>:1204" (a vendor's name or alias, a colon, the id),
// or a link to the ticket's page in the vendor's console. The bot answers a message that
// names tickets with their cards.

// TicketLink is how a vendor's console links to a ticket: a page on Host (or a subdomain of
// it) whose query parameter Param, or whose path segment after PathAfter, is the ticket id.
type TicketLink struct {
	Host      string
	Param     string
	PathAfter string
}

// Ref is a ticket named in a message.
type Ref struct{ Provider, ID string }

var (
	refWord = regexp.MustCompile(`([\p{L}][\p{L}0-9_-]{0,19})[:：]#?([A-Za-z0-9_-]{1,64})`)
	linkRe  = regexp.MustCompile(`https?://[^\s<>"'）)】。，；！？、]+`)
)

// maxRefs bounds the tickets one message names: a paste of a whole list is not answered with
// a card each.
const maxRefs = 5

// FindRefs lists the tickets text names, in order and once each, at most maxRefs: vendor:id
// words whose vendor r knows, and links to a known vendor's ticket pages.
func (r *Registry) FindRefs(text string) []Ref {
	if strings.IndexByte(text, ':') < 0 && !strings.Contains(text, "：") {
		// Both kinds hold a colon (vendor:id, a link's scheme). Most chat is no ticket, and
		// this is asked of every message on the ack path: the regexps only when they may match.
		return nil
	}
	var out []Ref
	add := func(ref Ref) {
		if ref.ID != "" && len(out) < maxRefs && !slices.Contains(out, ref) {
			out = append(out, ref)
		}
	}
	type hit struct {
		at  int
		ref Ref
	}
	var hits []hit
	for _, loc := range linkRe.FindAllStringIndex(text, -1) {
		if ref, ok := r.linkRef(text[loc[0]:loc[1]]); ok {
			hits = append(hits, hit{loc[0], ref})
		}
	}
	for _, m := range refWord.FindAllStringSubmatchIndex(text, -1) {
		if m[0] > 0 && strings.HasSuffix(text[:m[0]], "/") {
			continue // a path in a link, not a ticket
		}
		if d, ok := r.Lookup(text[m[2]:m[3]]); ok {
			hits = append(hits, hit{m[0], Ref{Provider: d.Name, ID: text[m[4]:m[5]]}})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return a.at - b.at })
	for _, h := range hits {
		add(h.ref)
	}
	return out
}

// linkRef reads a link to a known vendor's ticket page.
func (r *Registry) linkRef(link string) (Ref, bool) {
	u, err := url.Parse(strings.TrimRight(link, ".,;，。"))
	if err != nil || u.Host == "" {
		return Ref{}, false
	}
	host := strings.ToLower(u.Hostname())
	for _, d := range r.list {
		for _, l := range d.Links {
			if host != l.Host && !strings.HasSuffix(host, "."+l.Host) {
				continue
			}
			id := ""
			if l.Param != "" {
				id = u.Query().Get(l.Param)
				if id == "" && u.Fragment != "" { // single-page consoles keep the query in the fragment
					if _, q, ok := strings.Cut(u.Fragment, "?"); ok {
						if v, err := url.ParseQuery(q); err == nil {
							id = v.Get(l.Param)
						}
					}
				}
			}
			if l.PathAfter != "" && id == "" {
				segs := strings.Split(strings.Trim(u.Path, "/"), "/")
				if i := slices.Index(segs, l.PathAfter); i >= 0 && i+1 < len(segs) {
					id = segs[i+1]
				}
			}
			if validRefID(id) {
				return Ref{Provider: d.Name, ID: id}, true
			}
		}
	}
	return Ref{}, false
}

func validRefID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
