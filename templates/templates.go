// Package templates renders the cards and texts the bot posts, from templates embedded in the
// binary (feishu/*.json.tmpl, wecom/*.json.tmpl) and the sentence catalog (messages.toml),
// that an operator may override file by file (sentence by sentence) from a directory named in
// the config.
//
// Every template is parsed when the Renderer is built, so a broken override fails at boot and
// not in front of a user. Every rendered card is checked to be valid JSON before it is sent.
package templates

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"text/template"
	"time"
)

//go:embed feishu/*.tmpl wecom/*.tmpl
var embedded embed.FS

// Template files are <name>.json.tmpl (a card or API body, checked to be JSON) or
// <name>.md.tmpl (markdown, for platforms that show text where Feishu shows a card).
const (
	jsonExt = ".json.tmpl"
	mdExt   = ".md.tmpl"
)

// Renderer renders named templates per platform, in Chinese or, through In(true), in
// English. It is safe for concurrent use.
type Renderer struct {
	sets map[string]*template.Template // platform -> templates, drawing in Chinese
	en   map[string]*template.Template // the same templates, drawing in English
	loc  *time.Location
	msgs *Catalog
	// english says this view draws from en (In).
	english bool
}

// Option configures a Renderer.
type Option func(*Renderer)

// WithLocation sets the time zone dates are shown in (default Asia/Shanghai, where our users
// are).
func WithLocation(loc *time.Location) Option { return func(r *Renderer) { r.loc = loc } }

// New parses the embedded templates and, when overrideDir is not empty, any
// <overrideDir>/<platform>/<name>.json.tmpl file in their place.
func New(overrideDir string, opts ...Option) (*Renderer, error) {
	r := &Renderer{sets: map[string]*template.Template{}, en: map[string]*template.Template{}, loc: shanghai()}
	for _, o := range opts {
		o(r)
	}
	msgs, err := loadCatalog(overrideDir)
	if err != nil {
		return nil, err
	}
	r.msgs = msgs
	platforms, err := fs.ReadDir(embedded, ".")
	if err != nil {
		return nil, err
	}
	for _, p := range platforms {
		if !p.IsDir() {
			continue
		}
		set, err := r.parse(p.Name(), overrideDir)
		if err != nil {
			return nil, err
		}
		r.sets[p.Name()] = set
		// The English set is the same parse with the language's functions in place: a card's
		// labels are catalog keys (t), so one template serves both languages and an operator's
		// messages.toml changes its words.
		en, err := set.Clone()
		if err != nil {
			return nil, err
		}
		r.en[p.Name()] = en.Funcs(r.langFuncs(true))
	}
	return r, nil
}

// In is the renderer drawing in English when en, in Chinese otherwise.
func (r *Renderer) In(en bool) *Renderer {
	if r.english == en {
		return r
	}
	c := *r
	c.english = en
	return &c
}

// set is the platform's templates in the view's language.
func (r *Renderer) set(platform string) (*template.Template, bool) {
	if r.english {
		set, ok := r.en[platform]
		return set, ok
	}
	set, ok := r.sets[platform]
	return set, ok
}

func (r *Renderer) parse(platform, overrideDir string) (*template.Template, error) {
	set := template.New(platform).Funcs(r.funcs()).Funcs(r.langFuncs(false)).Option("missingkey=error")
	files, err := fs.Glob(embedded, platform+"/*.tmpl")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	for _, f := range files {
		name := path.Base(f)
		src, err := embedded.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if overrideDir != "" {
			o := filepath.Join(overrideDir, platform, name)
			if b, err := os.ReadFile(o); err == nil {
				src = b
			} else if !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("templates: read override %s: %w", o, err)
			}
		}
		if _, err := set.New(templateName(name)).Parse(string(src)); err != nil {
			return nil, fmt.Errorf("templates: parse %s/%s: %w", platform, name, err)
		}
	}
	return set, nil
}

// Messages is the sentence catalog (messages.toml and its override).
func (r *Renderer) Messages() *Catalog {
	if r == nil || r.msgs == nil {
		return DefaultCatalog()
	}
	return r.msgs
}

// Names lists the templates of a platform, for tests and `ticketbot check`.
func (r *Renderer) Names(platform string) []string {
	set, ok := r.sets[platform]
	if !ok {
		return nil
	}
	var names []string
	for _, t := range set.Templates() {
		if t.Name() != platform {
			names = append(names, t.Name())
		}
	}
	sort.Strings(names)
	return names
}

// Render executes the template name ("ticket") of platform ("feishu") with data and returns
// compact JSON. Output that is not valid JSON is an error, never sent.
func (r *Renderer) Render(platform, name string, data any) ([]byte, error) {
	set, ok := r.set(platform)
	if !ok {
		return nil, fmt.Errorf("templates: no templates for platform %q", platform)
	}
	if set.Lookup(name) == nil {
		return nil, fmt.Errorf("templates: no template %s/%s", platform, name)
	}
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, name, data); err != nil {
		return nil, fmt.Errorf("templates: render %s/%s: %w", platform, name, err)
	}
	var out bytes.Buffer
	if err := json.Compact(&out, buf.Bytes()); err != nil {
		return nil, fmt.Errorf("templates: %s/%s rendered invalid JSON: %w", platform, name, err)
	}
	return out.Bytes(), nil
}

// templateName keys a file: "ticket.json.tmpl" is "ticket", "ticket.md.tmpl" is "ticket.md".
func templateName(file string) string {
	if strings.HasSuffix(file, mdExt) {
		return strings.TrimSuffix(file, mdExt) + ".md"
	}
	return strings.TrimSuffix(file, jsonExt)
}

// Has reports whether platform has the JSON template name (markdown: name+".md").
func (r *Renderer) Has(platform, name string) bool {
	set, ok := r.sets[platform]
	return ok && set.Lookup(name) != nil
}

// RenderMarkdown executes the markdown template name (<name>.md.tmpl) of platform.
func (r *Renderer) RenderMarkdown(platform, name string, data any) (string, error) {
	set, ok := r.set(platform)
	if !ok || set.Lookup(name+".md") == nil {
		return "", fmt.Errorf("templates: no markdown template %s/%s", platform, name)
	}
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, name+".md", data); err != nil {
		return "", fmt.Errorf("templates: render %s/%s.md: %w", platform, name, err)
	}
	return strings.TrimSpace(buf.String()), nil
}

func shanghai() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	// No tz database on the machine: China has had no DST since 1991.
	return time.FixedZone("CST", 8*3600)
}
