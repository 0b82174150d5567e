// Package span is a span of time as people write it in the configuration file: "5m", "24h".
// Duration is the configuration's type for one; Format writes one back.
package span

import (
	"strings"
	"time"
)

// Format writes d the way a person writes it in the configuration file: "5m" and "24h"
// rather than time.Duration's "5m0s" and "24h0m0s".
func Format(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
