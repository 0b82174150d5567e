package store

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"
)

func binding(user, provider, id, by string) Binding {
	return Binding{Platform: "feishu", UserID: user, Provider: provider, VendorID: id, By: by, CreatedAt: at(time.Minute)}
}

func TestBindings(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	zhang := binding("ou_zhang", "ksyun", "38361", "ou_zhang")
	zhang.VendorName = "张三"
	mustBind := func(b Binding, takeOver bool) Binding {
		t.Helper()
		d, err := s.Bind(ctx, b, takeOver)
		if err != nil {
			t.Fatalf("Bind(%+v, %v): %v", b, takeOver, err)
		}
		return d
	}
	mustBind(zhang, false)
	mustBind(binding("ou_zhang", "weiban", "zhangsan", "ou_zhang"), false)
	// The same vendor id on another platform is another tenant's person.
	other := binding("zhangsan", "ksyun", "38361", "zhangsan")
	other.Platform = "wecom"
	mustBind(other, false)

	got, err := s.Bindings(ctx, "feishu", "ou_zhang")
	mustDo(t, err)
	want := []Binding{zhang, binding("ou_zhang", "weiban", "zhangsan", "ou_zhang")}
	for i := range want {
		want[i].CreatedAt = stored(want[i].CreatedAt)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Bindings = %+v, want %+v", got, want)
	}

	t.Run("someone else's identity is refused and nothing changes", func(t *testing.T) {
		_, err := s.Bind(ctx, binding("ou_li", "ksyun", "38361", "ou_li"), false)
		var taken *TakenError
		if !errors.As(err, &taken) || taken.Holder.UserID != "ou_zhang" || taken.Holder.VendorName != "张三" {
			t.Fatalf("Bind = %v, want TakenError held by ou_zhang", err)
		}
		if _, err := s.BindingOf(ctx, "feishu", "ou_li", "ksyun"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("ou_li bound after a refusal: %v", err)
		}
	})
	t.Run("binding one's own identity again keeps one row", func(t *testing.T) {
		again := zhang
		again.CreatedAt = at(time.Hour)
		if d := mustBind(again, false); d != (Binding{}) {
			t.Fatalf("displaced %+v by rebinding the same id", d)
		}
		b, err := s.BindingOf(ctx, "feishu", "ou_zhang", "ksyun")
		mustDo(t, err)
		if !b.CreatedAt.Equal(stored(at(time.Hour))) {
			t.Fatalf("rebinding kept %v", b.CreatedAt)
		}
	})
	t.Run("an admin takes an identity over", func(t *testing.T) {
		d := mustBind(binding("ou_li", "ksyun", "38361", "ou_admin"), true)
		if d.UserID != "ou_zhang" || d.VendorID != "38361" {
			t.Fatalf("displaced %+v, want ou_zhang's 38361", d)
		}
		if _, err := s.BindingOf(ctx, "feishu", "ou_zhang", "ksyun"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("ou_zhang still bound to a taken-over id: %v", err)
		}
		b, err := s.BindingOf(ctx, "feishu", "ou_li", "ksyun")
		mustDo(t, err)
		if b.VendorID != "38361" || b.By != "ou_admin" {
			t.Fatalf("ou_li's binding = %+v", b)
		}
	})
	t.Run("a person moves to another id", func(t *testing.T) {
		mustBind(binding("ou_li", "ksyun", "40001", "ou_li"), false)
		// 38361 is free again.
		mustBind(binding("ou_zhang", "ksyun", "38361", "ou_zhang"), false)
	})
	t.Run("unbind", func(t *testing.T) {
		ok, err := s.Unbind(ctx, "feishu", "ou_zhang", "weiban")
		mustDo(t, err)
		if !ok {
			t.Fatal("Unbind of a binding reported none")
		}
		if ok, _ := s.Unbind(ctx, "feishu", "ou_zhang", "weiban"); ok {
			t.Fatal("second Unbind reported a binding")
		}
		if _, err := s.BindingOf(ctx, "feishu", "ou_zhang", "weiban"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("BindingOf after Unbind: %v", err)
		}
	})
	t.Run("missing fields", func(t *testing.T) {
		if _, err := s.Bind(ctx, Binding{Platform: "feishu", UserID: "ou_x", Provider: "ksyun"}, false); err == nil {
			t.Fatal("Bind without a vendor id succeeded")
		}
	})
}

// Two people binding one identity at once: exactly one holds it, the other is told who.
func TestBindRace(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.Bind(ctx, binding("ou_"+string(rune('a'+i)), "ksyun", "38361", "x"), false)
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		var taken *TakenError
		switch {
		case err == nil:
			won++
		case errors.As(err, &taken):
		default:
			t.Errorf("binder %d: %v (want success or TakenError)", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d binders won, want 1", won)
	}
}

func TestTellDefaultOnce(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	first, err := s.TellDefault(ctx, "feishu", "ou_a", "ksyun", at(0))
	mustDo(t, err)
	again, err := s.TellDefault(ctx, "feishu", "ou_a", "ksyun", at(time.Minute))
	mustDo(t, err)
	otherVendor, err := s.TellDefault(ctx, "feishu", "ou_a", "weiban", at(time.Minute))
	mustDo(t, err)
	if !first || again || !otherVendor {
		t.Fatalf("TellDefault = %v, %v, %v; want true, false, true", first, again, otherVendor)
	}
	mustDo(t, s.ForgetTold(ctx, "feishu", "ou_a", "ksyun"))
	if after, _ := s.TellDefault(ctx, "feishu", "ou_a", "ksyun", at(time.Hour)); !after {
		t.Fatal("TellDefault after ForgetTold is not a first time")
	}
}
