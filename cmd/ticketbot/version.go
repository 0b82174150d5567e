package main

import (
	"regexp"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise it comes from the
// build info (formatVersion).
var version = ""

func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return formatVersion(version, bi)
}

// pseudoVersion matches the versions the go command makes up for a commit without a tag
// (v0.0.0-20261121100000-1a2b3c4d5e6f, v1.2.4-0.20261121100000-1a2b3c4d5e6f+dirty).
var pseudoVersion = regexp.MustCompile(`[-.]\d{14}-[0-9a-f]{12}(\+dirty)?$`)

// formatVersion is the version to print: the ldflags value; else the module version when it
// is a release tag (go install …@v1.2.3); else the commit the binary was built from, short,
// with its time and "-dirty" when the tree had changes (go build in a checkout); else the
// module version the go command made up; else "(devel)".
func formatVersion(ldflags string, bi *debug.BuildInfo) string {
	if ldflags != "" {
		return ldflags
	}
	if bi == nil {
		return "(devel)"
	}
	mod := bi.Main.Version
	if mod != "" && mod != "(devel)" && !pseudoVersion.MatchString(mod) {
		return mod
	}
	vcs := map[string]string{}
	for _, s := range bi.Settings {
		vcs[s.Key] = s.Value
	}
	if rev := vcs["vcs.revision"]; rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if vcs["vcs.modified"] == "true" {
			rev += "-dirty"
		}
		if t := vcs["vcs.time"]; t != "" {
			rev += " (" + t + ")"
		}
		return rev
	}
	if mod != "" {
		return mod
	}
	return "(devel)"
}
