package reqid

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

// A line logged with a context that carries a request id names it once, whether or not the
// logger or the line named it already; a line without one names none.
func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}})))
	ctx := With(context.Background(), "00c0ffee00c0ffee")
	log.InfoContext(ctx, "plain")
	log.Info("no context")
	log.With(Key, "given").InfoContext(ctx, "logger names one")
	log.InfoContext(ctx, "line names one", Key, "line")
	log.WithGroup("g").InfoContext(ctx, "grouped")
	want := []string{
		`level=INFO msg=plain request_id=00c0ffee00c0ffee`,
		`level=INFO msg="no context"`,
		`level=INFO msg="logger names one" request_id=given`,
		`level=INFO msg="line names one" request_id=line`,
		`level=INFO msg=grouped g.request_id=00c0ffee00c0ffee`,
	}
	got := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("logged:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if From(context.Background()) != "" || From(With(context.Background(), "")) != "" {
		t.Error("an id out of nothing")
	}
}

func TestNew(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := New()
		if len(id) != 16 || seen[id] {
			t.Fatalf("id %q (seen before: %v)", id, seen[id])
		}
		seen[id] = true
	}
}
