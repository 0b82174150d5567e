package app

import (
	"strings"
	"testing"
)

// The real server keeps a language choice (in its store, behind its memory) and speaks it:
// 语言 en makes the person's answers English, the chat's ticket cards stay Chinese, and
// 语言 en 群 turns the chat's cards English too.
func TestEndToEndLanguage(t *testing.T) {
	h := startHarness(t, "")
	h.say("ev-lang-1", "om_lang_1", "语言 en")
	h.waitAnswer("om_lang_1", "the bot now speaks English to you")
	h.say("ev-lang-2", "om_lang_2", "关闭")
	h.waitAnswer("om_lang_2", "The ticket is missing. Usage: close")

	_, card := h.createTicket("中文卡片")
	if !strings.Contains(card.Content, "**工单号**") {
		t.Errorf("the chat's card is not in the chat's language:\n%s", card.Content)
	}
	h.say("ev-lang-3", "om_lang_3", "语言 en 群")
	h.waitAnswer("om_lang_3", "this chat's language is now English")
	_, card = h.createTicket("English card")
	if !strings.Contains(card.Content, "**Ticket**") {
		t.Errorf("the chat's card is not in its new language:\n%s", card.Content)
	}
}
