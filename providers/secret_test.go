package providers

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestExpandEnv(t *testing.T) {
	t.Setenv("TB_SET", "value-1")
	t.Setenv("TB_EMPTY", "")
	t.Setenv("TB_EMPTY2", "")
	for _, n := range []string{"TB_UNSET", "TB_UNSET2"} {
		t.Setenv(n, "")
		os.Unsetenv(n)
	}
	for _, tc := range []struct{ in, want, err string }{
		{in: "plain", want: "plain"},
		{in: "${TB_SET}", want: "value-1"},
		{in: "pre-${TB_SET}-post", want: "pre-value-1-post"},
		{in: "$TB_SET", want: "$TB_SET"}, // only the braced form is a reference
		{in: "${TB_UNSET}", err: "environment variable TB_UNSET is not set"},
		{in: "${TB_EMPTY}", err: "environment variable TB_EMPTY is empty"},
		// Every variable is named, once, so one run of check lists them all.
		{in: "${TB_UNSET}${TB_UNSET2}${TB_UNSET}", err: "environment variables TB_UNSET, TB_UNSET2 are not set"},
		{in: "${TB_UNSET}:${TB_EMPTY}:${TB_EMPTY2}:${TB_SET}", err: "environment variable TB_UNSET is not set; environment variables TB_EMPTY, TB_EMPTY2 are empty"},
	} {
		got, err := ExpandEnv(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("ExpandEnv(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ExpandEnv(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestSecretNeverPrints(t *testing.T) {
	t.Setenv("TB_SECRET", "hunter2-value")
	var s Secret
	if err := s.UnmarshalText([]byte("${TB_SECRET}")); err != nil || s.Reveal() != "hunter2-value" {
		t.Fatalf("UnmarshalText: %q %v", s.Reveal(), err)
	}
	b, _ := s.MarshalText()
	for _, out := range []string{s.String(), fmt.Sprintf("%v %s %q %x %#v %+v", s, s, s, s, s, s), string(b)} {
		if strings.Contains(out, "hunter2") {
			t.Errorf("printed the secret: %s", out)
		}
	}
}
