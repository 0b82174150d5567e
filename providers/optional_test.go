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
