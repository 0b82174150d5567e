package wecom

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
)

func TestResponseURLs(t *testing.T) {
	now := testNow
	s := newResponseURLs(time.Hour, 100)
	for i := range 3 {
		if !s.add(now, "m"+strconv.Itoa(i), "c", "u"+strconv.Itoa(i)) {
			t.Fatal("add refused")
		}
	}
	if s.add(now, "m1", "c", "other") || s.add(now, "", "c", "u") || s.add(now, "mx", "c", "") {
		t.Fatal("known msgid or empty value accepted")
	}
	// The chat's newest first; a message's own once.
	if e, ok := s.takeChat(now, "c"); !ok || e.url != "u2" {
		t.Fatalf("takeChat = %+v", e)
	}
	if e, ok := s.takeMsg(now, "m0"); !ok || e.url != "u0" {
		t.Fatalf("takeMsg = %+v", e)
	}
	if _, ok := s.takeMsg(now, "m0"); ok {
		t.Fatal("taken twice")
	}
	if e, ok := s.takeChat(now, "c"); !ok || e.url != "u1" {
		t.Fatalf("takeChat = %+v", e)
	}
	if _, ok := s.takeChat(now, "c"); ok {
		t.Fatal("chat has more")
	}
	// A URL given back is taken again.
	e, _ := s.takeMsg(now, "m2")
	if e != nil {
		t.Fatal("m2 was used by takeChat")
	}
	s.add(now, "m9", "c", "u9")
	e, _ = s.takeChat(now, "c")
	s.release(now, e)
	if e2, ok := s.takeMsg(now, "m9"); !ok || e2 != e {
		t.Fatal("released URL not usable")
	}
	// Expiry.
	s.add(now, "old", "d", "u")
	if _, ok := s.takeChat(now.Add(time.Hour), "d"); ok {
		t.Fatal("expired URL taken")
	}
	if c, ok := s.chatOf("old"); !ok || c != "d" {
		t.Fatal("chatOf")
	}
	s.add(now.Add(2*time.Hour), "new", "d", "u") // sweeps the expired
	if _, ok := s.chatOf("old"); ok {
		t.Fatal("expired entry kept")
	}
	// Forget.
	s.add(now.Add(2*time.Hour), "f", "d", "u")
	s.forget("f")
	if _, ok := s.takeMsg(now.Add(2*time.Hour), "f"); ok {
		t.Fatal("forgotten URL taken")
	}
	if !s.add(now.Add(2*time.Hour), "f", "d", "u") {
		t.Fatal("a forgotten msgid cannot come back")
	}
}

func TestResponseURLsBounded(t *testing.T) {
	s := newResponseURLs(time.Hour, 50)
	for i := range 200 {
		s.add(testNow, "m"+strconv.Itoa(i), "c"+strconv.Itoa(i%3), "u")
	}
	if len(s.byMsg) != 50 || len(s.queue)-s.head != 50 {
		t.Fatalf("%d remembered, queue %d", len(s.byMsg), len(s.queue)-s.head)
	}
	for c, l := range s.byChat {
		if len(l) > perChatURLs {
			t.Fatalf("chat %s keeps %d", c, len(l))
		}
	}
	if _, ok := s.takeMsg(testNow, "m0"); ok {
		t.Fatal("oldest kept")
	}
	if _, ok := s.takeMsg(testNow, "m199"); !ok {
		t.Fatal("newest dropped")
	}
}

func TestTTLMap(t *testing.T) {
	m := newTTLMap[int](time.Second, 3)
	m.put(testNow, "a", 1)
	if v, at, ok := m.take(testNow.Add(999*time.Millisecond), "a", nil); !ok || v != 1 || !at.Equal(testNow) {
		t.Fatal("take")
	}
	if _, _, ok := m.take(testNow.Add(time.Second), "a", nil); ok {
		t.Fatal("expired value taken")
	}
	if _, _, ok := m.take(testNow, "a", func(v *int) bool { return *v == 2 }); ok {
		t.Fatal("filter ignored")
	}
	for i := range 10 {
		m.put(testNow, strconv.Itoa(i), i)
	}
	if len(m.m) != 3 {
		t.Fatalf("%d kept", len(m.m))
	}
}

// A wait the bound allows still ends with ctx, giving its slot back; a slot past the bound
// is not waited for at all.
func TestTakeHonoursContextAndBound(t *testing.T) {
	w := newWebhook(t, webhookConfig(nil), nil, nil, WithSleep(bot.Sleep))
	l := bot.NewLimiter(w.now, bot.Rate{N: 1, Per: time.Hour})
	if err := w.take(context.Background(), l, "k", w.now()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := w.take(ctx, l, "k", w.now().Add(2*time.Hour)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waited an hour: %v", err)
	}
	err := w.take(context.Background(), l, "k", w.now().Add(time.Second))
	if at, busy := bot.BusyUntil(err); !busy || at.Sub(w.now()) != time.Hour {
		t.Fatalf("err = %v", err)
	}
	// Both abandoned slots were given back: the next waiter is second in line, not third.
	at, _ := l.Reserve("k")
	if at.Sub(w.now()) != time.Hour {
		t.Fatalf("next slot in %v", at.Sub(w.now()))
	}
}
