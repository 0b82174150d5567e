package bot

import (
	"context"
	"errors"
	"testing"
)

// cardless is a platform whose cards have no forms, threads or dialogs.
type cardless struct{ recPlatform }

func (*cardless) Features() Features { return Features{} }

// able is a platform with the optional operations.
type able struct {
	recPlatform
	fetched, token string
}

func (a *able) FetchFile(_ context.Context, messageID string, f FileRef, _ int64) ([]byte, error) {
	a.fetched = messageID + "/" + f.Key
	return []byte("data"), nil
}

func (a *able) UpdateByToken(_ context.Context, token string, _ []byte) error {
	a.token = token
	return nil
}

// Can reports a platform's card features (all, unless it says otherwise) and its optional
// operations; the functions do them where it can and answer ErrUnsupported where it cannot.
func TestCanAndOptionalPlatformOperations(t *testing.T) {
	ctx := context.Background()
	plain := &recPlatform{}
	if got := Can(plain); got != (Features{Forms: true, Threads: true, Confirm: true, Mentions: true}) {
		t.Errorf("Can(plain) = %+v", got)
	}
	if got := Can(&cardless{}); got != (Features{}) {
		t.Errorf("Can(cardless) = %+v", got)
	}
	if _, err := FetchFile(ctx, plain, "m", FileRef{Key: "k"}, 1); !errors.Is(err, ErrUnsupported) {
		t.Errorf("FetchFile on a plain platform: %v", err)
	}
	if err := UpdateByToken(ctx, plain, "t", nil); !errors.Is(err, ErrUnsupported) {
		t.Errorf("UpdateByToken on a plain platform: %v", err)
	}

	a := &able{}
	if got := Can(a); got != (Features{Forms: true, Threads: true, Confirm: true, Mentions: true, Files: true, LateUpdate: true}) {
		t.Errorf("Can(able) = %+v", got)
	}
	if b, err := FetchFile(ctx, a, "m1", FileRef{Key: "img"}, 10); err != nil || string(b) != "data" || a.fetched != "m1/img" {
		t.Errorf("FetchFile = %q, %v (fetched %q)", b, err, a.fetched)
	}
	if err := UpdateByToken(ctx, a, "tok", []byte("{}")); err != nil || a.token != "tok" {
		t.Errorf("UpdateByToken = %v (token %q)", err, a.token)
	}
}
