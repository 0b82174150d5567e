package weiban

import (
	"context"
	"sync"
	"time"
)

// The access token (doc-370558 获取访问凭据): POST /open-api/access_token/get with corp_id and
// secret answers {errcode, errmsg, access_token, expires_in}. The TTL is not documented, so
// the token is kept for expires_in less a margin, and dropped when a call answers 10001.

const (
	tokenPath = "/open-api/access_token/get"
	// defaultTokenTTL is assumed when expires_in is missing (ASSUME: WeCom's 7200 s).
	defaultTokenTTL = 2 * time.Hour
	// maxTokenMargin caps how early a token is renewed; short TTLs renew at 4/5 of their life.
	maxTokenMargin = 5 * time.Minute
	// refreshTimeout bounds a shared refresh, which runs detached from the caller that started
	// it so its cancellation does not fail the other waiters.
	refreshTimeout = 30 * time.Second
)

// tokenSource caches the access token. Concurrent callers that find no valid token share one
// refresh. It is safe for concurrent use.
type tokenSource struct {
	fetch func(ctx context.Context) (token string, ttl time.Duration, err error)
	now   func() time.Time

	mu       sync.Mutex
	token    string
	expires  time.Time
	inflight *refresh
}

// refresh is one token request that several callers wait for.
type refresh struct {
	done  chan struct{}
	token string
	err   error
}

// get returns a valid token, fetching one if needed.
func (s *tokenSource) get(ctx context.Context) (string, error) {
	s.mu.Lock()
	if s.token != "" && s.now().Before(s.expires) {
		tok := s.token
		s.mu.Unlock()
		return tok, nil
	}
	r := s.inflight
	if r == nil {
		r = &refresh{done: make(chan struct{})}
		s.inflight = r
		go s.run(context.WithoutCancel(ctx), r)
	}
	s.mu.Unlock()
	select {
	case <-r.done:
		return r.token, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// run performs the refresh r and publishes its result.
func (s *tokenSource) run(ctx context.Context, r *refresh) {
	ctx, cancel := context.WithTimeout(ctx, refreshTimeout)
	defer cancel()
	tok, ttl, err := s.fetch(ctx)
	s.mu.Lock()
	if err == nil {
		if ttl <= 0 {
			ttl = defaultTokenTTL
		}
		s.token = tok
		s.expires = s.now().Add(ttl - min(ttl/5, maxTokenMargin))
	}
	s.inflight = nil
	s.mu.Unlock()
	r.token, r.err = tok, err
	close(r.done)
}

// invalidate drops the token a call was refused with (10001). A token already replaced by
// another caller's refresh is kept, so N refused callers cause one refresh, not N.
func (s *tokenSource) invalidate(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == tok {
		s.token = ""
	}
}
