package store

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
)

// A chat's and a person's choices are stored apart, replaced, forgotten, and read together;
// on both drivers.
func TestLanguages(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	set := func(scope, id, lang string) {
		t.Helper()
		mustDo(t, s.SetLanguage(ctx, LanguageChoice{Platform: "feishu", Scope: scope, ID: id, Language: lang, By: "ou_admin", At: t0}))
	}
	set(ScopeChat, "oc_1", "en")
	set(ScopePerson, "ou_a", "zh")
	set(ScopePerson, "ou_b", "en")
	set(ScopePerson, "ou_b", "zh") // replaced
	set(ScopePerson, "oc_1", "zh") // a person whose id is a chat's: still a person's choice
	set(ScopeChat, "oc_gone", "en")
	set(ScopeChat, "oc_gone", "") // forgotten

	for _, tc := range []struct {
		name, platform, chat, user string
		want                       Languages
	}{
		{"both", "feishu", "oc_1", "ou_a", Languages{Chat: "en", Person: "zh"}},
		{"the chat's only", "feishu", "oc_1", "ou_nobody", Languages{Chat: "en"}},
		{"replaced", "feishu", "oc_2", "ou_b", Languages{Person: "zh"}},
		{"scopes apart", "feishu", "oc_x", "oc_1", Languages{Person: "zh"}},
		{"forgotten", "feishu", "oc_gone", "ou_nobody", Languages{}},
		{"another platform", "wecom", "oc_1", "ou_a", Languages{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Languages(ctx, tc.platform, tc.chat, tc.user)
			if err != nil || got != tc.want {
				t.Errorf("Languages(%s, %s, %s) = %+v, %v; want %+v", tc.platform, tc.chat, tc.user, got, err, tc.want)
			}
		})
	}

	for _, bad := range []LanguageChoice{
		{Scope: ScopeChat, ID: "oc_1", Language: "en"},
		{Platform: "feishu", Scope: ScopeChat, Language: "en"},
		{Platform: "feishu", Scope: "team", ID: "oc_1", Language: "en"},
	} {
		if err := s.SetLanguage(ctx, bad); err == nil {
			t.Errorf("SetLanguage(%+v) = nil; want an error", bad)
		}
	}
}

// countingLanguages counts the reads of languages that reach the database.
type countingLanguages struct {
	Store
	reads atomic.Int32
}

func (c *countingLanguages) Languages(ctx context.Context, platform, chatID, userID string) (Languages, error) {
	c.reads.Add(1)
	return c.Store.Languages(ctx, platform, chatID, userID)
}

// Cached answers the languages of every command from memory, an absence too; its own
// SetLanguage is seen at once, and the ack path's memory-only read says when it does not know.
func TestCachedLanguages(t *testing.T) {
	ctx := context.Background()
	under := &countingLanguages{Store: openTest(t)}
	c := NewCached(under, 0)
	read := func(user string, want Languages, reads int32) {
		t.Helper()
		got, err := c.Languages(ctx, "feishu", "oc_1", user)
		if err != nil || got != want {
			t.Errorf("Languages(%s) = %+v, %v; want %+v", user, got, err, want)
		}
		if n := under.reads.Load(); n != reads {
			t.Errorf("the database was read %d times, want %d", n, reads)
		}
	}
	if _, ok := c.RememberedLanguages("feishu", "oc_1", "ou_a"); ok {
		t.Error("the memory claims to know languages never read")
	}
	read("ou_a", Languages{}, 1)
	read("ou_a", Languages{}, 1) // no choice is remembered as such
	if l, ok := c.RememberedLanguages("feishu", "oc_1", "ou_a"); !ok || l != (Languages{}) {
		t.Errorf("RememberedLanguages = %+v, %v; want none, known", l, ok)
	}

	mustDo(t, c.SetLanguage(ctx, LanguageChoice{Platform: "feishu", Scope: ScopeChat, ID: "oc_1", Language: "en", By: "ou_admin", At: t0}))
	if _, ok := c.RememberedLanguages("feishu", "oc_1", "ou_a"); ok {
		t.Error("the memory still claims to know the chat's language after it changed")
	}
	read("ou_a", Languages{Chat: "en"}, 2)
	read("ou_b", Languages{Chat: "en"}, 3) // the chat is known; the person is not yet
	read("ou_b", Languages{Chat: "en"}, 3)

	// Another replica's choice: this one believes its memory for a while.
	mustDo(t, under.Store.SetLanguage(ctx, LanguageChoice{Platform: "feishu", Scope: ScopePerson, ID: "ou_b", Language: "zh", By: "ou_b", At: t0}))
	read("ou_b", Languages{Chat: "en"}, 3)
}

// A database that fails is reported, never remembered as "no choice".
func TestCachedLanguagesDoNotRememberFailures(t *testing.T) {
	s := openTest(t)
	c := NewCached(s, 0)
	mustDo(t, s.Close())
	if _, err := c.Languages(context.Background(), "feishu", "oc_1", "ou_a"); err == nil || !strings.Contains(err.Error(), "languages") {
		t.Fatalf("Languages on a closed database = %v; want its error", err)
	}
	if _, ok := c.RememberedLanguages("feishu", "oc_1", "ou_a"); ok {
		t.Error("a failed read was remembered")
	}
}
