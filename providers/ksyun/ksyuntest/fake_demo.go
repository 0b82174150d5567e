package ksyuntest

// Resume takes a ticket back to 处理中 as Kingsoft staff who resume work on it would: status
// 处理中, finished_time cleared, every product line 处理中 again. Finish then Resume is a
// ticket the customer no longer needs to confirm (the demo's vendor console uses it).
func (f *Server) Resume(id string) error {
	return f.update(id, func(t *Ticket, now int64) {
		t.Status = statusProcessing
		t.FinishedTime = 0
		if t.StartedTime == 0 {
			t.StartedTime = now
		}
		for i := range t.Assigns {
			t.Assigns[i].Status = statusProcessing
		}
	})
}
