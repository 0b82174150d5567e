package templates

import (
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
)

// The message catalog: every sentence the bot says in a chat, in Chinese and English, keyed
// by name (messages.toml beside the card templates). A sentence's placeholders are written
// {name} (a language may leave one out). An operator may override any sentence in <overrideDir>/messages.toml, as with the
// card templates; an override that names an unknown sentence or a placeholder the sentence
// does not have fails at boot, not in front of a user.

//go:embed messages.toml
var embeddedMessages []byte

// Sentence is one entry of the catalog.
type Sentence struct {
	Zh string `toml:"zh"`
	En string `toml:"en"`
}

// Catalog holds the sentences. It is safe for concurrent use.
type Catalog struct {
	m map[string]Sentence
}

var placeholder = regexp.MustCompile(`\{([a-z_]+)\}`)

// DefaultCatalog is the embedded catalog, parsed once.
var DefaultCatalog = sync.OnceValue(func() *Catalog {
	c, err := parseCatalog(embeddedMessages, nil)
	if err != nil {
		panic("templates: the embedded messages.toml: " + err.Error()) // a test keeps it valid
	}
	return c
})

// loadCatalog reads the embedded catalog and the override in dir, if any.
func loadCatalog(dir string) (*Catalog, error) {
	if dir == "" {
		return DefaultCatalog(), nil
	}
	over, err := os.ReadFile(filepath.Join(dir, "messages.toml"))
	if errors.Is(err, os.ErrNotExist) {
		return DefaultCatalog(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("templates: read override messages.toml: %w", err)
	}
	return parseCatalog(embeddedMessages, over)
}

func parseCatalog(base, over []byte) (*Catalog, error) {
	m := map[string]Sentence{}
	if _, err := toml.Decode(string(base), &m); err != nil {
		return nil, err
	}
	for k, s := range m {
		if s.Zh == "" || s.En == "" {
			return nil, fmt.Errorf("%s: needs both zh and en", k)
		}
	}
	if over != nil {
		o := map[string]Sentence{}
		md, err := toml.Decode(string(over), &o)
		if err != nil {
			return nil, fmt.Errorf("templates: override messages.toml: %w", err)
		}
		if un := md.Undecoded(); len(un) > 0 {
			return nil, fmt.Errorf("templates: override messages.toml: unknown key %s (each sentence has zh and en)", un[0])
		}
		for _, k := range slices.Sorted(maps.Keys(o)) {
			s, ok := m[k]
			if !ok {
				return nil, fmt.Errorf("templates: override messages.toml: no sentence %q", k)
			}
			allowed := names(s.Zh + s.En) // what the code fills in for this sentence
			if o[k].Zh != "" {
				if extra := unknownNames(o[k].Zh, allowed); extra != "" {
					return nil, fmt.Errorf("templates: override messages.toml: %s.zh: no placeholder {%s} (it has %v)", k, extra, allowed)
				}
				s.Zh = o[k].Zh
			}
			if o[k].En != "" {
				if extra := unknownNames(o[k].En, allowed); extra != "" {
					return nil, fmt.Errorf("templates: override messages.toml: %s.en: no placeholder {%s} (it has %v)", k, extra, allowed)
				}
				s.En = o[k].En
			}
			m[k] = s
		}
	}
	return &Catalog{m: m}, nil
}

// names lists a sentence's placeholders, sorted and each once.
func names(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func unknownNames(s string, allowed []string) string {
	for _, n := range names(s) {
		if !slices.Contains(allowed, n) {
			return n
		}
	}
	return ""
}

// Has reports whether the catalog has the sentence key.
func (c *Catalog) Has(key string) bool {
	_, ok := c.m[key]
	return ok
}

// Keys lists the sentences, sorted.
func (c *Catalog) Keys() []string { return slices.Sorted(maps.Keys(c.m)) }

// Text is the sentence key in Chinese, or English when en, with its placeholders filled from
// args, given as name, value pairs ("ref", "ksyun:1204"). A key the catalog lacks reads as
// the key itself in brackets: a test walks every key the code uses, so it never reaches a chat.
func (c *Catalog) Text(key string, en bool, args ...any) string {
	s, ok := c.m[key]
	if !ok {
		return "[" + key + "]"
	}
	text := s.Zh
	if en {
		text = s.En
	}
	if len(args) == 0 {
		return text
	}
	return fill(text, args)
}

// fill replaces each {name} in text with the value after name in args (name, value, …); an
// unknown {name} stays as written. By hand rather than strings.NewReplacer, which builds its
// tables on every call: a usage hint answered in the ack path spent a tenth of its CPU there.
func fill(text string, args []any) string {
	n := len(text)
	for i := 1; i < len(args); i += 2 {
		if v, ok := args[i].(string); ok {
			n += len(v) // grown once: a list of the commands is longer than the text it fills
		}
	}
	var b strings.Builder
	b.Grow(n + 32)
	for {
		i := strings.IndexByte(text, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(text[i:], '}')
		if j < 0 {
			break
		}
		name := text[i+1 : i+j]
		v, ok := lookupArg(args, name)
		if !ok {
			b.WriteString(text[:i+1])
			text = text[i+1:]
			continue
		}
		b.WriteString(text[:i])
		b.WriteString(v)
		text = text[i+j+1:]
	}
	b.WriteString(text)
	return b.String()
}

// lookupArg finds name's value in args (name, value, …).
func lookupArg(args []any, name string) (string, bool) {
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); ok && k == name || !ok && fmt.Sprint(args[i]) == name {
			switch v := args[i+1].(type) {
			case string:
				return v, true
			default:
				return fmt.Sprint(v), true
			}
		}
	}
	return "", false
}
