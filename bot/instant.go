package bot

// InstantAnswerer is a Handler that can answer some messages from their text alone, with
// nothing to remember and nothing to ask a vendor: help, or the usage hint for text that is no
// command. Such an answer needs neither the dedupe nor the queue, so a platform that can put
// it in the callback's own response (a passive reply) answers at once and the message
// costs no more than its acknowledgement. A redelivery is answered the same way again, which
// is what the platform asked for: it redelivers only when it did not get the first answer.
type InstantAnswerer interface {
	// AnswerNow returns the answer to m and true, or false when m needs the queue: a command,
	// a reply under a ticket card, a chat that is not allowed, a chat whose earlier answers
	// are still waiting to be posted (an answer now would overtake them). The answer's Body
	// may be shared with other answers (help is drawn once): the platform only reads it.
	AnswerNow(m Message) (Outgoing, bool)
}

var _ InstantAnswerer = (*Dispatcher)(nil)

// AnswerNow answers m at once when the handler can (InstantAnswerer), counting it as a
// delivery answered in the ack. A panic in the handler is logged and m goes to the queue.
func (d *Dispatcher) AnswerNow(m Message) (out Outgoing, ok bool) {
	a, can := d.h.(InstantAnswerer)
	if !can || d.isClosing() {
		return Outgoing{}, false
	}
	defer func() {
		if r := recover(); r != nil {
			d.log.Error("instant answer panicked", "platform", m.Platform, "event_id", m.EventID, "panic", r)
			out, ok = Outgoing{}, false
		}
	}()
	if out, ok = a.AnswerNow(m); ok {
		d.metrics.received.WithLabelValues(m.Platform, "message").Inc()
		d.metrics.instant.WithLabelValues(m.Platform).Inc()
	}
	return out, ok
}

// AnswerNow asks s for an answer to m it can give at once, where s can (a Dispatcher whose
// handler is an InstantAnswerer); otherwise it reports false and m goes to HandleMessage.
func AnswerNow(s Sink, m Message) (Outgoing, bool) {
	if a, ok := s.(InstantAnswerer); ok { // the Dispatcher is one, asking its handler
		return a.AnswerNow(m)
	}
	return Outgoing{}, false
}
