package app

import (
	"cmp"
	"errors"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// problems returns every problem of the file in the order the file reads: the decoder's, then
// those the Validate methods found afterwards, less the ones that only repeat a decoder's
// (a "required" for a key whose variable is unset, whose value had the wrong type, or whose
// name was mistyped). schema is the type the file was decoded into.
func (d *decoder) problems(md toml.MetaData, schema reflect.Type, validation []error) []error {
	all := slices.Clone(d.errs)
	for _, e := range validation {
		if k := problemKey(e, schema); k != "" && d.isCovered(k) {
			continue
		}
		all = append(all, e)
	}
	pos := keyPositions(md)
	type placed struct {
		err    error
		at     float64
		schema []int
		seq    int // the decoder's own order; all of Validate's problems come after
		msg    string
	}
	ps := make([]placed, len(all))
	for i, e := range all {
		p := placed{err: e, at: math.Inf(1), seq: min(i, len(d.errs)), msg: e.Error()}
		if k := problemKey(e, schema); k != "" {
			p.at, p.schema = pos.of(d.asWritten(k)), schemaOrder(schema, k)
		}
		ps[i] = p
	}
	// Ties are broken by the struct's field order (keys missing from one section), then by the
	// decoder's order (an unknown key before what its value holds), then by the text, so
	// that no map iteration in a Validate method can change the output between runs.
	slices.SortFunc(ps, func(a, b placed) int {
		return cmp.Or(cmp.Compare(a.at, b.at), slices.Compare(a.schema, b.schema), cmp.Compare(a.seq, b.seq),
			strings.Compare(a.msg, b.msg))
	})
	out := make([]error, len(ps))
	for i, p := range ps {
		out[i] = p.err
	}
	return out
}

// asWritten is the key as the file spells it: a key inside a misspelt table is placed where
// the misspelling is.
func (d *decoder) asWritten(key string) string {
	cs := splitKey(key)
	for n := len(cs); n > 0; n-- {
		if w, ok := d.misspelt[joinComponents(cs[:n])]; ok {
			return joinComponents(append(splitKey(w), cs[n:]...))
		}
	}
	return key
}

// isCovered reports whether key, or a table holding it, was already reported, under its
// own name or a misspelling.
func (d *decoder) isCovered(key string) bool {
	cs := splitKey(d.asWritten(key))
	for n := 1; n <= len(cs); n++ {
		if d.covered[joinComponents(cs[:n])] {
			return true
		}
	}
	return false
}

// leadingKey matches the key a Validate message starts with: "providers.<vendor>.app_id: …",
// "<platform>.encrypt_key is required …", "chats[0].platform: …".
var leadingKey = regexp.MustCompile(`^((?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*")(?:\[\d+\])*(?:\.(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*")(?:\[\d+\])*)*)(?:[:\s]|$)`)

// problemKey is the key a problem is about, or "" for a problem of the whole file ("no
// provider is configured"). Validate methods name their key first, by convention.
func problemKey(e error, schema reflect.Type) string {
	if ke, ok := errors.AsType[*keyError](e); ok {
		return ke.Key
	}
	m := leadingKey.FindStringSubmatch(e.Error())
	if m == nil || len(schemaOrder(schema, m[1])) == 0 {
		return ""
	}
	return m[1]
}

// splitKey splits "providers.<vendor>.status_map.\"3 0\"" or "chats[1].admins[0]" into its
// parts; an index is a part of its own ("[1]").
func splitKey(k string) []string {
	var out []string
	for i := 0; i < len(k); {
		switch k[i] {
		case '.':
			i++
		case '[':
			j := strings.IndexByte(k[i:], ']')
			if j < 0 {
				return append(out, k[i:])
			}
			out = append(out, k[i:i+j+1])
			i += j + 1
		case '"':
			j := i + 1
			for j < len(k) && k[j] != '"' {
				if k[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(k))
			out = append(out, k[i:j])
			i = j
		default:
			j := i
			for j < len(k) && k[j] != '.' && k[j] != '[' {
				j++
			}
			out = append(out, k[i:j])
			i = j
		}
	}
	return out
}

// joinComponents is the inverse of splitKey.
func joinComponents(cs []string) string {
	var b strings.Builder
	for i, c := range cs {
		if i > 0 && !strings.HasPrefix(c, "[") {
			b.WriteByte('.')
		}
		b.WriteString(c)
	}
	return b.String()
}

// positions maps each key of the file, written as problems name them ("chats[1].platform"),
// to its rank in the file.
type positions map[string]int

// keyPositions ranks the file's keys in the order they appear. MetaData.Keys lists every
// [[x]] header again for each table, which numbers the tables.
func keyPositions(md toml.MetaData) positions {
	pos := positions{}
	tables := map[string]int{} // array of tables → how many seen so far
	for i, k := range md.Keys() {
		p := ""
		for j, c := range k {
			p = joinKey(p, c)
			if j == len(k)-1 && md.Type(k...) == "ArrayHash" {
				if _, seen := pos[p]; !seen {
					pos[p] = i
				}
				tables[p]++
				p += "[" + strconv.Itoa(tables[p]-1) + "]"
			} else if n, ok := tables[p]; ok {
				p += "[" + strconv.Itoa(n-1) + "]"
			}
		}
		if _, seen := pos[p]; !seen {
			pos[p] = i
		}
	}
	return pos
}

// of places a key: where it is in the file, or, for a key the file lacks, just after the last
// key of the nearest table that holds it, where one would add it; +Inf when none does.
func (p positions) of(key string) float64 {
	if i, ok := p[key]; ok {
		return float64(i)
	}
	cs := splitKey(key)
	for n := len(cs) - 1; n > 0; n-- {
		table := joinComponents(cs[:n])
		if _, ok := p[table]; !ok {
			continue
		}
		last := -1
		for k, i := range p {
			if k == table || strings.HasPrefix(k, table+".") || strings.HasPrefix(k, table+"[") {
				last = max(last, i)
			}
		}
		return float64(last) + 0.5
	}
	return math.Inf(1)
}

// schemaOrder is the position of key in the structs: field numbers and list indexes along
// its path. It is empty when the file's type has no such first key.
func schemaOrder(t reflect.Type, key string) []int {
	var out []int
	for _, c := range splitKey(key) {
		t = derefType(t)
		switch {
		case strings.HasPrefix(c, "["):
			if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
				return out
			}
			n, _ := strconv.Atoi(strings.Trim(c, "[]"))
			out, t = append(out, n), t.Elem()
		case t.Kind() == reflect.Struct || isSections(t):
			name := c
			if uq, err := strconv.Unquote(c); err == nil {
				name = uq
			}
			fields := tableFields(t)
			i := slices.IndexFunc(fields, func(f field) bool { return f.name == name })
			if i < 0 {
				return out
			}
			out, t = append(out, i), fieldType(t, fields[i])
		case t.Kind() == reflect.Map:
			out, t = append(out, 0), t.Elem()
		default:
			return out
		}
	}
	return out
}
