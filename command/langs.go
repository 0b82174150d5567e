package command

import (
	"cmp"
	"context"
	"time"

	"github.com/ticketbot/ticketbot/store"
)

// Which language the bot speaks, to whom: Chinese ("zh") or English ("en"). The chat's
// admins and each person may choose (语言, language.go; stored), and [[chats]] language gives
// a chat its default.
//
// An answer to a person (a sentence, a usage hint, a click's toast, the help, list and
// confirmation cards) is in the first of:
//
//  1. the person's own choice (语言 en), which follows them into every chat of the platform;
//  2. the chat's stored choice (语言 en 群, by its admins);
//  3. English, for a command typed with its English name (help, close): no choice is stored,
//     and the person showed which language they read;
//  4. the chat's [[chats]] language;
//  5. Chinese.
//
// What the whole chat shares is in the chat's language (2, 4, 5): ticket cards, which the
// watcher and anyone's click redraw in place, so a card never changes language with whoever
// touched it last; and the watcher's notices and daily summaries.

// The languages.
const (
	langZh = "zh"
	langEn = "en"
)

// DefaultLanguage is [[chats]] language when unset.
const DefaultLanguage = langZh

// languages are the valid values of [[chats]] language and of 语言.
var languages = []string{langZh, langEn}

func validLanguage(l string) bool { return l == langZh || l == langEn }

// configuredLanguage is the chat's [[chats]] language (Chinese when unset or unlisted).
func configuredLanguage(ch *Chat) string {
	if ch == nil {
		return langZh
	}
	return cmp.Or(ch.Language, langZh)
}

// chatEnglish reports whether the chat's language is English: its stored choice, else its
// [[chats]] language.
func chatEnglish(l store.Languages, ch *Chat) bool {
	return cmp.Or(l.Chat, configuredLanguage(ch)) == langEn
}

// personEnglish reports whether answers to the person are in English (the order above).
func personEnglish(l store.Languages, ch *Chat, typedEn bool) bool {
	switch {
	case l.Person != "":
		return l.Person == langEn
	case l.Chat != "":
		return l.Chat == langEn
	case typedEn:
		return true
	}
	return configuredLanguage(ch) == langEn
}

// speak settles the request's languages from the stored choices; typedEn says its command was
// typed with its English name.
func (r *req) speak(l store.Languages, typedEn bool) {
	r.langs = l
	r.en = personEnglish(l, r.chat, typedEn)
	r.chatEn = chatEnglish(l, r.chat)
}

// languageRead bounds reading the stored choices: an answer in the default language beats
// an answer late.
const languageRead = 2 * time.Second

// storedLanguages reads the chat's and the person's choices (userID "" for the chat's alone).
// A store that fails leaves the configuration to decide, logged: the answer matters more
// than its language.
func (b *Bot) storedLanguages(ctx context.Context, platform, chatID, userID string) store.Languages {
	if b.Store == nil {
		return store.Languages{}
	}
	ctx, cancel := context.WithTimeout(ctx, languageRead)
	defer cancel()
	l, err := b.Store.Languages(ctx, platform, chatID, userID)
	if err != nil {
		b.Log.Warn("languages not read: the configuration decides", "platform", platform, "chat_id", chatID, "err", err)
		return store.Languages{}
	}
	return l
}

// languageMemory is the store's memory of the choices, where it keeps one (store.Cached).
type languageMemory interface {
	RememberedLanguages(platform, chatID, userID string) (store.Languages, bool)
}

// languagesNow is storedLanguages for the ack path, which must not wait for the database:
// from the store's memory, false when it does not know them (the queue then answers, and
// fills the memory). A store without a memory is read.
func (b *Bot) languagesNow(platform, chatID, userID string) (store.Languages, bool) {
	if m, ok := b.Store.(languageMemory); ok {
		return m.RememberedLanguages(platform, chatID, userID)
	}
	return b.storedLanguages(context.Background(), platform, chatID, userID), true
}

// chat finds a chat's [[chats]] entry, nil when it has none.
func (c Config) chat(platform, chatID string) *Chat {
	for i := range c.Chats {
		if c.Chats[i].Platform == platform && c.Chats[i].ChatID == chatID {
			return &c.Chats[i]
		}
	}
	return nil
}

// chatEn reports whether what the whole chat shares is drawn in English (cards, notices).
func (b *Bot) chatEn(ctx context.Context, platform, chatID string) bool {
	return chatEnglish(b.storedLanguages(ctx, platform, chatID, ""), b.cfg.chat(platform, chatID))
}

// words is something the bot says that is drawn later, in the language of the chat that
// reads it (a card's footer, redrawn in every chat that shows the card).
type words func(en bool) string

// in says w in English when en; nil says nothing.
func (w words) in(en bool) string {
	if w == nil {
		return ""
	}
	return w(en)
}

// noteSide names who wrote a note on a card: the vendor's own word for its staff or for us
// in Chinese, the catalog's in English.
func (e *Env) noteSide(provider string, official, en bool) string {
	switch {
	case !en:
		return e.Vendors.NoteSide(provider, official)
	case official:
		return e.text(true, "note_staff")
	}
	return e.text(true, "note_ours")
}
