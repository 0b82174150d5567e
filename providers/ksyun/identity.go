package ksyun

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
)

// IdentityKind: Kingsoft acts as a person's 长工号 (creator_id, closer_id).
func (p *Provider) IdentityKind() providers.IdentityKind {
	return providers.IdentityKind{Zh: "长工号", En: "employee number (长工号)", Example: "38361"}
}

// CheckIdentity takes a 长工号, a positive number. Kingsoft has no call that looks a person
// up; one page of the tickets they created (list_tickets by creator_id) names them when they
// have created any. Having none proves nothing, and the lookup only adds a name: an id is
// refused for its form alone, and a lookup that fails leaves it unchecked, not refused.
func (p *Provider) CheckIdentity(ctx context.Context, id string) (providers.Identity, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	if err != nil || n <= 0 {
		return providers.Identity{}, fmt.Errorf("%w: %q is not a Kingsoft 长工号 (a positive number such as 38361)", providers.ErrInvalidIdentity, id)
	}
	ident := providers.Identity{ID: strconv.FormatInt(n, 10)}
	if ts, _, err := p.list(ctx, ListRequest{Page: 1, PageSize: 1, CreatorID: n}); err == nil && len(ts) > 0 {
		ident.Name, ident.Checked = ts[0].Creator, true
	}
	return ident, nil
}
