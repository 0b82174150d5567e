package providers_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/providers"
)

// plain is a vendor with only the Provider methods.
type plain struct{ calls []string }

func (p *plain) Name() string { return "plain" }
func (p *plain) Capabilities() providers.Capabilities {
	return providers.Capabilities{Create: true, Reply: true, Notes: true}
}
func (p *plain) Create(context.Context, providers.CreateRequest) (providers.Ticket, error) {
	return providers.Ticket{}, nil
}
func (p *plain) Get(context.Context, string) (providers.Ticket, error) {
	return providers.Ticket{}, nil
}
func (p *plain) Reply(context.Context, string, providers.Reply) error        { return nil }
func (p *plain) Close(context.Context, string, providers.CloseRequest) error { return nil }
func (p *plain) Notes(context.Context, string) ([]providers.Note, error)     { return nil, nil }
func (p *plain) record(op string)                                            { p.calls = append(p.calls, op) }

// full is a vendor that implements every optional interface.
type full struct{ plain }

func (f *full) GetMany(_ context.Context, ids []string) ([]providers.Ticket, error) {
	f.record("GetMany")
	return []providers.Ticket{{ID: ids[0]}}, nil
}
func (f *full) FileLimits() (int, int64) { return 5, 10 << 20 }
func (f *full) CreateWithFiles(context.Context, providers.CreateRequest, []providers.File) (providers.Ticket, error) {
	f.record("CreateWithFiles")
	return providers.Ticket{ID: "F"}, nil
}
func (f *full) ReplyWithFiles(context.Context, string, providers.Reply, []providers.File) error {
	f.record("ReplyWithFiles")
	return nil
}
func (f *full) ReplySecret(context.Context, string, string, providers.Actor) error {
	f.record("ReplySecret")
	return nil
}
func (f *full) CreateSecret(context.Context, providers.CreateRequest, providers.Secret) (providers.Ticket, error) {
	f.record("CreateSecret")
	return providers.Ticket{ID: "S"}, nil
}
func (f *full) FindCreated(context.Context, string, time.Time) (providers.Ticket, bool, error) {
	f.record("FindCreated")
	return providers.Ticket{ID: "C"}, true, nil
}

func (f *full) MayHaveChanged(_ context.Context, seen []providers.Seen) ([]string, error) {
	f.record("MayHaveChanged")
	return nil, nil
}

func (f *full) CheckIdentity(_ context.Context, id string) (providers.Identity, error) {
	f.record("CheckIdentity")
	return providers.Identity{ID: id}, nil
}

func (f *full) IdentityKind() providers.IdentityKind { return providers.IdentityKind{Zh: "工号"} }

// Can reports the declared capabilities and the optional operations a vendor implements; the
// functions do them where it can and answer ErrUnsupported where it cannot.
func TestCanAndOptionalOperations(t *testing.T) {
	ctx := context.Background()
	run := func(p providers.Provider) []error {
		_, e1 := providers.GetMany(ctx, p, []string{"1"})
		_, e2 := providers.CreateWithFiles(ctx, p, providers.CreateRequest{}, nil)
		e3 := providers.ReplyWithFiles(ctx, p, "1", providers.Reply{}, nil)
		e4 := providers.ReplySecret(ctx, p, "1", "pw", providers.Actor{})
		_, e5 := providers.CreateSecret(ctx, p, providers.CreateRequest{}, "pw")
		_, _, e6 := providers.FindCreated(ctx, p, "t", time.Now())
		_, e7 := providers.MayHaveChanged(ctx, p, []providers.Seen{{ID: "1"}})
		_, e8 := providers.CheckIdentity(ctx, p, "38361")
		return []error{e1, e2, e3, e4, e5, e6, e7, e8}
	}

	p := &plain{}
	if got := providers.Can(p); got != (providers.Capabilities{Create: true, Reply: true, Notes: true}) {
		t.Errorf("Can(plain) = %+v", got)
	}
	for i, err := range run(p) {
		if !errors.Is(err, providers.ErrUnsupported) {
			t.Errorf("plain: operation %d answered %v, want ErrUnsupported", i, err)
		}
	}
	if n, b := providers.FileLimits(p); n != 0 || b != 0 {
		t.Errorf("plain FileLimits = %d, %d", n, b)
	}

	f := &full{}
	want := providers.Capabilities{Create: true, Reply: true, Notes: true,
		Batch: true, Files: true, ReplyFiles: true, SecretReply: true, SecretCreate: true, FindCreated: true, FindChanged: true,
		Identity: true}
	if got := providers.Can(f); got != want {
		t.Errorf("Can(full) = %+v, want %+v", got, want)
	}
	for i, err := range run(f) {
		if err != nil {
			t.Errorf("full: operation %d answered %v", i, err)
		}
	}
	if wantCalls := []string{"GetMany", "CreateWithFiles", "ReplyWithFiles", "ReplySecret", "CreateSecret", "FindCreated", "MayHaveChanged", "CheckIdentity"}; !slices.Equal(f.calls, wantCalls) {
		t.Errorf("full was called %v, want %v", f.calls, wantCalls)
	}
	if n, b := providers.FileLimits(f); n != 5 || b != 10<<20 {
		t.Errorf("full FileLimits = %d, %d", n, b)
	}
}

// mover implements every transition; declared says which its configuration has.
type mover struct {
	plain
	declared providers.Capabilities
}

func (m *mover) Capabilities() providers.Capabilities { return m.declared }
func (m *mover) Reopen(context.Context, string, providers.ReopenRequest) error {
	m.record("Reopen")
	return nil
}
func (m *mover) Reject(context.Context, string, providers.RejectRequest) error {
	m.record("Reject")
	return nil
}
func (m *mover) Transfer(context.Context, string, providers.TransferRequest) error {
	m.record("Transfer")
	return nil
}
func (m *mover) Unsupported(op string) *providers.UnsupportedError {
	if op == providers.OpReopen && !m.declared.Reopen {
		return &providers.UnsupportedError{Op: op, Reason: "旧版 API 没有重新打开的接口。"}
	}
	return nil
}

// A transition is done only where the vendor both implements it and declares it; elsewhere
// nothing is called and the answer is the vendor's reason (Explainer), or ErrUnsupported.
func TestTransitions(t *testing.T) {
	ctx := context.Background()
	do := func(p providers.Provider) []error {
		return []error{
			providers.Reopen(ctx, p, "1", providers.ReopenRequest{}),
			providers.Reject(ctx, p, "1", providers.RejectRequest{Reason: "r"}),
			providers.Transfer(ctx, p, "1", providers.TransferRequest{To: "x"}),
		}
	}
	tests := []struct {
		name     string
		p        providers.Provider
		declared providers.Capabilities // what Can must report of the three
		calls    []string
		reason   bool // the refused reopen carries the vendor's reason
	}{
		{"declares without implementing", &plain{}, providers.Capabilities{}, nil, false},
		{"implements and declares", &mover{declared: providers.Capabilities{Reopen: true, Reject: true, Transfer: true}},
			providers.Capabilities{Reopen: true, Reject: true, Transfer: true}, []string{"Reopen", "Reject", "Transfer"}, false},
		{"implements, its configuration lacks reopen", &mover{declared: providers.Capabilities{Reject: true}},
			providers.Capabilities{Reject: true}, []string{"Reject"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := providers.Can(tt.p)
			if c.Reopen != tt.declared.Reopen || c.Reject != tt.declared.Reject || c.Transfer != tt.declared.Transfer {
				t.Errorf("Can = reopen %v reject %v transfer %v, want %+v", c.Reopen, c.Reject, c.Transfer, tt.declared)
			}
			errs := do(tt.p)
			for i, ok := range []bool{c.Reopen, c.Reject, c.Transfer} {
				if ok != (errs[i] == nil) || (!ok && !errors.Is(errs[i], providers.ErrUnsupported)) {
					t.Errorf("transition %d (capable %v) answered %v", i, ok, errs[i])
				}
			}
			var ue *providers.UnsupportedError
			if got := errors.As(errs[0], &ue) && ue.Reason != ""; got != tt.reason {
				t.Errorf("reopen refused with a reason: %v, want %v (%v)", got, tt.reason, errs[0])
			}
			var calls []string
			switch v := tt.p.(type) {
			case *mover:
				calls = v.calls
			case *plain:
				calls = v.calls
			}
			if !slices.Equal(calls, tt.calls) {
				t.Errorf("calls %v, want %v", calls, tt.calls)
			}
		})
	}
}

// lister is a vendor whose list a subscription can use.
type lister struct{ plain }

func (l *lister) ListFilters() []providers.ListFilter {
	return []providers.ListFilter{{Key: providers.FilterStatus, Statuses: []providers.Status{providers.StatusOpen}}}
}
func (l *lister) ListPageSize() int { return 50 }
func (l *lister) ListTickets(_ context.Context, q providers.ListQuery) ([]providers.Ticket, int64, error) {
	l.record("ListTickets")
	return []providers.Ticket{{ID: "L", CreatedAt: q.CreatedFrom}}, 1, nil
}

// Can(p).List is true only for a vendor with a Lister; elsewhere the list functions answer
// nothing, 0 and ErrUnsupported, and call nothing.
func TestCanList(t *testing.T) {
	ctx := context.Background()
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		p        providers.Provider
		can      bool
		filters  int
		pageSize int
	}{
		{"without a list", &plain{}, false, 0, 0},
		{"with one", &lister{}, true, 1, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := providers.Can(tt.p).List; got != tt.can {
				t.Errorf("Can(p).List = %v, want %v", got, tt.can)
			}
			if n := len(providers.ListFilters(tt.p)); n != tt.filters {
				t.Errorf("ListFilters: %d, want %d", n, tt.filters)
			}
			if n := providers.ListPageSize(tt.p); n != tt.pageSize {
				t.Errorf("ListPageSize = %d, want %d", n, tt.pageSize)
			}
			ts, total, err := providers.ListTickets(ctx, tt.p, providers.ListQuery{CreatedFrom: from})
			if tt.can {
				if err != nil || total != 1 || len(ts) != 1 || !ts[0].CreatedAt.Equal(from) {
					t.Errorf("ListTickets = %v, %d, %v", ts, total, err)
				}
			} else if !errors.Is(err, providers.ErrUnsupported) || ts != nil || total != 0 {
				t.Errorf("ListTickets = %v, %d, %v; want ErrUnsupported", ts, total, err)
			}
		})
	}
}
