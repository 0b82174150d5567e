package providers

import "context"

// Identifier is a vendor that acts as each person's own identity (Actor.VendorID) where the
// bot knows it, and as its configured default identity otherwise: a person binds theirs
// (绑定) so tickets and replies are theirs at the vendor, not the bot's. A vendor that acts as
// one account (an AccessKey's) has no per-person identity and does not implement it.
type Identifier interface {
	// CheckIdentity refuses an id that cannot be a person's identity at the vendor, with
	// ErrInvalidIdentity, and returns it as the vendor writes it. Where the vendor's API can
	// look a person up, it does, and names them.
	CheckIdentity(ctx context.Context, id string) (Identity, error)
	// IdentityKind says what the identity is called and what one looks like.
	IdentityKind() IdentityKind
}

// Identity is a person's identity at a vendor.
type Identity struct {
	ID string
	// Name is the person's name at the vendor, where it could be looked up; else "".
	Name string
	// Checked says the vendor was asked and knows the id; false where only its form could
	// be checked (the vendor has no call that looks a person up).
	Checked bool
}

// IdentityKind names a vendor's identity of a person in both languages, with an example.
type IdentityKind struct {
	Zh, En  string // "长工号", "employee number (长工号)"
	Example string // "38361"
}
