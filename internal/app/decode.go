package app

import (
	"encoding"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/span"
)

// The configuration decoder. toml.Decode into the Config structs stops at the first value it
// cannot convert: an unset ${ENV} behind a Secret aborted a vendor's section half way, the keys
// not yet reached (in Go's random map order) stayed "undecoded", and check reported valid keys
// as unknown, a different set on every run. So the file is first read into plain TOML values,
// and then the structs are walked by reflection, key by key, from their toml tags: every
// problem (an unknown key, a wrong type, an unset variable, a placeholder left from the
// example) is recorded against its key and the walk goes on. Keys added to any section's
// struct are known here without a change.

// keyError is one problem with one key of the file, found while decoding it.
type keyError struct {
	Key string // "providers.<vendor>.app_secret", "chats[1].platform"
	Msg string
}

func (e *keyError) Error() string { return e.Key + ": " + e.Msg }

// decoder walks plain TOML values into Go values and keeps every problem it meets.
type decoder struct {
	errs []error
	// covered are keys already reported: a Validate method's complaint about one of them (or
	// about a key inside one of them) would be a cascade of that report and is dropped.
	covered map[string]bool
	// misspelt maps a key that the file lacks to the misspelling of it that the file has
	// ("providers.<vendor>" → its misspelling): the misspelt value is decoded as the key meant,
	// so that its section is checked and no "no provider is configured" follows, and problems
	// Validate finds in it are placed where the misspelling is.
	misspelt map[string]string
}

func newDecoder() *decoder {
	return &decoder{covered: map[string]bool{}, misspelt: map[string]string{}}
}

// fail records a problem with the value at key; Validate's complaints about it are cascades.
func (d *decoder) fail(key, format string, a ...any) {
	d.report(key, format, a...)
	d.covered[key] = true
}

// report records a problem with the name of a key, whose value is still looked at.
func (d *decoder) report(key, format string, a ...any) {
	d.errs = append(d.errs, &keyError{Key: key, Msg: fmt.Sprintf(format, a...)})
}

// keyNouns name what the keys of some tables are, where they are names of things rather than
// settings ([providers]: "unknown provider").
var keyNouns = map[reflect.Type]string{reflect.TypeFor[map[string]providers.Section](): "provider"}

// field is a key of a table: a struct field that a TOML key decodes into, or a section of a
// table of sections (sections.go), whose value is stored in the map at index.
type field struct {
	name  string
	index []int
	// section is the type of a section's value (a pointer); nil for a struct field.
	section reflect.Type
}

// fieldType is the type of f's value in the table type t.
func fieldType(t reflect.Type, f field) reflect.Type {
	if f.section != nil {
		return f.section
	}
	return t.FieldByIndex(f.index).Type
}

// tableFields lists the keys a table of type t takes: a struct's fields (tomlFields), or a
// table of sections' registered names.
func tableFields(t reflect.Type) []field {
	if isSections(t) {
		return sectionFields(t, nil)
	}
	return tomlFields(t)
}

// tomlFields lists the keys a struct takes, from its toml tags: "-" is skipped, an untagged
// field is its Go name, an untagged embedded struct lends its keys to the outer table, and
// so does a table of sections tagged ",sections" (each registered name a key of its own).
func tomlFields(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "-" {
			continue
		}
		if name == "" && opts == "sections" && isSections(f.Type) {
			out = append(out, sectionFields(f.Type, []int{i})...)
			continue
		}
		if f.Anonymous && name == "" {
			if ft := derefType(f.Type); ft.Kind() == reflect.Struct {
				for _, sub := range tomlFields(ft) {
					out = append(out, field{name: sub.name, index: append([]int{i}, sub.index...), section: sub.section})
				}
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, field{name: name, index: []int{i}})
	}
	return out
}

func derefType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// fieldByIndex is reflect.Value.FieldByIndex, allocating nil embedded pointers on the way.
func fieldByIndex(v reflect.Value, index []int) reflect.Value {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v
}

// target is where the value of f, a key of the table v, is decoded; commit stores it there.
func target(v reflect.Value, f field) (dst reflect.Value, commit func()) {
	dst = fieldByIndex(v, f.index)
	if f.section != nil {
		return sectionTarget(dst, f)
	}
	return dst, func() {}
}

// table decodes the TOML table t into v, a struct or a table of sections; key is the table's
// own key ("" for the file).
func (d *decoder) table(key string, t map[string]any, v reflect.Value) {
	fields := tableFields(v.Type())
	byName := make(map[string]field, len(fields))
	names := make([]string, 0, len(fields))
	for _, f := range fields {
		byName[f.name] = f
		names = append(names, f.name)
	}
	for _, k := range slices.Sorted(maps.Keys(t)) {
		f, ok := byName[k]
		if !ok {
			if meant := d.unknown(key, k, t, names, v.Type()); meant != "" {
				d.misspelt[joinKey(key, meant)] = joinKey(key, k)
				dst, commit := target(v, byName[meant])
				d.value(joinKey(key, k), t[k], dst)
				commit()
			}
			continue
		}
		dst, commit := target(v, f)
		d.value(joinKey(key, k), t[k], dst)
		commit()
	}
}

// unknown reports the key k of the table t that the struct type st does not take,
// suggesting the nearest one it does. It returns that one when the table lacks it, so the
// value can be decoded as what was meant.
func (d *decoder) unknown(parent, k string, t map[string]any, names []string, st reflect.Type) (meant string) {
	noun := "key"
	if n, ok := keyNouns[st]; ok {
		noun = n
	} else if _, isTable := t[k].(map[string]any); isTable && parent == "" {
		noun = "section"
	}
	key := joinKey(parent, k)
	if s := nearest(k, names); s != "" {
		d.report(key, "unknown %s (did you mean %s?)", noun, s)
		if _, present := t[s]; present {
			return ""
		}
		return s
	}
	known := slices.Sorted(slices.Values(names))
	d.report(key, "unknown %s (known: %s)", noun, strings.Join(known, ", "))
	return ""
}

var (
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	tomlUnmarshalerType = reflect.TypeFor[toml.Unmarshaler]()
	durationType        = reflect.TypeFor[time.Duration]()
	spanDurationType    = reflect.TypeFor[span.Duration]()
	timeType            = reflect.TypeFor[time.Time]()
	stringerType        = reflect.TypeFor[fmt.Stringer]()
	formatterType       = reflect.TypeFor[fmt.Formatter]()
)

// value decodes the TOML value raw into v, which is settable.
func (d *decoder) value(key string, raw any, v reflect.Value) {
	t := v.Type()
	if t.Kind() == reflect.Pointer {
		p := reflect.New(t.Elem())
		n := len(d.errs)
		d.value(key, raw, p.Elem())
		// A section of the wrong shape still counts as present, so that "no platform is
		// configured" does not follow its report.
		if len(d.errs) == n || t.Elem().Kind() == reflect.Struct {
			v.Set(p)
		}
		return
	}
	pt := reflect.PointerTo(t)
	switch {
	case pt.Implements(tomlUnmarshalerType):
		if err := v.Addr().Interface().(toml.Unmarshaler).UnmarshalTOML(raw); err != nil {
			d.fail(key, "%v", err)
		}
		return
	case t == timeType:
		tm, ok := raw.(time.Time)
		if !ok {
			d.wrongType(key, raw, t)
			return
		}
		v.Set(reflect.ValueOf(tm))
		return
	case t == durationType:
		switch x := raw.(type) {
		case string:
			dur, err := time.ParseDuration(x)
			if err != nil {
				d.fail(key, "%q is not a duration such as \"30s\", \"5m\" or \"24h\"", x)
				return
			}
			v.SetInt(int64(dur))
		case int64:
			v.SetInt(x)
		default:
			d.wrongType(key, raw, t)
		}
		return
	case pt.Implements(textUnmarshalerType):
		s, ok := raw.(string)
		if !ok {
			d.wrongType(key, raw, t)
			return
		}
		// The configuration's own text types (Secret, DSN) never put a value in an error.
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			d.fail(key, "%v", err)
			return
		}
		d.checkPlaceholder(key, v)
		return
	}
	switch t.Kind() {
	case reflect.String:
		s, ok := raw.(string)
		if !ok {
			d.wrongType(key, raw, t)
			return
		}
		v.SetString(s)
		d.checkPlaceholder(key, v)
	case reflect.Bool:
		b, ok := raw.(bool)
		if !ok {
			d.wrongType(key, raw, t)
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := raw.(int64)
		if !ok {
			d.wrongType(key, raw, t)
			return
		}
		if v.OverflowInt(n) {
			d.fail(key, "%d is too large", n)
			return
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := raw.(int64)
		if !ok {
			d.wrongType(key, raw, t)
			return
		}
		if n < 0 {
			d.fail(key, "must not be negative, got %d", n)
			return
		}
		if v.OverflowUint(uint64(n)) {
			d.fail(key, "%d is too large", n)
			return
		}
		v.SetUint(uint64(n))
	case reflect.Float32, reflect.Float64:
		switch x := raw.(type) {
		case float64:
			v.SetFloat(x)
		case int64:
			v.SetFloat(float64(x))
		default:
			d.wrongType(key, raw, t)
		}
	case reflect.Slice, reflect.Array:
		list, ok := asList(raw)
		if !ok {
			d.wrongType(key, raw, t)
			return
		}
		if t.Kind() == reflect.Array && len(list) != t.Len() {
			d.fail(key, "must be a list of %d, got %d", t.Len(), len(list))
			return
		}
		out := v
		if t.Kind() == reflect.Slice {
			out = reflect.MakeSlice(t, len(list), len(list))
		}
		for i, e := range list {
			d.value(fmt.Sprintf("%s[%d]", key, i), e, out.Index(i))
		}
		v.Set(out)
	case reflect.Map:
		m, ok := raw.(map[string]any)
		if ok && isSections(t) {
			d.table(key, m, v)
			return
		}
		if !ok || t.Key().Kind() != reflect.String {
			d.wrongType(key, raw, t)
			return
		}
		out := reflect.MakeMapWithSize(t, len(m))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			e := reflect.New(t.Elem()).Elem()
			d.value(joinKey(key, k), m[k], e)
			out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), e)
		}
		v.Set(out)
	case reflect.Struct:
		m, ok := raw.(map[string]any)
		if !ok {
			d.wrongType(key, raw, t)
			return
		}
		d.table(key, m, v)
	case reflect.Interface:
		if raw != nil && reflect.TypeOf(raw).AssignableTo(t) {
			v.Set(reflect.ValueOf(raw))
			return
		}
		d.wrongType(key, raw, t)
	default:
		d.fail(key, "cannot be read from the file (unsupported type %s)", t)
	}
}

// asList accepts both shapes a TOML array takes: values, and tables ([[x]]).
func asList(raw any) ([]any, bool) {
	switch x := raw.(type) {
	case []any:
		return x, true
	case []map[string]any:
		out := make([]any, len(x))
		for i, m := range x {
			out[i] = m
		}
		return out, true
	}
	return nil, false
}

// wrongType reports a value of the wrong TOML type, naming what the key takes in plain
// words. A secret's value is not repeated.
func (d *decoder) wrongType(key string, raw any, t reflect.Type) {
	d.fail(key, "must be %s, not %s", describeType(t, key), describeValue(raw, redacts(t)))
}

// redacts reports whether values of t print as something else (Secret prints "<secret>"):
// such a value is never repeated in a message.
func redacts(t reflect.Type) bool {
	t = derefType(t)
	pt := reflect.PointerTo(t)
	return t.Implements(stringerType) || pt.Implements(stringerType) ||
		t.Implements(formatterType) || pt.Implements(formatterType)
}

// describeType names what a key of type t takes, for a person editing the file.
func describeType(t reflect.Type, key string) string {
	one, _ := typeWords(t)
	if (isTable(t) || isSections(derefType(t))) && !strings.HasSuffix(key, "]") {
		return fmt.Sprintf("a table ([%s])", key)
	}
	if k := derefType(t).Kind(); (k == reflect.Slice || k == reflect.Array) && derefType(t.Elem()).Kind() == reflect.Struct {
		return fmt.Sprintf("a list of tables ([[%s]])", key)
	}
	return one
}

// isTable reports whether t is written as a TOML table: a struct that does not read itself
// from one value (time.Time and span.Duration are structs written as one value).
func isTable(t reflect.Type) bool {
	t = derefType(t)
	return t.Kind() == reflect.Struct && t != timeType && !reflect.PointerTo(t).Implements(textUnmarshalerType)
}

// typeWords is the plain name of a type, singular and plural.
func typeWords(t reflect.Type) (one, many string) {
	t = derefType(t)
	switch {
	case t == durationType || t == spanDurationType:
		return `a duration in quotes such as "30s"`, "durations in quotes"
	case t == timeType:
		return "a date-time", "date-times"
	case reflect.PointerTo(t).Implements(textUnmarshalerType):
		return "text in quotes", "texts in quotes"
	}
	switch t.Kind() {
	case reflect.String:
		return "text in quotes", "texts in quotes"
	case reflect.Bool:
		return "true or false", "trues or falses"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number", "whole numbers"
	case reflect.Float32, reflect.Float64:
		return "a number", "numbers"
	case reflect.Slice, reflect.Array:
		_, m := typeWords(t.Elem())
		return "a list of " + m, "lists"
	case reflect.Map:
		_, m := typeWords(t.Elem())
		return "a table of " + m, "tables"
	case reflect.Struct:
		return "a table", "tables"
	}
	return "a " + t.String(), t.String() + " values"
}

// describeValue names a TOML value, with the value itself unless it is a secret's.
func describeValue(raw any, secret bool) string {
	switch x := raw.(type) {
	case string:
		if secret {
			return "text"
		}
		return fmt.Sprintf("text %q", x)
	case int64:
		if secret {
			return "a number"
		}
		return fmt.Sprintf("the number %d", x)
	case float64:
		if secret {
			return "a number"
		}
		return fmt.Sprintf("the number %v", x)
	case bool:
		if secret {
			return "true or false"
		}
		return strconv.FormatBool(x)
	case time.Time:
		return "a date-time"
	case map[string]any:
		return "a table"
	case []any, []map[string]any:
		return "a list"
	}
	return fmt.Sprintf("a %T", raw)
}

// checkPlaceholder reports a text value that is still the example's placeholder. v is a
// string kind (a string or Secret-like type).
func (d *decoder) checkPlaceholder(key string, v reflect.Value) {
	if v.Kind() != reflect.String || !isPlaceholder(v.String()) {
		return
	}
	if redacts(v.Type()) {
		d.fail(key, "the value is a placeholder, not a real one: set the real value")
		return
	}
	d.fail(key, "%q is a placeholder from config.toml.example: put your own value here", v.String())
}

// placeholderPattern matches the stand-ins config.toml.example uses where a value of one's
// own belongs: "cli_xxx", "ou_yyy", "LTAI...", "aib...", "...", "your-app-id", "<your id>".
var placeholderPattern = regexp.MustCompile(`(?i)^(?:.*(?:\.\.\.|…).*|your[-_].*|<.*>|(?:.*[_-])?(?:x{3,}|y{3,}))$`)

// isPlaceholder reports whether s is one of the example's stand-ins.
func isPlaceholder(s string) bool {
	return placeholderPattern.MatchString(strings.TrimSpace(s))
}

// bareKey matches TOML keys that need no quotes.
var bareKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// joinKey appends a key to its table's key, quoting it when TOML would.
func joinKey(parent, k string) string {
	if !bareKey.MatchString(k) {
		k = strconv.Quote(k)
	}
	if parent == "" {
		return k
	}
	return parent + "." + k
}

// nearest returns the name closest to k when it is close enough to be what was meant: an
// edit or two away (a swapped pair counts as one), a different case or dash, or k cut short.
func nearest(k string, names []string) string {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	nk := norm(k)
	best, bestD := "", 0
	for _, n := range slices.Sorted(slices.Values(names)) {
		nn := norm(n)
		dist := editDistance(nk, nn)
		if len(nk) >= 4 && (strings.HasPrefix(nn, nk) || strings.HasPrefix(nk, nn)) {
			dist = min(dist, 1)
		}
		if dist > max(1, len(nk)/3) {
			continue
		}
		if best == "" || dist < bestD {
			best, bestD = n, dist
		}
	}
	return best
}

// editDistance is the optimal string alignment distance: insertions, deletions, substitutions
// and swaps of neighbours each cost one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
