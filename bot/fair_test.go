package bot

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// Chats take turns: a chat's backlog does not hold up another chat's one message, and each
// chat's messages keep their order.
func TestFairTurns(t *testing.T) {
	f := newFair(100)
	for i := range 5 {
		f.put(Message{Platform: "wecom", ChatID: "A", Text: "a" + string(rune('0'+i))})
	}
	f.put(Message{Platform: "wecom", ChatID: "B", Text: "b0"})
	f.put(Message{Platform: "feishu", ChatID: "A", Text: "fa0"}) // another platform's chat A
	f.put(Message{Platform: "wecom", ChatID: "B", Text: "b1"})
	f.close()
	var got []string
	for {
		m, ok := f.take()
		if !ok {
			break
		}
		got = append(got, m.Text)
	}
	if want := "a0 b0 fa0 a1 b1 a2 a3 a4"; strings.Join(got, " ") != want {
		t.Fatalf("order %v, want %s", got, want)
	}
}

// put waits while max or more wait (then puts its whole batch), and close releases a
// waiting take.
func TestFairBounds(t *testing.T) {
	f := newFair(2)
	f.put(Message{ChatID: "A"})
	f.put(Message{ChatID: "A"})
	put := make(chan struct{})
	go func() { f.put(Message{ChatID: "B"}); close(put) }()
	select {
	case <-put:
		t.Fatal("put went past the bound")
	case <-time.After(50 * time.Millisecond):
	}
	if _, ok := f.take(); !ok {
		t.Fatal("take failed")
	}
	select {
	case <-put:
	case <-time.After(5 * time.Second):
		t.Fatal("put did not go on once there was room")
	}
	var wg sync.WaitGroup
	empty := newFair(1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, ok := empty.take(); ok {
			t.Error("take on a closed, empty hand-off returned a message")
		}
	}()
	time.Sleep(10 * time.Millisecond)
	empty.close()
	wg.Wait()
}
