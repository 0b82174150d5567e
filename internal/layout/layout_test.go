package layout

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/ticketbot/ticketbot"

// pkg is one package directory of the module, its non-test Go files parsed.
type pkg struct {
	dir   string // relative to the module root, slash-separated: "providers/aliyun"
	files []*ast.File
	fset  *token.FileSet
}

// imports are the module's own packages pkg imports, relative to the module root.
func (p pkg) imports() []string {
	var out []string
	for _, f := range p.files {
		for _, im := range f.Imports {
			path, _ := strconv.Unquote(im.Path.Value)
			if rel, ok := strings.CutPrefix(path, module+"/"); ok && !slices.Contains(out, rel) {
				out = append(out, rel)
			}
		}
	}
	return out
}

// loadModule parses every package of the module but its tests.
func loadModule(t *testing.T) (root string, pkgs []pkg) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found from %s: %v", root, err)
	}
	byDir := map[string]*pkg{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		p := byDir[rel]
		if p == nil {
			p = &pkg{dir: rel, fset: token.NewFileSet()}
			byDir[rel] = p
		}
		f, err := parser.ParseFile(p.fset, path, nil, parser.SkipObjectResolution|parser.ParseComments)
		if err != nil {
			return err
		}
		p.files = append(p.files, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range byDir {
		pkgs = append(pkgs, *p)
	}
	slices.SortFunc(pkgs, func(a, b pkg) int { return strings.Compare(a.dir, b.dir) })
	return root, pkgs
}

// plugins are the vendors (providers/<name>) and platforms (bot/<name>) of this build: the
// folders that plug in by a registry line.
func plugins(pkgs []pkg) (vendors, platforms []string) {
	for _, p := range pkgs {
		parts := strings.Split(p.dir, "/")
		if len(parts) == 2 && parts[0] == "providers" {
			vendors = append(vendors, parts[1])
		}
		if len(parts) == 2 && parts[0] == "bot" {
			platforms = append(platforms, parts[1])
		}
	}
	return vendors, platforms
}

// owner is the plug-in folder dir belongs to ("providers/aliyun" for its fake
// "providers/aliyun/aliyuntest"), or "".
func owner(dir string) string {
	parts := strings.Split(dir, "/")
	if len(parts) >= 2 && (parts[0] == "providers" || parts[0] == "bot") {
		return parts[0] + "/" + parts[1]
	}
	return ""
}

// wiring reports whether dir is where the concrete vendors and platforms meet: the
// application (its registry and wiring), the command line, the demo and the tools.
func wiring(dir string) bool {
	for _, w := range []string{"cmd", "internal/app", "internal/demo", "scripts"} {
		if dir == w || strings.HasPrefix(dir, w+"/") {
			return true
		}
	}
	return false
}

// registry is the one file of the application that names the vendors and platforms: it
// imports their folders and registers their descriptors.
const registry = "internal/app/registry.go"

// core reports whether the file name of package dir is part of the platform- and vendor-neutral
// core: everything but the plug-in folders, the command line, the demo and the tools, the
// templates (one folder per platform by design), this package and the registry. The rest of
// the application is core: it reads everything through the registries.
func core(dir, name string) bool {
	if owner(dir) != "" || dir == "templates" || dir == "internal/layout" || dir+"/"+name == registry {
		return false
	}
	return dir == "internal/app" || !wiring(dir)
}

// otherSpellings are the vendors' and platforms' names their folders do not spell: brands and
// Chinese names as people write them ("Kingsoft" for ksyun, "Lark" for feishu, 金山云, 阿里云,
// 微伴, 飞书, 企业微信). The folder names are found in the tree; these cannot be, so a new
// vendor or platform adds its own here. The Chinese ones match inside a word (Chinese has no
// spaces), so the shortest form people use is listed: 金山 finds 金山云.
var otherSpellings = []string{"kingsoft", "lark", "金山", "阿里", "微伴", "飞书", "企业微信"}

// The core names no vendor and no platform: not in an identifier, not in a string, not in a
// comment (a comment says the property that matters, "a platform without threads", or where
// the fact lives). Everything a vendor or a platform contributes comes through its registry
// descriptor, so a new one needs no core change, and the core reads the same whichever are
// built in.
func TestCoreNamesNoVendorOrPlatform(t *testing.T) {
	_, pkgs := loadModule(t)
	vendors, platforms := plugins(pkgs)
	if len(vendors) < 3 || len(platforms) < 2 {
		t.Fatalf("found vendors %v and platforms %v: the layout this test knows has moved", vendors, platforms)
	}
	var latin, han []string
	for _, n := range slices.Concat(vendors, platforms, otherSpellings) {
		if isASCII(n) {
			latin = append(latin, regexp.QuoteMeta(n))
		} else {
			han = append(han, regexp.QuoteMeta(n))
		}
	}
	// A Latin name is a word of its own ("feishu_open_id" has it, "Wecomfort" has not); a
	// Chinese one is found anywhere.
	word := regexp.MustCompile(`(?i)(?:^|[^a-z])(` + strings.Join(latin, "|") + `)(?:[^a-z]|$)|(` + strings.Join(han, "|") + `)`)
	found := func(text string) (name string, at int, ok bool) {
		m := word.FindStringSubmatchIndex(text)
		if m == nil {
			return "", 0, false
		}
		for g := 1; g <= 2; g++ {
			if m[2*g] >= 0 {
				return text[m[2*g]:m[2*g+1]], m[2*g], true
			}
		}
		return "", 0, false
	}
	checked := map[string]bool{}
	for _, p := range pkgs {
		for _, f := range p.files {
			if !core(p.dir, filepath.Base(p.fset.Position(f.Pos()).Filename)) {
				continue
			}
			checked[p.dir] = true
			ast.Inspect(f, func(n ast.Node) bool {
				var text string
				switch x := n.(type) {
				case *ast.BasicLit:
					if x.Kind == token.STRING {
						text = x.Value
					}
				case *ast.Ident:
					text = splitCamel(x.Name)
				case *ast.ImportSpec:
					return false // imports are checked by TestDependencyDirection
				}
				if name, _, ok := found(text); ok {
					t.Errorf("%s: the core names %q (%s): it belongs in its own folder or its descriptor",
						p.fset.Position(n.Pos()), name, text)
				}
				return true
			})
			for _, g := range f.Comments {
				for _, c := range g.List {
					if name, at, ok := found(c.Text); ok {
						pos := p.fset.Position(c.Pos())
						pos.Line += strings.Count(c.Text[:at], "\n")
						pos.Column = 0
						t.Errorf("%s: a core comment names %q: say what property matters or where the fact lives",
							pos, name)
					}
				}
			}
		}
	}
	if len(checked) < 6 || !checked["internal/app"] {
		t.Fatalf("checked only %d core packages: %v", len(checked), slices.Sorted(maps.Keys(checked)))
	}
}

// isASCII reports whether s is written in Latin letters only.
func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// splitCamel writes an identifier as words ("feishuCardKey" → "feishu Card Key"), so that a
// name inside an identifier is found and "Wecomfort" is not.
func splitCamel(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return strings.ReplaceAll(b.String(), "_", " ")
}

// Dependencies point one way: a vendor's folder imports no platform, no other vendor and none of
// the core's machinery (only the providers contract and leaf helpers); a platform's folder
// imports no vendor and no other platform; the core imports no vendor and no platform. Only
// the wiring knows them all.
func TestDependencyDirection(t *testing.T) {
	_, pkgs := loadModule(t)
	// Leaf helpers anything may use: they know nothing of tickets, chats or vendors.
	leaf := func(dir string) bool {
		return slices.Contains([]string{"span", "retry", "internal/ttl", "internal/msgcrypt", "internal/reqid"}, dir)
	}
	for _, p := range pkgs {
		own := owner(p.dir)
		for _, im := range p.imports() {
			imOwner := owner(im)
			switch {
			case p.dir == "internal/app":
				// The application knows every vendor and platform, but only in registry.go.
				if imOwner != "" {
					for _, f := range p.files {
						file := filepath.ToSlash(p.fset.Position(f.Pos()).Filename)
						if strings.HasSuffix(file, "/"+registry) {
							continue
						}
						for _, spec := range f.Imports {
							if path, _ := strconv.Unquote(spec.Path.Value); path == module+"/"+im {
								t.Errorf("%s imports %s: only %s names the vendors and platforms", file, im, registry)
							}
						}
					}
				}
			case wiring(p.dir):
				// The command line, the demo and the tools know everything.
			case strings.HasPrefix(p.dir, "providers/"):
				if im != "providers" && !leaf(im) && imOwner != own {
					t.Errorf("vendor package %s imports %s: a vendor imports only providers and leaf helpers", p.dir, im)
				}
			case strings.HasPrefix(p.dir, "bot/"):
				if imOwner != "" && imOwner != own {
					t.Errorf("platform package %s imports %s: a platform imports no vendor and no other platform", p.dir, im)
				}
				if im == "providers" || wiring(im) {
					continue
				}
				if !leaf(im) && im != "bot" && imOwner != own {
					t.Errorf("platform package %s imports %s: a platform imports only bot and leaf helpers", p.dir, im)
				}
			default:
				if imOwner != "" {
					t.Errorf("core package %s imports %s: only the wiring names a vendor or a platform", p.dir, im)
				}
				if wiring(im) {
					t.Errorf("core package %s imports %s: nothing imports the wiring", p.dir, im)
				}
			}
		}
	}
}

// What a vendor or a platform can do is asked one way: providers.Can and bot.Can, with the
// optional operations done through providers/optional.go and bot/optional.go. Nowhere else
// asserts an optional interface or reads a vendor's declared Capabilities, so a new
// capability is added in one place and no caller can ask it a second way.
func TestCapabilitiesAreAskedOneWay(t *testing.T) {
	_, pkgs := loadModule(t)
	optional := map[string][]string{
		"providers": {"BatchGetter", "Attacher", "SecretReplier", "SecretCreator", "CreatedFinder", "ChangeFinder", "Prober",
			"Reopener", "Rejecter", "Transferrer", "Explainer"},
		"bot": {"FeatureReporter", "FileFetcher", "TokenUpdater", "Prober"},
	}
	for _, p := range pkgs {
		for _, f := range p.files {
			file := filepath.Base(p.fset.Position(f.Pos()).Filename)
			if (p.dir == "providers" || p.dir == "bot") && file == "optional.go" {
				continue
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.TypeAssertExpr:
					var pkgName, name string
					switch ty := x.Type.(type) {
					case *ast.SelectorExpr:
						if id, ok := ty.X.(*ast.Ident); ok {
							pkgName, name = id.Name, ty.Sel.Name
						}
					case *ast.Ident:
						pkgName, name = p.dir, ty.Name
					}
					if slices.Contains(optional[pkgName], name) {
						t.Errorf("%s: asserts %s.%s: ask %s.Can and use its function instead",
							p.fset.Position(x.Pos()), pkgName, name, pkgName)
					}
				case *ast.CallExpr:
					if sel, ok := x.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Capabilities" && len(x.Args) == 0 &&
						!strings.HasPrefix(p.dir, "providers") {
						t.Errorf("%s: reads Capabilities(): ask providers.Can(p)", p.fset.Position(x.Pos()))
					}
				}
				return true
			})
		}
	}
}
