package app

import (
	"reflect"
	"strconv"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
)

// Tables of sections. Config.Platforms and Config.Providers are maps keyed by registered
// name whose values are each integration's own section type, which only its descriptor
// knows. The decoder, the problems' places and `check -v` read such a map as a table whose
// keys are the registered names, each of the type its descriptor's Config returns, so a
// section of a new vendor or platform is read, checked and printed with no field here.

// sectionDef is one key of a table of sections: a registered name and the type of its
// section (a pointer to a struct).
type sectionDef struct {
	name string
	typ  reflect.Type
}

// sectionKinds are the map types that hold sections, and the keys each takes, in registry
// order.
var sectionKinds = map[reflect.Type]func() []sectionDef{
	reflect.TypeFor[map[string]bot.PlatformSection](): func() []sectionDef {
		var out []sectionDef
		for _, p := range platformRegistry {
			if p.Config != nil {
				out = append(out, sectionDef{p.Name, reflect.TypeOf(p.Config())})
			}
		}
		return out
	},
	reflect.TypeFor[map[string]providers.Section](): func() []sectionDef {
		var out []sectionDef
		for _, v := range vendorRegistry.All() {
			if v.Config != nil {
				out = append(out, sectionDef{v.Name, reflect.TypeOf(v.Config())})
			}
		}
		return out
	},
}

// isSections reports whether t is a table of sections.
func isSections(t reflect.Type) bool {
	_, ok := sectionKinds[t]
	return ok
}

// sectionFields are the keys a table of sections takes; index leads from the value being
// decoded to the map (nil when that value is the map itself).
func sectionFields(t reflect.Type, index []int) []field {
	var out []field
	for _, s := range sectionKinds[t]() {
		out = append(out, field{name: s.name, index: index, section: s.typ})
	}
	return out
}

// sectionTarget is where a section's value is decoded: a new value of its own type, stored
// in the map by commit once decoded, whatever its problems (a section of the wrong shape
// still counts as present, so that "no platform is configured" does not follow its report).
func sectionTarget(m reflect.Value, f field) (reflect.Value, func()) {
	p := reflect.New(f.section.Elem())
	return p.Elem(), func() {
		if m.IsNil() {
			m.Set(reflect.MakeMap(m.Type()))
		}
		m.SetMapIndex(reflect.ValueOf(f.name), p)
	}
}

// printable is v as `check -v` prints it: a struct that holds tables of sections becomes a
// struct whose fields are its keys in the decoder's order, each section under its registered
// name, in registry order (the TOML encoder sorts a map's keys, and cannot lift a map's
// entries into the table around it). Anything else is v itself.
func printable(v reflect.Value) reflect.Value {
	t := v.Type()
	if !isSections(t) && (t.Kind() != reflect.Struct || !holdsSections(t)) {
		return v
	}
	var fields []reflect.StructField
	var values []reflect.Value
	for _, f := range tableFields(t) {
		var fv reflect.Value
		tag := reflect.StructTag(`toml:"` + f.name + `"`)
		if f.section != nil {
			m := v
			if f.index != nil {
				m = v.FieldByIndex(f.index)
			}
			fv = m.MapIndex(reflect.ValueOf(f.name))
			if !fv.IsValid() || fv.IsNil() {
				continue
			}
			fv = fv.Elem()
		} else {
			sf := t.FieldByIndex(f.index)
			fv, tag = v.FieldByIndex(f.index), sf.Tag
			if isSections(sf.Type) && fv.Len() == 0 {
				continue
			}
			fv = printable(fv)
		}
		fields = append(fields, reflect.StructField{Name: "F" + strconv.Itoa(len(fields)), Type: fv.Type(), Tag: tag})
		values = append(values, fv)
	}
	out := reflect.New(reflect.StructOf(fields)).Elem()
	for i, fv := range values {
		out.Field(i).Set(fv)
	}
	return out
}

// holdsSections reports whether the struct t has a table of sections among its fields.
func holdsSections(t reflect.Type) bool {
	for i := range t.NumField() {
		if isSections(t.Field(i).Type) {
			return true
		}
	}
	return false
}
