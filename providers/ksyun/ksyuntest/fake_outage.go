package ksyuntest

// Down makes every request answer HTTP 503 until Recover: an outage, for the outbox's
// tests, rather than a counted number of failures.
func (f *Server) Down() { f.FailHTTP(1<<20, 503) }

// Recover drops every pending failure: the vendor answers again.
func (f *Server) Recover() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures = nil
}
