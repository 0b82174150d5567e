package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func card(platform, chat, msg, provider, ticket string, d time.Duration) Card {
	return Card{Platform: platform, ChatID: chat, MessageID: msg, Provider: provider, TicketID: ticket, UpdatedAt: at(d)}
}

// storedCard is c as it reads back.
func storedCard(c Card) Card {
	c.UpdatedAt = stored(c.UpdatedAt)
	return c
}

func TestCards(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	a := card("feishu", "oc_1", "om_1", "ksyun", "1204", 0)
	b := card("feishu", "oc_2", "om_2", "ksyun", "1204", time.Second)
	w := card("wecom", "wr_1", "om_1", "ksyun", "1204", 2*time.Second) // same message id, other platform
	other := card("feishu", "oc_1", "om_3", "aliyun", "77", 3*time.Second)
	for _, c := range []Card{a, b, w, other} {
		mustDo(t, s.SaveCard(ctx, c))
	}

	t.Run("CardByMessage", func(t *testing.T) {
		for _, tc := range []struct {
			platform, msg string
			want          Card
			wantErr       error
		}{
			{"feishu", "om_1", a, nil},
			{"wecom", "om_1", w, nil},
			{"feishu", "om_3", other, nil},
			{"feishu", "om_404", Card{}, ErrNotFound},
			{"wecom", "om_2", Card{}, ErrNotFound},
		} {
			got, err := s.CardByMessage(ctx, tc.platform, tc.msg)
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("CardByMessage(%s, %s) err = %v, want %v", tc.platform, tc.msg, err, tc.wantErr)
				continue
			}
			if tc.wantErr == nil && got != storedCard(tc.want) {
				t.Errorf("CardByMessage(%s, %s) = %+v, want %+v", tc.platform, tc.msg, got, storedCard(tc.want))
			}
		}
	})

	t.Run("CardInChat", func(t *testing.T) {
		got, err := s.CardInChat(ctx, "feishu", "oc_2", "ksyun", "1204")
		if err != nil || got != storedCard(b) {
			t.Errorf("CardInChat = %+v, %v; want %+v", got, err, storedCard(b))
		}
		_, err = s.CardInChat(ctx, "feishu", "oc_2", "aliyun", "77")
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("CardInChat of a ticket not in the chat: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("CardsForTicket", func(t *testing.T) {
		got, err := s.CardsForTicket(ctx, "ksyun", "1204")
		want := []Card{storedCard(a), storedCard(b), storedCard(w)}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("CardsForTicket = %+v, %v; want %+v", got, err, want)
		}
		got, err = s.CardsForTicket(ctx, "ksyun", "404")
		if err != nil || len(got) != 0 {
			t.Errorf("CardsForTicket of an unknown ticket = %+v, %v; want none", got, err)
		}
	})
}

func TestSaveCardKeepsEveryCard(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		saves []Card
		// want is what each message id maps to afterwards; a zero Card means not found.
		want map[string]Card
		// anchor is the message CardInChat names for the ticket of the first save.
		anchor string
	}{
		{
			name: "a second card of the ticket in the chat keeps the first, which stays the anchor",
			saves: []Card{
				card("feishu", "oc_1", "om_1", "ksyun", "1204", 0),
				card("feishu", "oc_1", "om_2", "ksyun", "1204", time.Minute),
			},
			want: map[string]Card{
				"om_1": card("feishu", "oc_1", "om_1", "ksyun", "1204", 0),
				"om_2": card("feishu", "oc_1", "om_2", "ksyun", "1204", time.Minute),
			},
			anchor: "om_1",
		},
		{
			name: "saving the same message again updates the time and keeps its place",
			saves: []Card{
				card("feishu", "oc_1", "om_1", "ksyun", "1204", 0),
				card("feishu", "oc_1", "om_2", "ksyun", "1204", time.Minute),
				card("feishu", "oc_1", "om_1", "ksyun", "1204", time.Hour),
			},
			want: map[string]Card{
				"om_1": card("feishu", "oc_1", "om_1", "ksyun", "1204", time.Hour),
				"om_2": card("feishu", "oc_1", "om_2", "ksyun", "1204", time.Minute),
			},
			anchor: "om_1",
		},
		{
			name: "a message updated to show another ticket belongs to that ticket only",
			saves: []Card{
				card("feishu", "oc_1", "om_1", "ksyun", "1204", 0),
				card("feishu", "oc_1", "om_2", "ksyun", "1204", time.Second),
				card("feishu", "oc_1", "om_1", "aliyun", "77", time.Minute),
			},
			want: map[string]Card{
				"om_1": card("feishu", "oc_1", "om_1", "aliyun", "77", time.Minute),
				"om_2": card("feishu", "oc_1", "om_2", "ksyun", "1204", time.Second),
			},
			anchor: "om_2", // the ticket's first card left, so its next one anchors the thread
		},
		{
			name: "cards in other chats stay",
			saves: []Card{
				card("feishu", "oc_1", "om_1", "ksyun", "1204", 0),
				card("feishu", "oc_2", "om_2", "ksyun", "1204", 0),
				card("feishu", "oc_1", "om_3", "ksyun", "1204", time.Minute),
			},
			want: map[string]Card{
				"om_1": card("feishu", "oc_1", "om_1", "ksyun", "1204", 0),
				"om_2": card("feishu", "oc_2", "om_2", "ksyun", "1204", 0),
				"om_3": card("feishu", "oc_1", "om_3", "ksyun", "1204", time.Minute),
			},
			anchor: "om_1",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			for _, c := range tc.saves {
				mustDo(t, s.SaveCard(ctx, c))
			}
			for msg, want := range tc.want {
				got, err := s.CardByMessage(ctx, "feishu", msg)
				if want == (Card{}) {
					if !errors.Is(err, ErrNotFound) {
						t.Errorf("CardByMessage(%s) = %+v, %v; want ErrNotFound", msg, got, err)
					}
					continue
				}
				if err != nil || got != storedCard(want) {
					t.Errorf("CardByMessage(%s) = %+v, %v; want %+v", msg, got, err, storedCard(want))
				}
			}
			first := tc.saves[0]
			if got, err := s.CardInChat(ctx, "feishu", first.ChatID, "ksyun", "1204"); err != nil || got.MessageID != tc.anchor {
				t.Errorf("CardInChat = %+v, %v; want the anchor %s", got, err, tc.anchor)
			}
		})
	}
}

// TestLiveCardsAreBounded: however often a ticket is shown in a chat, the cards redrawn are
// the first (the anchor) and the newest LiveCards-1, newest first; every card still resolves.
func TestLiveCardsAreBounded(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	const shown = 9
	for i := range shown {
		mustDo(t, s.SaveCard(ctx, card("feishu", "oc_1", fmt.Sprintf("om_%d", i), "ksyun", "1204", time.Duration(i)*time.Second)))
	}
	mustDo(t, s.SaveCard(ctx, card("feishu", "oc_2", "om_other", "ksyun", "1204", 0)))
	got, err := s.CardsForTicket(ctx, "ksyun", "1204")
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, c := range got {
		msgs = append(msgs, c.ChatID+"/"+c.MessageID)
	}
	want := []string{"oc_1/om_8", "oc_1/om_7", "oc_1/om_6", "oc_1/om_0", "oc_2/om_other"}
	if !reflect.DeepEqual(msgs, want) {
		t.Errorf("live cards = %v, want %v", msgs, want)
	}
	if LiveCards != 4 {
		t.Errorf("LiveCards = %d: the want above assumes 4", LiveCards)
	}
	for i := range shown {
		if _, err := s.CardByMessage(ctx, "feishu", fmt.Sprintf("om_%d", i)); err != nil {
			t.Errorf("card om_%d no longer resolves: %v", i, err)
		}
	}
}

// TestMigrationKeepsOneCardPerChat opens a database written before migration 4 (one card per
// ticket per chat) and checks its cards survive as each chat's anchor.
func TestMigrationKeepsOneCardPerChat(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open(sqliteDriverName, path)
	if err != nil {
		t.Fatal(err)
	}
	mustDo(t, migrate(ctx, db, migrations[:3]))
	_, err = db.ExecContext(ctx, `INSERT INTO cards (platform, chat_id, message_id, provider, ticket_id, updated_at)
		VALUES ('feishu', 'oc_1', 'om_old', 'ksyun', '1204', 1)`)
	mustDo(t, err)
	mustDo(t, db.Close())

	s := openFile(t, path)
	if c, err := s.CardByMessage(ctx, "feishu", "om_old"); err != nil || c.TicketID != "1204" {
		t.Fatalf("old card after the migration = %+v, %v", c, err)
	}
	mustDo(t, s.SaveCard(ctx, card("feishu", "oc_1", "om_new", "ksyun", "1204", time.Minute)))
	if c, err := s.CardInChat(ctx, "feishu", "oc_1", "ksyun", "1204"); err != nil || c.MessageID != "om_old" {
		t.Errorf("anchor after a new card = %+v, %v; want om_old", c, err)
	}
	cs, err := s.CardsForTicket(ctx, "ksyun", "1204")
	if err != nil || len(cs) != 2 || cs[0].MessageID != "om_new" || cs[1].MessageID != "om_old" {
		t.Errorf("live cards = %+v, %v; want om_new then om_old", cs, err)
	}
}

func TestSaveCardRejectsEmptyKeys(t *testing.T) {
	s := openTest(t)
	full := card("feishu", "oc_1", "om_1", "ksyun", "1204", 0)
	for _, tc := range []struct {
		name string
		edit func(*Card)
	}{
		{"platform", func(c *Card) { c.Platform = "" }},
		{"chat_id", func(c *Card) { c.ChatID = "" }},
		{"message_id", func(c *Card) { c.MessageID = "" }},
		{"provider", func(c *Card) { c.Provider = "" }},
		{"ticket_id", func(c *Card) { c.TicketID = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := full
			tc.edit(&c)
			if err := s.SaveCard(context.Background(), c); err == nil {
				t.Errorf("SaveCard with empty %s succeeded", tc.name)
			}
		})
	}
}
