package feishutest

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// ApplyCallbackCard shows card in place of the card messageID, as Feishu does when a
// card.action.trigger callback is answered with a card (DOC 卡片回传交互, 响应体 card of type
// raw): the clicked card changes for everyone. The card is checked as a patch is. The fake
// never sees that answer itself (it goes from the bot back to Feishu's callback request), so
// whoever posted the callback hands it over; the demo does, after each click.
func (f *Server) ApplyCallbackCard(messageID string, card []byte) error {
	var compact bytes.Buffer
	if err := json.Compact(&compact, card); err != nil {
		return fmt.Errorf("feishu fake: callback card is not JSON: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.byID[messageID]
	switch {
	case !ok:
		return fmt.Errorf("feishu fake: no message %s", messageID)
	case m.MsgType != "interactive":
		return fmt.Errorf("feishu fake: message %s is not a card", messageID)
	}
	if msg := checkCard(compact.String()); msg != "" {
		return fmt.Errorf("feishu fake: callback card: %s", msg)
	}
	if compact.Len() > fakeMaxCard {
		return fmt.Errorf("feishu fake: callback card longer than %d bytes", fakeMaxCard)
	}
	m.Content = compact.String()
	return nil
}
