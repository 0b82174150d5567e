package command

import (
	"context"
	"errors"
	"slices"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// Who a person is at a vendor comes from, in this order: the configuration's [[users]] (an
// operator's word wins), the person's own binding (绑定), else nobody: the vendor's configured
// default identity acts, and the person is told so once.

// identitySource says where a person's vendor identity comes from.
type identitySource int

const (
	asDefault identitySource = iota // neither: the vendor's configured default acts
	fromConfig
	fromBinding
)

// vendorIdentity is who the person is at one vendor.
type vendorIdentity struct {
	id     string // "" when asDefault
	name   string // the vendor's name for them, where a binding looked it up
	source identitySource
}

// person finds the [[users]] entry of the one acting.
func (e *Env) person(r *req) *User { return e.userByID(r.platform, r.userID) }

// userByID finds the [[users]] entry of a platform user.
func (e *Env) userByID(platform, userID string) *User {
	for i := range e.Users {
		u := &e.Users[i]
		if id := u.IDs[platform]; id != "" && id == userID {
			return u
		}
	}
	return nil
}

// identityOf is who the platform user is at a vendor.
func (e *Env) identityOf(ctx context.Context, platform, userID, provider string) (vendorIdentity, error) {
	if u := e.userByID(platform, userID); u != nil && u.VendorID(provider) != "" {
		return vendorIdentity{id: u.VendorID(provider), source: fromConfig}, nil
	}
	if e.Identities == nil {
		return vendorIdentity{}, nil
	}
	b, err := e.Identities.BindingOf(ctx, platform, userID, provider)
	switch {
	case err == nil:
		return vendorIdentity{id: b.VendorID, name: b.VendorName, source: fromBinding}, nil
	case errors.Is(err, store.ErrNotFound):
		return vendorIdentity{}, nil
	}
	return vendorIdentity{}, err
}

// actor maps the person to their identity at a provider, for a write. Acting as the vendor's
// configured default where the vendor has per-person identities is noted on r: the person is
// told once (tellDefaults), after the command.
func (e *Env) actor(ctx context.Context, r *req, provider string) (providers.Actor, error) {
	a := providers.Actor{Name: r.userName}
	if u := e.person(r); u != nil && u.Name != "" {
		a.Name = u.Name
	}
	id, err := e.identityOf(ctx, r.platform, r.userID, provider)
	if err != nil {
		return a, err
	}
	a.VendorID = id.id
	if id.source == asDefault && !slices.Contains(r.asDefault, provider) {
		if p, ok := e.Providers.Provider(provider); ok && providers.Can(p).Identity {
			r.asDefault = append(r.asDefault, provider)
		}
	}
	return a, nil
}

// tellDefaults adds to a command's answer, the first time only, that the person acted as a
// vendor's configured default identity and how to act as themselves. A store that cannot
// say whether they were told says nothing: a missed hint is better than one at every command.
func (e *Env) tellDefaults(ctx context.Context, r *req, o *outcome) {
	for _, provider := range r.asDefault {
		first, err := e.Identities.TellDefault(ctx, r.platform, r.userID, provider, e.Now())
		if err != nil {
			e.Log.Warn("note the default identity told", "provider", provider, "err", err)
			continue
		}
		if !first {
			continue
		}
		p, _ := e.Providers.Provider(provider)
		kind := providers.IdentityNoun(p)
		noun := kind.Zh
		if r.en {
			noun = kind.En
		}
		note := e.text(r.en, "acted_as_default", "vendor", e.Vendors.Label(provider, r.en), "name", provider,
			"noun", noun, "example", kind.Example)
		if o.ticket != nil {
			o.footer = joinLines(o.footer, note)
		} else {
			o.text = joinLines(o.text, note)
		}
	}
}

// joinLines joins two texts by a line break, either of which may be empty.
func joinLines(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n" + b
}
