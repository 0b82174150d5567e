package command

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/providers"
)

// userError is a failure meant for the person in the chat, in both languages. Anything else
// is logged with an id and the chat sees only "内部错误（编号 …）".
type userError struct {
	zh, en string
	// denied marks a refusal for lack of permission (the audit's "denied").
	denied bool
}

func (e *userError) Error() string { return e.zh }

func (e *userError) text(en bool) string {
	if en && e.en != "" {
		return e.en
	}
	return e.zh
}

// text is the catalog's sentence key (templates/messages.toml) in the language of en, with
// its placeholders filled from name, value pairs.
func (e *Env) text(en bool, key string, args ...any) string {
	return e.Answers.Messages().Text(key, en, args...)
}

// userErr is the catalog's sentence key as an answer in either language.
func (e *Env) userErr(key string, args ...any) *userError {
	m := e.Answers.Messages()
	return &userError{zh: m.Text(key, false, args...), en: m.Text(key, true, args...)}
}

// userErrBy is userErr with arguments that differ by language (a list joined with 、 or
// ", ", a status label).
func (e *Env) userErrBy(key string, args func(en bool) []any) *userError {
	m := e.Answers.Messages()
	return &userError{zh: m.Text(key, false, args(false)...), en: m.Text(key, true, args(true)...)}
}

// list joins names the way each language does.
func list(names []string, en bool) string {
	if en {
		return strings.Join(names, ", ")
	}
	return strings.Join(names, "、")
}

// vendorError turns a provider's failure into a sentence for the chat: the vendor's own code
// and a short readable sentence (the provider's hint for the code, or the first sentence of
// the vendor's message), never the vendor's whole message, which may repeat the request; that
// goes to the log. An operation the vendor lacks says why and what to do when the provider
// knows. ok is false for failures that are ours.
func (e *Env) vendorError(err error, provider, ref string, en bool) (*userError, bool) {
	label := func(en bool) string { return e.Vendors.Label(provider, en) }
	// sentence ends a vendor's sentence with a full stop, so it reads as one in a longer text.
	sentence := func(s, stop string) string {
		s = strings.TrimSpace(s)
		if r, _ := utf8.DecodeLastRuneInString(s); s == "" || strings.ContainsRune("。！？；）.!?;)", r) {
			return s
		}
		return s + stop
	}
	var ve *providers.VendorError
	var unsup *providers.UnsupportedError
	var long *providers.TooLongError
	switch {
	case errors.As(err, &ve) && ve.Temporary:
		return e.userErrBy("vendor_down", func(en bool) []any { return []any{"vendor", label(en), "code", ve.Code} }), true
	case ve == nil && errors.Is(err, context.DeadlineExceeded):
		// The command ran out of its time ([bot] command_timeout) waiting for the vendor: said
		// as the vendor's own timeout is.
		return e.userErrBy("vendor_down", func(en bool) []any { return []any{"vendor", label(en), "code", "timeout"} }), true
	case errors.Is(err, providers.ErrNotFound):
		return e.userErrBy("vendor_no_ticket", func(en bool) []any { return []any{"vendor", label(en), "ref", ref} }), true
	case errors.Is(err, providers.ErrAlreadyClosed):
		return e.userErr("vendor_already_closed", "ref", ref), true
	case errors.Is(err, providers.ErrNotCreator):
		return e.userErrBy("vendor_creator_only", func(en bool) []any { return []any{"vendor", label(en), "ref", ref} }), true
	case errors.Is(err, providers.ErrWrongState):
		return e.userErrBy("vendor_wrong_state", func(en bool) []any { return []any{"vendor", label(en), "ref", ref} }), true
	case errors.As(err, &long):
		return e.userErrBy("vendor_too_long", func(en bool) []any { return []any{"vendor", label(en), "max", long.Max, "got", long.Got} }), true
	case errors.As(err, &unsup) && (unsup.Reason != "" || unsup.ReasonEN != ""):
		return e.userErrBy("vendor_unsupported_why", func(en bool) []any {
			if en {
				return []any{"why", sentence(cmp.Or(unsup.ReasonEN, unsup.Reason), ".")}
			}
			return []any{"why", sentence(cmp.Or(unsup.Reason, unsup.ReasonEN), "。")}
		}), true
	case errors.Is(err, providers.ErrUnsupported):
		return e.userErrBy("vendor_unsupported_op", func(en bool) []any { return []any{"vendor", label(en)} }), true
	case errors.As(err, &ve):
		// Each language has its own sentence from the vendor, or none.
		m := e.Answers.Messages()
		say := func(en bool, stop string) string {
			if s := ve.Sentence(en); s != "" {
				return m.Text("vendor_error_why", en, "vendor", label(en), "code", ve.Code, "why", sentence(s, stop))
			}
			return m.Text("vendor_error", en, "vendor", label(en), "code", ve.Code)
		}
		return &userError{zh: say(false, "。"), en: say(true, ".")}, true
	}
	return nil, false
}

// internalError is what the chat sees for a failure of ours: an id to find the log line.
func (e *Env) internalError(en bool) (string, string) {
	var r [4]byte
	_, _ = rand.Read(r[:])
	id := hex.EncodeToString(r[:])
	return e.text(en, "internal_error", "id", id), id
}

// usageHint answers a malformed or unknown command in the person's language (langs.go),
// with the platform's own words for answering on a card.
func (e *Env) usageHint(err error, f bot.Features, en bool) string {
	// errors.AsType: the target of errors.As escapes, an allocation per hint in the ack.
	if ue, ok := errors.AsType[*UsageError](err); ok {
		usage := e.usageLine(ue.Spec, f, en)
		if en {
			return e.text(true, "usage_hint", "problem", upperFirst(ue.ProblemEN), "usage", usage)
		}
		return e.text(false, "usage_hint", "problem", ue.Problem, "usage", usage)
	}
	if nc, ok := errors.AsType[*NotCommandError](err); ok {
		zh, ens := commandNames()
		if en {
			return e.text(true, "not_a_command", "word", truncateRunes(nc.Word, 20), "commands", ens)
		}
		return e.text(false, "not_a_command", "word", truncateRunes(nc.Word, 20), "commands", zh)
	}
	return e.text(en, "not_understood")
}

// usageLine is a command's usage line; a reply's says how to answer right on a card.
func (e *Env) usageLine(s *Spec, f bot.Features, en bool) string {
	usage := e.text(en, s.UsageKey)
	if s.Op == OpReply {
		usage += e.text(en, "paren", "text", e.answerInCard(f, en))
	}
	return usage
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// commandNames are the typed commands' names, Chinese and English, as the answer to text
// that is no command lists them; joined once.
var commandNames = sync.OnceValues(func() (zh, en string) {
	var names, ens []string
	for _, s := range Commands {
		if !s.Button {
			names, ens = append(names, s.Zh), append(ens, s.En)
		}
	}
	return strings.Join(names, " / "), strings.Join(ens, " / ")
})

// truncateRunes cuts s to its first n characters, marking the cut with "…".
func truncateRunes(s string, n int) string {
	i := 0
	for at := range s {
		if i == n {
			return s[:at] + "…"
		}
		i++
	}
	return s
}
