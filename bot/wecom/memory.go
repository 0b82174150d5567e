package wecom

import (
	"sync"
	"time"
)

// This file is what the platform remembers between a callback and its answers: the
// response_url of each HTTP callback (by msgid and by chat), and over the long connection the
// req_id of each message and of each card's latest click. All of it is short-lived and
// bounded; none of it survives a restart, which only costs a reply going through the robot or
// aibot_send_msg instead.

const (
	// responseURLTTL is how long a response_url is used: WeCom honours it for an hour
	// (DOC 101138); a minute less leaves room for a slow send.
	responseURLTTL = time.Hour - time.Minute
	// maxResponseURLs bounds the memory under a flood of callbacks: the oldest go first.
	maxResponseURLs = 100_000
	// perChatURLs bounds the unused URLs kept for one chat; Send takes the newest.
	perChatURLs = 32
	// respondWindow is how long after a message its req_id answers it over the long
	// connection. A stream must finish within 6 minutes (DOC 101463); we stay inside that.
	respondWindow = 5 * time.Minute
	// clickUpdateWindow is how long after a click its card may be updated (DOC 101463:
	// aibot_respond_update_msg within 5 s); a little is kept back for the network.
	clickUpdateWindow = 4500 * time.Millisecond
	// maxRemembered bounds the long connection's req_id maps.
	maxRemembered = 100_000
)

// responseURL is one callback's response_url: one POST, within the hour.
type responseURL struct {
	msgID   string
	chat    string
	url     string
	expires time.Time
	used    bool
}

// responseURLs remembers unused response_urls by msgid (for Reply) and by chat (for Send).
// Taking one marks it used, atomically, so two sends never share a URL. Safe for concurrent
// use.
type responseURLs struct {
	ttl time.Duration
	max int

	mu     sync.Mutex
	byMsg  map[string]*responseURL
	byChat map[string][]*responseURL // oldest first
	queue  []*responseURL            // insertion order = expiry order
	head   int
}

func newResponseURLs(ttl time.Duration, max int) *responseURLs {
	return &responseURLs{
		ttl:    ttl,
		max:    max,
		byMsg:  map[string]*responseURL{},
		byChat: map[string][]*responseURL{},
	}
}

// add remembers the response_url of message msgID in chat, received at now. It reports false,
// changing nothing, when msgID is already known: a redelivered callback must not make a used
// URL look fresh.
func (s *responseURLs) add(now time.Time, msgID, chat, url string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(now)
	if _, ok := s.byMsg[msgID]; ok || msgID == "" || url == "" {
		return false
	}
	e := &responseURL{msgID: msgID, chat: chat, url: url, expires: now.Add(s.ttl)}
	s.byMsg[msgID] = e
	list := append(s.byChat[chat], e)
	if len(list) > perChatURLs {
		list = list[len(list)-perChatURLs:]
	}
	s.byChat[chat] = list
	s.queue = append(s.queue, e)
	for len(s.queue)-s.head > s.max {
		s.evict()
	}
	return true
}

// forget drops msgID's URL, for a callback that was refused (WeCom delivers it again).
func (s *responseURLs) forget(msgID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.byMsg[msgID]; ok {
		e.used = true // the queue drops it when its time comes
		delete(s.byMsg, msgID)
		s.dropFromChat(e)
	}
}

// takeMsg returns msgID's URL if it is unused and still valid, marking it used.
func (s *responseURLs) takeMsg(now time.Time, msgID string) (*responseURL, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.byMsg[msgID]
	if !ok || e.used || !now.Before(e.expires) {
		return nil, false
	}
	e.used = true
	s.dropFromChat(e)
	return e, true
}

// takeChat returns the newest unused, valid URL of chat, marking it used.
func (s *responseURLs) takeChat(now time.Time, chat string) (*responseURL, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.byChat[chat]
	for i := len(list) - 1; i >= 0; i-- {
		e := list[i]
		if e.used || !now.Before(e.expires) {
			continue
		}
		e.used = true
		s.dropFromChat(e)
		return e, true
	}
	return nil, false
}

// release gives back a URL taken but not posted to (the sender gave up waiting).
func (s *responseURLs) release(now time.Time, e *responseURL) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !e.used || !now.Before(e.expires) || s.byMsg[e.msgID] != e {
		return
	}
	e.used = false
	list := append(s.byChat[e.chat], e)
	if len(list) > perChatURLs {
		list = list[len(list)-perChatURLs:]
	}
	s.byChat[e.chat] = list
}

// chatOf returns the chat of message msgID, if it is remembered.
func (s *responseURLs) chatOf(msgID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.byMsg[msgID]
	if !ok {
		return "", false
	}
	return e.chat, true
}

// sweep drops the expired entries at the head of the queue.
func (s *responseURLs) sweep(now time.Time) {
	for s.head < len(s.queue) && !now.Before(s.queue[s.head].expires) {
		s.evict()
	}
}

// evict drops the oldest entry.
func (s *responseURLs) evict() {
	e := s.queue[s.head]
	s.queue[s.head] = nil
	s.head++
	if s.head > len(s.queue)/2 && s.head > 64 {
		s.queue = append([]*responseURL(nil), s.queue[s.head:]...)
		s.head = 0
	}
	if s.byMsg[e.msgID] == e {
		delete(s.byMsg, e.msgID)
	}
	s.dropFromChat(e)
}

// dropFromChat removes e from its chat's list, deleting the list when it empties.
func (s *responseURLs) dropFromChat(e *responseURL) {
	list := s.byChat[e.chat]
	for i, x := range list {
		if x == e {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(s.byChat, e.chat)
	} else {
		s.byChat[e.chat] = list
	}
}

// ttlMap is a small map whose entries expire a fixed time after they were put, bounded in
// size (the oldest go first). Safe for concurrent use.
type ttlMap[V any] struct {
	ttl time.Duration
	max int

	mu    sync.Mutex
	m     map[string]*ttlEntry[V]
	queue []*ttlEntry[V]
	head  int
}

type ttlEntry[V any] struct {
	key     string
	at      time.Time
	expires time.Time
	v       V
}

func newTTLMap[V any](ttl time.Duration, max int) *ttlMap[V] {
	return &ttlMap[V]{ttl: ttl, max: max, m: map[string]*ttlEntry[V]{}}
}

// put sets key to v as of now, replacing an older value.
func (t *ttlMap[V]) put(now time.Time, key string, v V) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweep(now)
	e := &ttlEntry[V]{key: key, at: now, expires: now.Add(t.ttl), v: v}
	t.m[key] = e
	t.queue = append(t.queue, e)
	for len(t.queue)-t.head > t.max {
		t.pop()
	}
}

// take returns key's value if it has not expired and f (if not nil) accepts it; f may change
// the value in place (mark it used) under the lock.
func (t *ttlMap[V]) take(now time.Time, key string, f func(v *V) bool) (V, time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var zero V
	e, ok := t.m[key]
	if !ok || !now.Before(e.expires) {
		return zero, time.Time{}, false
	}
	if f != nil && !f(&e.v) {
		return zero, time.Time{}, false
	}
	return e.v, e.at, true
}

func (t *ttlMap[V]) sweep(now time.Time) {
	for t.head < len(t.queue) && !now.Before(t.queue[t.head].expires) {
		t.pop()
	}
}

func (t *ttlMap[V]) pop() {
	e := t.queue[t.head]
	t.queue[t.head] = nil
	t.head++
	if t.head > len(t.queue)/2 && t.head > 64 {
		t.queue = append([]*ttlEntry[V](nil), t.queue[t.head:]...)
		t.head = 0
	}
	if t.m[e.key] == e {
		delete(t.m, e.key)
	}
}
