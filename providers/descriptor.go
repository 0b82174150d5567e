package providers

import (
	"fmt"
	"strings"
	"time"
)

// Descriptor is everything the core knows of a vendor: its package contributes it, the app
// registers it (one line), and commands, sentences and cards read it from the Registry. The
// core names no vendor.
type Descriptor struct {
	// Name is the short name in commands, ticket refs, config ([providers.<name>]) and
	// [[users]] ids: its folder's name.
	Name string
	// Label and LabelEN are the vendor's name as our users know it, in Chinese and in English.
	Label, LabelEN string
	// Aliases are other names people write for it (matched without case): a brand, a Chinese name.
	Aliases []string
	// StaffSide and OwnSide name who wrote a note, in the vendor's own words where it has
	// them (one vendor: 小二 and 用户); empty means 客服 and 我方.
	StaffSide, OwnSide string
	// AutoClose is how long the vendor leaves a ticket in a state that waits on the customer
	// before it closes the ticket by itself, where the vendor documents it (with the
	// document's address beside the value): a reminder says about how long is left. A state
	// the vendor documents no such rule for is absent, and nothing is said: never guessed.
	AutoClose map[Status]time.Duration
	// Links are the vendor's console pages of a ticket, as people paste them into a chat: a
	// pasted link becomes the ticket's card (ticket links, refs.go).
	Links []TicketLink
	// LegacyUserKey is the [[users]] key that held a person's id at this vendor before
	// ids = {…} ("<vendor>_creator_id"): still read, and check says how to rewrite it.
	LegacyUserKey string
	// Config returns a new, empty section of the vendor's own type (a pointer), which the
	// app decodes [providers.<name>] into: so adding a vendor needs no field in the app.
	Config func() Section
	// New builds the vendor's Provider from a section Config returned, defaults filled in
	// and checked.
	New func(cfg Section, env Env) (Provider, error)
}

// Registry is the vendors this build knows, in the order answers list them. It is built once
// by the app and read concurrently.
type Registry struct {
	list   []Descriptor
	byWord map[string]int // lower-case name or alias → index
}

// NewRegistry registers ds. A name or alias given twice is a wiring mistake and an error.
func NewRegistry(ds ...Descriptor) (*Registry, error) {
	r := &Registry{byWord: map[string]int{}}
	for _, d := range ds {
		if d.Name == "" || d.Name != strings.ToLower(d.Name) {
			return nil, fmt.Errorf("providers: vendor name %q must be lower-case and not empty", d.Name)
		}
		for _, w := range append([]string{d.Name}, d.Aliases...) {
			lw := strings.ToLower(w)
			if i, dup := r.byWord[lw]; dup {
				return nil, fmt.Errorf("providers: %q names both %s and %s", w, r.list[i].Name, d.Name)
			}
			r.byWord[lw] = len(r.list)
		}
		r.list = append(r.list, d)
	}
	return r, nil
}

// MustRegistry is NewRegistry for the app's fixed list, where an error is a bug.
func MustRegistry(ds ...Descriptor) *Registry {
	r, err := NewRegistry(ds...)
	if err != nil {
		panic(err)
	}
	return r
}

// All lists the vendors in registration order.
func (r *Registry) All() []Descriptor {
	if r == nil {
		return nil
	}
	return append([]Descriptor(nil), r.list...)
}

// Get finds a vendor by its name. A nil registry knows none.
func (r *Registry) Get(name string) (Descriptor, bool) {
	if r == nil {
		return Descriptor{}, false
	}
	if i, ok := r.byWord[name]; ok && r.list[i].Name == name {
		return r.list[i], true
	}
	return Descriptor{}, false
}

// Lookup finds the vendor a person meant by a name or alias, in any case.
func (r *Registry) Lookup(word string) (Descriptor, bool) {
	if r == nil {
		return Descriptor{}, false
	}
	if i, ok := r.byWord[strings.ToLower(word)]; ok {
		return r.list[i], true
	}
	return Descriptor{}, false
}

// Label is the vendor's name for people (English when en), or name itself when unknown.
func (r *Registry) Label(name string, en bool) string {
	d, ok := r.Get(name)
	switch {
	case !ok:
		return name
	case en:
		return d.LabelEN
	}
	return d.Label
}

// NoteSide names who wrote a note at the vendor: its staff (official) or our side.
func (r *Registry) NoteSide(name string, official bool) string {
	d, _ := r.Get(name)
	switch {
	case official && d.StaffSide != "":
		return d.StaffSide
	case official:
		return "客服"
	case d.OwnSide != "":
		return d.OwnSide
	}
	return "我方"
}
