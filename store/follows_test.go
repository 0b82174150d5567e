package store

import (
	"context"
	"reflect"
	"testing"
	"time"
)

func follow(chat, provider, ticket, by string, d time.Duration) Follow {
	return Follow{Platform: "feishu", ChatID: chat, Provider: provider, TicketID: ticket, By: by, CreatedAt: at(d)}
}

func storedFollows(fs ...Follow) []Follow {
	out := make([]Follow, len(fs))
	for i, f := range fs {
		f.CreatedAt = stored(f.CreatedAt)
		out[i] = f
	}
	return out
}

func TestFollows(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	// Saved out of order: Following must sort by time, then provider and ticket id.
	newest := follow("oc_1", "ksyun", "1", "ou_a", 3*time.Minute)
	oldest := follow("oc_1", "weiban", "9", "ou_a", 0)
	tieB := follow("oc_1", "ksyun", "5", "ou_b", time.Minute)
	tieA := follow("oc_1", "aliyun", "5", "ou_b", time.Minute)
	elsewhere := follow("oc_2", "ksyun", "1", "ou_c", 2*time.Minute)
	for _, f := range []Follow{newest, oldest, tieB, tieA, elsewhere} {
		mustDo(t, s.Follow(ctx, f))
	}
	// Following again, later and by someone else, keeps the first row.
	again := newest
	again.By, again.CreatedAt = "ou_z", at(time.Hour)
	mustDo(t, s.Follow(ctx, again))

	t.Run("Following oldest first", func(t *testing.T) {
		got, err := s.Following(ctx, "feishu", "oc_1")
		want := storedFollows(oldest, tieA, tieB, newest)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Following = %+v, %v\nwant %+v", got, err, want)
		}
	})

	t.Run("Followers", func(t *testing.T) {
		got, err := s.Followers(ctx, "ksyun", "1")
		want := storedFollows(elsewhere, newest)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Followers = %+v, %v\nwant %+v", got, err, want)
		}
	})

	t.Run("nothing followed", func(t *testing.T) {
		got, err := s.Following(ctx, "wecom", "oc_1")
		if err != nil || len(got) != 0 {
			t.Errorf("Following in an unknown chat = %+v, %v", got, err)
		}
	})

	t.Run("Unfollow", func(t *testing.T) {
		for _, tc := range []struct {
			name                   string
			chat, provider, ticket string
			want                   bool
		}{
			{"was following", "oc_1", "ksyun", "1", true},
			{"twice", "oc_1", "ksyun", "1", false},
			{"never followed", "oc_1", "ksyun", "404", false},
			{"other chat unaffected", "oc_2", "ksyun", "1", true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.Unfollow(ctx, "feishu", tc.chat, tc.provider, tc.ticket)
				if err != nil || got != tc.want {
					t.Errorf("Unfollow = %v, %v; want %v", got, err, tc.want)
				}
			})
		}
		got, err := s.Followers(ctx, "ksyun", "1")
		if err != nil || len(got) != 0 {
			t.Errorf("Followers after unfollowing = %+v, %v; want none", got, err)
		}
	})

	t.Run("empty key rejected", func(t *testing.T) {
		if err := s.Follow(ctx, follow("", "ksyun", "1", "ou_a", 0)); err == nil {
			t.Error("Follow with an empty chat succeeded")
		}
	})
}
