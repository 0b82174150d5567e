package store

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"
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

// waitKnown waits until the memory answers for chat and user, and returns what it says.
func waitKnown(t *testing.T, c *Cached, chat, user string) Languages {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if l, ok := c.RememberedLanguages("feishu", chat, user); ok {
			return l
		}
		if time.Now().After(deadline) {
			t.Fatal("the memory never learned the stored languages")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Cached holds every stored choice: after its first reading of the table, the ack path knows
// the language of anyone, people it never saw included, and no command reads the database
// for it; its own SetLanguage is seen at once, another replica's once the snapshot is older
// than langTTL.
func TestCachedLanguages(t *testing.T) {
	ctx := context.Background()
	under := &countingLanguages{Store: openTest(t)}
	mustDo(t, under.SetLanguage(ctx, LanguageChoice{Platform: "feishu", Scope: ScopePerson, ID: "ou_en", Language: "en", By: "ou_en", At: t0}))
	c := NewCached(under, 0)
	now := time.Now()
	c.now = func() time.Time { return now }
	t.Cleanup(func() { c.bg.Wait() })

	if got := waitKnown(t, c, "oc_1", "ou_en"); got != (Languages{Person: "en"}) {
		t.Errorf("ou_en = %+v, want their English", got)
	}
	for _, stranger := range []string{"ou_1", "ou_2", "ou_3"} {
		if l, ok := c.RememberedLanguages("feishu", "oc_1", stranger); !ok || l != (Languages{}) {
			t.Errorf("a person never seen: %+v, %v; want known, no choice", l, ok)
		}
	}
	if l, err := c.Languages(ctx, "feishu", "oc_1", "ou_4"); err != nil || l != (Languages{}) || under.reads.Load() != 0 {
		t.Errorf("Languages = %+v, %v after %d reads; want none from memory", l, err, under.reads.Load())
	}

	mustDo(t, c.SetLanguage(ctx, LanguageChoice{Platform: "feishu", Scope: ScopeChat, ID: "oc_1", Language: "en", By: "ou_admin", At: t0}))
	if l, ok := c.RememberedLanguages("feishu", "oc_1", "ou_1"); !ok || l != (Languages{Chat: "en"}) {
		t.Errorf("after this replica's SetLanguage: %+v, %v", l, ok)
	}
	mustDo(t, c.SetLanguage(ctx, LanguageChoice{Platform: "feishu", Scope: ScopePerson, ID: "ou_en"}))
	if l, _ := c.RememberedLanguages("feishu", "oc_1", "ou_en"); l != (Languages{Chat: "en"}) {
		t.Errorf("a forgotten choice is still remembered: %+v", l)
	}

	// Another replica's choice: believed only once the snapshot is old.
	mustDo(t, under.SetLanguage(ctx, LanguageChoice{Platform: "feishu", Scope: ScopePerson, ID: "ou_2", Language: "zh", By: "ou_2", At: t0}))
	if l, _ := c.RememberedLanguages("feishu", "oc_1", "ou_2"); l.Person != "" {
		t.Errorf("another replica's choice arrived before the snapshot aged: %+v", l)
	}
	now = now.Add(langTTL + time.Second)
	c.RememberedLanguages("feishu", "oc_1", "ou_2") // the ask that starts the reading
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.bg.Wait()
		if l, _ := c.RememberedLanguages("feishu", "oc_1", "ou_2"); l.Person == "zh" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("another replica's choice never arrived")
		}
	}
	if n := under.reads.Load(); n != 0 {
		t.Errorf("the database was read %d times for one person's languages; want 0", n)
	}
}

// A table too large to hold: the memory knows those it read, as it did before snapshots.
func TestCachedLanguagesTooManyToHold(t *testing.T) {
	ctx := context.Background()
	under := &countingLanguages{Store: openTest(t)}
	for _, id := range []string{"ou_a", "ou_b", "ou_c"} {
		mustDo(t, under.SetLanguage(ctx, LanguageChoice{Platform: "feishu", Scope: ScopePerson, ID: id, Language: "en", By: id, At: t0}))
	}
	c := NewCached(under, 0)
	c.langLimit = 2
	t.Cleanup(func() { c.bg.Wait() })
	c.RememberedLanguages("feishu", "oc_1", "ou_a")
	c.bg.Wait()
	if _, ok := c.RememberedLanguages("feishu", "oc_1", "ou_z"); ok {
		t.Fatal("the memory claims to know a person it never read, from a table it could not hold")
	}
	if l, err := c.Languages(ctx, "feishu", "oc_1", "ou_c"); err != nil || l.Person != "en" || under.reads.Load() != 1 {
		t.Fatalf("Languages = %+v, %v after %d reads", l, err, under.reads.Load())
	}
	if l, ok := c.RememberedLanguages("feishu", "oc_1", "ou_c"); !ok || l.Person != "en" {
		t.Errorf("a person read is not remembered: %+v, %v", l, ok)
	}
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
