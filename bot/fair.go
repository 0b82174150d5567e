package bot

import "sync"

// fair hands the deduped messages to the workers one chat at a time in turn: a chat with a
// backlog (a burst of sixty commands) does not hold up a chat that sent one, which is served
// at the next free worker; each chat's own messages keep their order. A batch is put in
// whole once fewer than max wait, so a burst and the one message behind it land together and
// take turns; while the workers are busy the queue in front fills (its batches grow, the
// durable dedupe takes one round trip for many) and beyond it deliveries get ErrBusy as
// before. It holds at most max plus one batch.
type fair struct {
	mu     sync.Mutex
	cond   *sync.Cond
	chats  map[string][]Message
	turn   []string // chats with messages waiting, in the order they are served
	n, max int
	closed bool
	// drained, if set, is called (without the lock) when a take leaves nothing waiting.
	drained func()
}

func newFair(max int) *fair {
	f := &fair{chats: map[string][]Message{}, max: max}
	f.cond = sync.NewCond(&f.mu)
	return f
}

func chatKey(m Message) string { return m.Platform + "/" + m.ChatID }

// put adds the messages, each behind its chat's earlier ones, once fewer than max wait.
func (f *fair) put(ms ...Message) {
	if len(ms) == 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.n >= f.max && !f.closed {
		f.cond.Wait()
	}
	for _, m := range ms {
		k := chatKey(m)
		if len(f.chats[k]) == 0 {
			f.turn = append(f.turn, k)
		}
		f.chats[k] = append(f.chats[k], m)
		f.n++
	}
	f.cond.Broadcast()
}

// take returns the next chat's oldest message, waiting while there is none; ok is false
// once close was called and everything was taken.
func (f *fair) take() (m Message, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.n == 0 && !f.closed {
		f.cond.Wait()
	}
	if f.n == 0 {
		return Message{}, false
	}
	k := f.turn[0]
	f.turn = f.turn[1:]
	q := f.chats[k]
	m, q = q[0], q[1:]
	if len(q) > 0 {
		f.chats[k] = q
		f.turn = append(f.turn, k) // its next message waits for the other chats' turns
	} else {
		delete(f.chats, k)
	}
	f.n--
	f.cond.Broadcast()
	if f.n == 0 && f.drained != nil {
		defer f.drained() // after the unlock
	}
	return m, true
}

// idle reports whether nothing waits for a worker.
func (f *fair) idle() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n == 0
}

// close lets take return false once the messages still held are taken.
func (f *fair) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	f.cond.Broadcast()
}
