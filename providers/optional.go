package providers

import (
	"context"
	"time"
)

// What a vendor can do beyond the Provider methods is asked one way: Can says what it can do,
// and the functions below do it (or answer ErrUnsupported), the way io.Copy finds a
// WriterTo. The optional interfaces (BatchGetter, Attacher, ReplyAttacher, SecretReplier,
// SecretCreator, CreatedFinder, ChangeFinder, Prober, Identifier, Reopener, Rejecter,
// Transferrer, Explainer, Fielder, Searcher, Lister) are what a vendor implements; the core never
// asserts them itself, so a capability is discovered in this one file and nowhere else.

// Can is everything p can do: what it declares (Capabilities) and the optional operations
// it implements.
func Can(p Provider) Capabilities {
	c := p.Capabilities()
	_, c.Batch = p.(BatchGetter)
	_, c.Files = p.(Attacher)
	_, c.ReplyFiles = p.(ReplyAttacher)
	_, c.SecretReply = p.(SecretReplier)
	_, c.SecretCreate = p.(SecretCreator)
	_, c.FindCreated = p.(CreatedFinder)
	_, c.FindChanged = p.(ChangeFinder)
	_, c.Identity = p.(Identifier)
	// A transition needs both: the method, and the vendor saying its configuration has it.
	_, ok := p.(Reopener)
	c.Reopen = c.Reopen && ok
	_, ok = p.(Rejecter)
	c.Reject = c.Reject && ok
	_, ok = p.(Transferrer)
	c.Transfer = c.Transfer && ok
	_, ok = p.(Searcher)
	c.Search = c.Search && ok
	_, c.List = p.(Lister)
	return c
}

// ListFilters are the filters p's list applies (Lister); none where p cannot list.
func ListFilters(p Provider) []ListFilter {
	if l, ok := p.(Lister); ok {
		return l.ListFilters()
	}
	return nil
}

// ListPageSize is the largest page p's list returns; 0 where p cannot list.
func ListPageSize(p Provider) int {
	if l, ok := p.(Lister); ok {
		return l.ListPageSize()
	}
	return 0
}

// ListTickets lists one page of p's tickets matching q where p can (Can(p).List).
func ListTickets(ctx context.Context, p Provider, q ListQuery) ([]Ticket, int64, error) {
	if l, ok := p.(Lister); ok {
		return l.ListTickets(ctx, q)
	}
	return nil, 0, ErrUnsupported
}

// Search lists one page of the vendor's tickets that hold keyword where p can
// (Can(p).Search); elsewhere it answers why not (Unsupported).
func Search(ctx context.Context, p Provider, keyword string, page, size int) ([]Ticket, int64, error) {
	if s, ok := p.(Searcher); ok && Can(p).Search {
		return s.Search(ctx, keyword, page, size)
	}
	return nil, 0, Unsupported(p, OpSearch)
}

// Reopen reopens a closed ticket where p can (Can(p).Reopen); elsewhere it answers why not
// (Unsupported).
func Reopen(ctx context.Context, p Provider, id string, r ReopenRequest) error {
	if o, ok := p.(Reopener); ok && Can(p).Reopen {
		return o.Reopen(ctx, id, r)
	}
	return Unsupported(p, OpReopen)
}

// Reject rejects the vendor's assignment of a ticket where p can (Can(p).Reject); elsewhere
// it answers why not (Unsupported).
func Reject(ctx context.Context, p Provider, id string, r RejectRequest) error {
	if o, ok := p.(Rejecter); ok && Can(p).Reject {
		return o.Reject(ctx, id, r)
	}
	return Unsupported(p, OpReject)
}

// Transfer hands a ticket to another handler where p can (Can(p).Transfer); elsewhere it
// answers why not (Unsupported).
func Transfer(ctx context.Context, p Provider, id string, r TransferRequest) error {
	if o, ok := p.(Transferrer); ok && Can(p).Transfer {
		return o.Transfer(ctx, id, r)
	}
	return Unsupported(p, OpTransfer)
}

// Unsupported is the error for an operation p cannot do: the vendor's own reason where it
// gives one (Explainer), else ErrUnsupported.
func Unsupported(p Provider, op string) error {
	if x, ok := p.(Explainer); ok {
		if e := x.Unsupported(op); e != nil {
			return e
		}
	}
	return ErrUnsupported
}

// CreateFields lists p's own fields of a new ticket; none where it has none.
func CreateFields(p Provider) []Field {
	if f, ok := p.(Fielder); ok {
		return f.CreateFields()
	}
	return nil
}

// FieldChoices lists the current choices of one of p's fields (Fielder), or answers
// ErrUnsupported for a vendor without fields of its own.
func FieldChoices(ctx context.Context, p Provider, field, parent string) ([]Choice, error) {
	if f, ok := p.(Fielder); ok {
		return f.FieldChoices(ctx, field, parent)
	}
	return nil, ErrUnsupported
}

// GetMany refreshes many tickets in one call where p can (Can(p).Batch).
func GetMany(ctx context.Context, p Provider, ids []string) ([]Ticket, error) {
	if b, ok := p.(BatchGetter); ok {
		return b.GetMany(ctx, ids)
	}
	return nil, ErrUnsupported
}

// FileLimits are p's limits on files per ticket or reply and bytes per file; zero where p
// takes no files.
func FileLimits(p Provider) (maxFiles int, maxBytes int64) {
	if a, ok := p.(Attacher); ok {
		return a.FileLimits()
	}
	return 0, 0
}

// CreateWithFiles files a new ticket with files attached where p can (Can(p).Files).
func CreateWithFiles(ctx context.Context, p Provider, r CreateRequest, files []File) (Ticket, error) {
	if a, ok := p.(Attacher); ok {
		return a.CreateWithFiles(ctx, r, files)
	}
	return Ticket{}, ErrUnsupported
}

// ReplyWithFiles replies with files attached where p can (Can(p).ReplyFiles).
func ReplyWithFiles(ctx context.Context, p Provider, id string, r Reply, files []File) error {
	if a, ok := p.(ReplyAttacher); ok {
		return a.ReplyWithFiles(ctx, id, r, files)
	}
	return ErrUnsupported
}

// ReplySecret writes confidential content to a ticket where p can (Can(p).SecretReply).
func ReplySecret(ctx context.Context, p Provider, id, text string, actor Actor) error {
	if s, ok := p.(SecretReplier); ok {
		return s.ReplySecret(ctx, id, text, actor)
	}
	return ErrUnsupported
}

// CreateSecret files a ticket with confidential content where p can (Can(p).SecretCreate).
func CreateSecret(ctx context.Context, p Provider, r CreateRequest, secret Secret) (Ticket, error) {
	if s, ok := p.(SecretCreator); ok {
		return s.CreateSecret(ctx, r, secret)
	}
	return Ticket{}, ErrUnsupported
}

// FindCreated looks for a ticket of this title created since, where p can search
// (Can(p).FindCreated); elsewhere it answers ErrUnsupported and the caller cannot tell.
func FindCreated(ctx context.Context, p Provider, title string, since time.Time) (Ticket, bool, error) {
	if f, ok := p.(CreatedFinder); ok {
		return f.FindCreated(ctx, title, since)
	}
	return Ticket{}, false, ErrUnsupported
}

// MayHaveChanged returns the ids among seen that may have changed, where p can tell
// (Can(p).FindChanged); elsewhere it answers ErrUnsupported and every ticket must be read.
func MayHaveChanged(ctx context.Context, p Provider, seen []Seen) ([]string, error) {
	if f, ok := p.(ChangeFinder); ok {
		return f.MayHaveChanged(ctx, seen)
	}
	return nil, ErrUnsupported
}

// Probe makes p's harmless authenticated call, where p has one (Prober); elsewhere it
// answers ErrUnsupported and the configuration can be checked only offline.
func Probe(ctx context.Context, p Provider) (call string, err error) {
	if pr, ok := p.(Prober); ok {
		return pr.Probe(ctx)
	}
	return "", ErrUnsupported
}

// CheckIdentity checks that id can be a person's identity at p, where p acts as people's own
// identities (Can(p).Identity); elsewhere it answers ErrUnsupported: p acts as one account.
func CheckIdentity(ctx context.Context, p Provider, id string) (Identity, error) {
	if i, ok := p.(Identifier); ok {
		return i.CheckIdentity(ctx, id)
	}
	return Identity{}, ErrUnsupported
}

// IdentityNoun names what a person's identity at p is called ("长工号"), where Can(p).Identity.
func IdentityNoun(p Provider) IdentityKind {
	if i, ok := p.(Identifier); ok {
		return i.IdentityKind()
	}
	return IdentityKind{}
}
