package command

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// otherClouds are vendors ticketbot has no provider for. `建单 tencent 服务器宕机` names one
// of them: it is refused by name rather than filed at the default vendor with "tencent" in
// the title.
var otherClouds = map[string]string{
	"tencent": "腾讯云", "tencentcloud": "腾讯云", "qcloud": "腾讯云", "腾讯云": "腾讯云",
	"huaweicloud": "华为云", "华为云": "华为云",
	"aws": "AWS", "azure": "Azure", "gcp": "Google Cloud",
	"baiducloud": "百度智能云", "百度云": "百度智能云", "百度智能云": "百度智能云",
	"ucloud": "UCloud", "jdcloud": "京东云", "京东云": "京东云",
	"volcengine": "火山引擎", "火山引擎": "火山引擎", "ctyun": "天翼云", "天翼云": "天翼云",
}

// otherCloudsEN are the English names of the other clouds that have a Chinese one.
var otherCloudsEN = map[string]string{
	"腾讯云": "Tencent Cloud", "华为云": "Huawei Cloud", "百度智能云": "Baidu AI Cloud", "京东云": "JD Cloud",
	"火山引擎": "Volcengine", "天翼云": "CTyun",
}

// cloudName is another cloud's name in English when en.
func cloudName(c string, en bool) string {
	if n, ok := otherCloudsEN[c]; ok && en {
		return n
	}
	return c
}

// configuredNames lists the configured vendors in the registry's order, then any other.
func (e *Env) configuredNames() []string {
	var names []string
	for _, d := range e.Vendors.All() {
		if _, ok := e.Providers.Provider(d.Name); ok {
			names = append(names, d.Name)
		}
	}
	var others []string
	for _, n := range e.Providers.Configured() {
		if _, known := e.Vendors.Get(n); !known {
			others = append(others, n)
		}
	}
	slices.Sort(others)
	return append(names, others...)
}

// vendorGuess is what the first word of a `建单` title says about the vendor meant, when it
// looks like a vendor's name: the nearest vendor (a typo, or the start of a Chinese name), or
// another cloud ticketbot has no provider for ("tencent").
type vendorGuess struct {
	word  string
	near  string // the vendor ticketbot knows that the word is close to
	other string // the other cloud the word names
}

// guessVendor looks at the first word of a title. ok is false for an ordinary word.
func (e *Env) guessVendor(title string) (vendorGuess, bool) {
	w, _ := splitWord(title)
	lw := strings.ToLower(w)
	if lw == "" {
		return vendorGuess{}, false
	}
	if c, ok := otherClouds[lw]; ok {
		return vendorGuess{word: w, other: c}, true
	}
	for _, d := range e.Vendors.All() {
		for _, name := range append([]string{d.Name}, d.Aliases...) {
			if nearName(lw, strings.ToLower(name)) {
				return vendorGuess{word: w, near: d.Name}, true
			}
		}
	}
	return vendorGuess{}, false
}

// nearName reports whether a word is a slip for a vendor name: one edit (two for long Latin
// names) away, a swapped pair counting as one. Chinese words count only when they start the
// name (two characters or more of it), since two-character words one edit apart are mostly
// other words (微信 is one edit from any 微 name).
func nearName(word, name string) bool {
	if word == name {
		return false // a real name is no slip
	}
	if !isASCII(word) || !isASCII(name) {
		return utf8.RuneCountInString(word) >= 2 && strings.HasPrefix(name, word)
	}
	if len(word) < 4 {
		return false
	}
	limit := 1
	if len(name) >= 7 {
		limit = 2
	}
	return editDistance(word, name) <= limit
}

// editDistance is the optimal-string-alignment distance of two short ASCII words: insertions,
// deletions, substitutions and swaps of neighbours each cost one. Written here because it is
// a dozen lines; no library is worth a dependency for it.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// question asks the person which vendor they meant; nothing was created. The way out (name
// the vendor) is part of the answer, since the word may be a real part of the title.
func (e *Env) question(g vendorGuess, title string, names []string, def string) *userError {
	if def == "" && len(names) > 0 {
		def = names[0]
	}
	key := "vendor_near"
	switch _, ok := e.Providers.Provider(g.near); {
	case g.other != "":
		key = "vendor_other_cloud"
	case !ok:
		key = "vendor_near_unconfigured"
	}
	return e.userErrBy(key, func(en bool) []any {
		return []any{"word", g.word, "near", g.near, "cloud", cloudName(g.other, en), "available", list(names, en),
			"example", e.text(en, "example_new", "vendor", def, "title", truncateRunes(title, 30))}
	})
}

// notConfigured refuses a vendor ticketbot knows (or a name it does not) that this
// deployment has not configured, naming the ones it has.
func (e *Env) notConfigured(name string) *userError {
	names := e.configuredNames()
	available := func(en bool) string {
		if len(names) == 0 {
			return e.text(en, "none")
		}
		return list(names, en)
	}
	if _, known := e.Vendors.Get(name); known {
		return e.userErrBy("vendor_unconfigured", func(en bool) []any {
			return []any{"vendor", e.Vendors.Label(name, en), "name", name, "available", available(en)}
		})
	}
	if c, ok := otherClouds[strings.ToLower(name)]; ok {
		return e.userErrBy("vendor_unsupported", func(en bool) []any {
			return []any{"cloud", cloudName(c, en), "name", name, "available", available(en)}
		})
	}
	return e.userErrBy("vendor_unknown", func(en bool) []any {
		return []any{"name", truncateRunes(name, 20), "available", available(en)}
	})
}
