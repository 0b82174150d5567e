package bot

import (
	"context"
	"errors"
)

// What a platform can do beyond the Platform methods is asked one way: Can says what it can
// do, and the functions below do it (or answer ErrUnsupported). The optional interfaces
// (FeatureReporter, FileFetcher, TokenUpdater, Prober, MessageReader) are what a platform implements; the
// core never asserts them itself, so a capability is discovered in this one file and nowhere
// else.

// ErrUnsupported is the answer of an optional operation the platform lacks.
var ErrUnsupported = errors.New("bot: the platform cannot do this")

// Can is everything p can do: its cards' features and the optional operations it
// implements.
func Can(p Platform) Features {
	f := Features{Forms: true, Threads: true, Confirm: true, Mentions: true}
	if fr, ok := p.(FeatureReporter); ok {
		f = fr.Features()
	}
	_, f.Files = p.(FileFetcher)
	_, f.LateUpdate = p.(TokenUpdater)
	_, f.Read = p.(MessageReader)
	return f
}

// FetchFile downloads what a person sent, where p can (Can(p).Files).
func FetchFile(ctx context.Context, p Platform, messageID string, f FileRef, max int64) ([]byte, error) {
	if ff, ok := p.(FileFetcher); ok {
		return ff.FetchFile(ctx, messageID, f, max)
	}
	return nil, ErrUnsupported
}

// UpdateByToken updates a clicked card with the click's own token, where p can
// (Can(p).LateUpdate).
func UpdateByToken(ctx context.Context, p Platform, token string, card []byte) error {
	if tu, ok := p.(TokenUpdater); ok {
		return tu.UpdateByToken(ctx, token, card)
	}
	return ErrUnsupported
}

// Probe makes p's harmless authenticated calls, where p has them (Prober); elsewhere it
// answers ErrUnsupported. A Prober that cannot be checked from our side in its configured
// mode answers an error that matches ErrUnsupported and says why.
func Probe(ctx context.Context, p Platform) (call string, err error) {
	if pr, ok := p.(Prober); ok {
		return pr.Probe(ctx)
	}
	return "", ErrUnsupported
}

// ReadMessage reads a message of a chat by its id, where p can (Can(p).Read).
func ReadMessage(ctx context.Context, p Platform, messageID string) (Quoted, error) {
	if r, ok := p.(MessageReader); ok {
		return r.ReadMessage(ctx, messageID)
	}
	return Quoted{}, ErrUnsupported
}
