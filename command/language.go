package command

import (
	"context"
	"log/slog"
	"strings"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/store"
)

// languageSpec is 语言: the language the bot speaks to the person (语言 en), or to the whole
// chat (语言 en 群, by its admins); 语言 alone says what it is now and why. The order in which
// the choices count is in langs.go.
var languageSpec = Spec{Op: OpLanguage, Zh: "语言", En: "language", Aliases: []string{"lang"},
	UsageKey: "cmd_language_usage", SummaryKey: "cmd_language_summary",
	Parse: parseLanguage, Run: runLanguage}

// langDefault forgets a stored choice: the next in langs.go's order decides again.
const langDefault = "default"

// languageWords are what people write for each choice.
var languageWords = map[string]string{
	"zh": langZh, "中文": langZh, "汉语": langZh, "cn": langZh, "zh-cn": langZh, "chinese": langZh,
	"en": langEn, "英文": langEn, "英语": langEn, "english": langEn,
	"默认": langDefault, "default": langDefault, "auto": langDefault, "reset": langDefault,
}

// chatWords choose the chat's language rather than the person's own.
var chatWords = map[string]bool{"群": true, "本群": true, "chat": true, "group": true}

// parseLanguage reads an optional language and, after it, an optional 群.
func parseLanguage(p *parser, args, rest string) (Command, error) {
	word, args := splitWord(args)
	if word == "" {
		return p.c, p.nothingMore(args, rest)
	}
	lang, ok := languageWords[strings.ToLower(word)]
	if !ok {
		return p.c, p.usage("usage_language", "", "value", truncateRunes(word, 20))
	}
	p.c.Language = lang
	if w, r := splitWord(args); w != "" && chatWords[strings.ToLower(w)] {
		p.c.ForChat, args = true, r
	}
	return p.c, p.nothingMore(args, rest)
}

func runLanguage(ctx context.Context, e *Env, r *req, c *Command, _ providers.Provider, _ *slog.Logger) (outcome, error) {
	if c.Language == "" {
		return outcome{level: "info", text: e.languageNow(r)}, nil
	}
	choice := store.LanguageChoice{Platform: r.platform, Scope: store.ScopePerson, ID: r.userID, By: r.userID, At: e.Now()}
	if c.ForChat {
		if !r.maySetChat() {
			ue := e.userErr("language_chat_denied")
			ue.denied = true
			return outcome{}, ue
		}
		choice.Scope, choice.ID = store.ScopeChat, r.chatID
	}
	if c.Language != langDefault {
		choice.Language = c.Language
	}
	if err := e.Languages.SetLanguage(ctx, choice); err != nil {
		return outcome{}, err
	}
	// The answer is the first one in the language now chosen.
	if c.ForChat {
		r.langs.Chat = choice.Language
	} else {
		r.langs.Person = choice.Language
	}
	r.speak(r.langs, c.English)
	chat := e.languageName(chatEnglish(r.langs, r.chat), r.en)
	key := "language_set_person"
	switch {
	case c.ForChat && choice.Language == "":
		key = "language_reset_chat"
	case c.ForChat:
		key = "language_set_chat"
	case choice.Language == "":
		key = "language_reset_person"
	}
	return outcome{level: "success", text: e.text(r.en, key, "lang", e.languageName(choice.Language == langEn, r.en), "chat", chat)}, nil
}

// maySetChat reports whether the person may change what the whole chat gets (its language,
// its subscriptions): its admins, or whoever may write there when it names none.
func (r *req) maySetChat() bool {
	if r.chat == nil || len(r.chat.Admins) == 0 {
		return r.mayWrite()
	}
	return r.isAdmin()
}

// languageNow says which language the bot speaks to the person and to the chat, and why
// (who chose it), with how to change each.
func (e *Env) languageNow(r *req) string {
	why := func(person, chat bool) string {
		key := "language_why_default"
		switch {
		case person:
			key = "language_why_person"
		case chat:
			key = "language_why_chat"
		case r.chat != nil:
			key = "language_why_config"
		}
		return e.text(r.en, key)
	}
	return e.text(r.en, "language_now",
		"mine", e.languageName(personEnglish(r.langs, r.chat, false), r.en), "mine_why", why(r.langs.Person != "", r.langs.Chat != ""),
		"chat", e.languageName(chatEnglish(r.langs, r.chat), r.en), "chat_why", why(false, r.langs.Chat != ""))
}

// languageName is a language's name in the reader's language ("英文", "English").
func (e *Env) languageName(english, en bool) string {
	if english {
		return e.text(en, "lang_en")
	}
	return e.text(en, "lang_zh")
}
