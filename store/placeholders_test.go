package store

import (
	"go/ast"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestPlaceholdersInOrder: in every statement of the store, $N placeholders first appear in
// ascending order ($1 before $2 before $3). SQLite reads "$3" as a parameter named "$3" and
// numbers parameters by first appearance, and the SQLite driver binds arguments by that
// number, so a statement written "… $3 … $2" would silently take its arguments swapped.
// PostgreSQL does not care; keeping the order makes the statements mean the same on both.
//
// Every constant string expression of the package is checked, so a statement built from
// constants is checked whole, as it is sent.
func TestPlaceholdersInOrder(t *testing.T) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
	// Imports outside the standard library do not resolve here; the constants do not need them.
	conf := types.Config{Importer: importer.Default(), Error: func(error) {}}
	_, _ = conf.Check("store", fset, files, info)

	placeholder := regexp.MustCompile(`\$(\d+)`)
	checked := 0
	for expr, tv := range info.Types {
		if tv.Value == nil || tv.Value.Kind() != constant.String {
			continue
		}
		s := constant.StringVal(tv.Value)
		var order []int
		for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
			n, _ := strconv.Atoi(m[1])
			if !slices.Contains(order, n) {
				order = append(order, n)
			}
		}
		if len(order) == 0 {
			continue
		}
		checked++
		if !slices.IsSorted(order) {
			t.Errorf("%s: placeholders first appear as %v; number them in the order they appear", fset.Position(expr.Pos()), order)
		}
	}
	if checked < 50 {
		t.Fatalf("only %d statements with placeholders were found: the check is not reading the store", checked)
	}
}
