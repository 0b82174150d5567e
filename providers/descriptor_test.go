package providers

import (
	"strings"
	"testing"
)

func TestRegistry(t *testing.T) {
	r, err := NewRegistry(
		Descriptor{Name: "acme", Label: "艾克米云", LabelEN: "Acme Cloud", Aliases: []string{"Acmecloud", "艾克米"}, StaffSide: "工程师", OwnSide: "客户"},
		Descriptor{Name: "zeta", Label: "泽塔", LabelEN: "Zeta"},
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ word, want string }{{"acme", "acme"}, {"ACME", "acme"}, {"acmecloud", "acme"}, {"艾克米", "acme"}, {"zeta", "zeta"}, {"acm", ""}} {
		d, ok := r.Lookup(tt.word)
		if d.Name != tt.want || ok != (tt.want != "") {
			t.Errorf("Lookup(%q) = %q %v, want %q", tt.word, d.Name, ok, tt.want)
		}
	}
	if _, ok := r.Get("acmecloud"); ok {
		t.Error("Get found a vendor by an alias")
	}
	if got := r.Label("acme", false) + "/" + r.Label("acme", true) + "/" + r.Label("nope", false); got != "艾克米云/Acme Cloud/nope" {
		t.Errorf("labels %q", got)
	}
	if got := r.NoteSide("acme", true) + r.NoteSide("acme", false) + r.NoteSide("zeta", true) + r.NoteSide("zeta", false); got != "工程师客户客服我方" {
		t.Errorf("note sides %q", got)
	}
	if names := r.All(); len(names) != 2 || names[0].Name != "acme" || names[1].Name != "zeta" {
		t.Errorf("All = %+v", names)
	}
}

func TestRegistryRefusesAWordTwice(t *testing.T) {
	for _, ds := range [][]Descriptor{
		{{Name: "acme"}, {Name: "acme"}},
		{{Name: "acme", Aliases: []string{"z"}}, {Name: "zeta", Aliases: []string{"Z"}}},
		{{Name: "Acme"}},
		{{Name: ""}},
	} {
		if _, err := NewRegistry(ds...); err == nil || !strings.HasPrefix(err.Error(), "providers: ") {
			t.Errorf("NewRegistry(%+v) = %v, want an error", ds, err)
		}
	}
}
