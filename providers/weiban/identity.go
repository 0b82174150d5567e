package weiban

import (
	"context"
	"fmt"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
)

// IdentityKind: Weiban acts as a staff member's staff_id (员工 id, their WeCom userid).
func (p *Provider) IdentityKind() providers.IdentityKind {
	return providers.IdentityKind{Zh: "员工 ID（staff_id）", En: "staff id (staff_id)", Example: "zhangsan"}
}

// CheckIdentity takes a staff_id: a WeCom userid (1 to 64 letters, digits and _ - @ ., the
// first a letter or digit).
// Weiban's open API has no call that looks a staff member up without acting as them, so only
// the form is checked; a wrong id is refused by Weiban at the first write (22304, 员工不存在).
func (p *Provider) CheckIdentity(_ context.Context, id string) (providers.Identity, error) {
	id = strings.TrimSpace(id)
	if id == "" || len(id) > 64 || !alnum(rune(id[0])) || strings.IndexFunc(id, func(r rune) bool {
		return !alnum(r) && !strings.ContainsRune("_-.@", r)
	}) >= 0 {
		return providers.Identity{}, fmt.Errorf("%w: %q is not a Weiban staff_id (a WeCom userid such as zhangsan)", providers.ErrInvalidIdentity, id)
	}
	return providers.Identity{ID: id}, nil
}

func alnum(r rune) bool { return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }
