package store

import (
	"context"
	"errors"
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

func TestSaveCardMoves(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		saves []Card
		// want is what each message id maps to afterwards; a zero Card means not found.
		want map[string]Card
	}{
		{
			name: "repost moves the card to the new message",
			saves: []Card{
				card("feishu", "oc_1", "om_1", "ksyun", "1204", 0),
				card("feishu", "oc_1", "om_2", "ksyun", "1204", time.Minute),
			},
			want: map[string]Card{
				"om_1": {},
				"om_2": card("feishu", "oc_1", "om_2", "ksyun", "1204", time.Minute),
			},
		},
		{
			name: "saving the same message again updates the time",
			saves: []Card{
				card("feishu", "oc_1", "om_1", "ksyun", "1204", 0),
				card("feishu", "oc_1", "om_1", "ksyun", "1204", time.Hour),
			},
			want: map[string]Card{
				"om_1": card("feishu", "oc_1", "om_1", "ksyun", "1204", time.Hour),
			},
		},
		{
			name: "a message updated to show another ticket belongs to that ticket only",
			saves: []Card{
				card("feishu", "oc_1", "om_1", "ksyun", "1204", 0),
				card("feishu", "oc_1", "om_1", "aliyun", "77", time.Minute),
			},
			want: map[string]Card{
				"om_1": card("feishu", "oc_1", "om_1", "aliyun", "77", time.Minute),
			},
		},
		{
			name: "cards in other chats stay",
			saves: []Card{
				card("feishu", "oc_1", "om_1", "ksyun", "1204", 0),
				card("feishu", "oc_2", "om_2", "ksyun", "1204", 0),
				card("feishu", "oc_1", "om_3", "ksyun", "1204", time.Minute),
			},
			want: map[string]Card{
				"om_1": {},
				"om_2": card("feishu", "oc_2", "om_2", "ksyun", "1204", 0),
				"om_3": card("feishu", "oc_1", "om_3", "ksyun", "1204", time.Minute),
			},
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
				inChat, err := s.CardInChat(ctx, "feishu", want.ChatID, want.Provider, want.TicketID)
				if err != nil || inChat.MessageID != msg {
					t.Errorf("CardInChat(%s %s) = %+v, %v; want message %s", want.Provider, want.TicketID, inChat, err, msg)
				}
			}
		})
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
