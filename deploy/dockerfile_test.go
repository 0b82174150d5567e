package deploy

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction, its continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, …
	args string
}

// readDockerfile splits the Dockerfile into stages of instructions; each stage starts with
// its FROM.
func readDockerfile(t *testing.T) [][]instruction {
	t.Helper()
	var stages [][]instruction
	var line string
	for _, l := range strings.Split(readFile(t, "../Dockerfile"), "\n") {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "#") || (t == "" && line == "") {
			continue
		}
		if strings.HasSuffix(l, "\\") {
			line += strings.TrimSuffix(l, "\\") + " "
			continue
		}
		line += l
		cmd, args, _ := strings.Cut(strings.TrimSpace(line), " ")
		line = ""
		in := instruction{strings.ToUpper(cmd), strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			t.Fatalf("%s before the first FROM", in.cmd)
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], in)
	}
	return stages
}

// execForm decodes an instruction's JSON array ("exec form"); anything else fails.
func execForm(t *testing.T, in instruction) []string {
	t.Helper()
	var argv []string
	if err := json.Unmarshal([]byte(in.args), &argv); err != nil {
		t.Errorf("%s %s: want the exec form, a JSON array: %v", in.cmd, in.args, err)
	}
	return argv
}

// TestDockerfile: the builder runs scripts/release for the target platform; the final image
// is distroless, runs as nonroot, checks its health with the binary's own health command and
// runs serve with the configuration where every deployment mounts it.
func TestDockerfile(t *testing.T) {
	stages := readDockerfile(t)
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a builder and the image", len(stages))
	}
	builder, final := stages[0], stages[len(stages)-1]
	if !strings.Contains(builder[0].args, "golang:1.26") {
		t.Errorf("builder FROM %s, want golang:1.26", builder[0].args)
	}
	if !slices.ContainsFunc(builder, func(in instruction) bool {
		return in.cmd == "RUN" && strings.Contains(in.args, "scripts/release") && strings.Contains(in.args, `"$TARGETOS/$TARGETARCH"`)
	}) {
		t.Error("no RUN in the builder runs scripts/release for $TARGETOS/$TARGETARCH")
	}
	if fi, err := os.Stat("../scripts/release"); err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("scripts/release is not an executable file: %v", err)
	}

	if from := final[0].args; from != "gcr.io/distroless/static-debian12:nonroot" {
		t.Errorf("final FROM %s, want gcr.io/distroless/static-debian12:nonroot", from)
	}
	last := map[string]instruction{}
	for _, in := range final {
		last[in.cmd] = in // the last of each kind is the one in force
	}
	if u := last["USER"].args; u != "nonroot:nonroot" && u != "65532:65532" {
		t.Errorf("final USER %q, want nonroot:nonroot", u)
	}
	hc, ok := last["HEALTHCHECK"]
	_, cmd, _ := strings.Cut(hc.args, "CMD ")
	if !ok || !slices.Equal(execForm(t, instruction{"HEALTHCHECK CMD", cmd}), []string{"/ticketbot", "health"}) {
		t.Errorf("HEALTHCHECK %q, want CMD [\"/ticketbot\", \"health\"]", hc.args)
	}
	if ep := execForm(t, last["ENTRYPOINT"]); !slices.Equal(ep, []string{"/ticketbot"}) {
		t.Errorf("ENTRYPOINT %q, want [\"/ticketbot\"]", ep)
	}
	if c := execForm(t, last["CMD"]); !slices.Equal(c, serveArgs) {
		t.Errorf("CMD %q, want %q", c, serveArgs)
	}
	if e := strings.Fields(last["EXPOSE"].args); !slices.Equal(e, []string{"8080", "9090"}) {
		t.Errorf("EXPOSE %q, want the webhook and admin ports 8080 9090", e)
	}
	if v := last["VOLUME"].args; v != "/data" {
		t.Errorf("VOLUME %q, want /data", v)
	}
	if !slices.ContainsFunc(final, func(in instruction) bool {
		return in.cmd == "COPY" && strings.Contains(in.args, "--chown=65532:65532") && strings.HasSuffix(in.args, " /data")
	}) {
		t.Error("/data is not copied in owned by nonroot: a new volume there would be root's")
	}
}
