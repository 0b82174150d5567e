package store

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// AuditEntry is one action taken in a chat. It names the ticket and the vendor's request ids,
// never the content: an audit export is handed around, tickets' text is not.
type AuditEntry struct {
	At       time.Time `json:"at"`
	Platform string    `json:"platform"`
	ChatID   string    `json:"chat_id"`
	UserID   string    `json:"user_id"`
	UserName string    `json:"user_name"`
	Command  string    `json:"command"`
	Provider string    `json:"provider"`
	TicketID string    `json:"ticket_id"`
	// RequestID is the delivery's own request id, which every log line it caused names
	// (package reqid); RequestIDs are the vendor's, of the calls it made.
	RequestID  string   `json:"request_id"`
	RequestIDs []string `json:"request_ids"`
	// Result is ok, queued, refused, denied, failed or error; Detail says more (a vendor
	// code, the reason of a refusal).
	Result string `json:"result"`
	Detail string `json:"detail"`
}

const (
	sqlRecordAudit = `INSERT INTO audit (id, at, platform, chat_id, user_id, user_name, command, provider, ticket_id,
		request_ids, result, detail, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`
	sqlAuditSince = `SELECT at, platform, chat_id, user_id, user_name, command, provider, ticket_id, request_ids,
		result, detail, request_id FROM audit WHERE at >= $1 AND at < $2 ORDER BY at, id`
	sqlPruneAudit = `DELETE FROM audit WHERE at < $1`
)

// RecordAudit appends one entry.
func (s *SQL) RecordAudit(ctx context.Context, a AuditEntry) error {
	var b [8]byte
	_, _ = rand.Read(b[:])
	id := int64(binary.BigEndian.Uint64(b[:]) >> 1)
	_, err := s.db.ExecContext(ctx, sqlRecordAudit, id, millis(a.At), a.Platform, a.ChatID, a.UserID, a.UserName,
		a.Command, a.Provider, a.TicketID, strings.Join(a.RequestIDs, ","), a.Result, clip(a.Detail), a.RequestID)
	if err != nil {
		return fmt.Errorf("store: record audit: %w", err)
	}
	return nil
}

// Audit lists the entries from since (inclusive) to until (exclusive), oldest first.
func (s *SQL) Audit(ctx context.Context, since, until time.Time) ([]AuditEntry, error) {
	rows, err := s.db.QueryContext(ctx, sqlAuditSince, millis(since), millis(until))
	if err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var a AuditEntry
		var at int64
		var ids string
		if err := rows.Scan(&at, &a.Platform, &a.ChatID, &a.UserID, &a.UserName, &a.Command, &a.Provider,
			&a.TicketID, &ids, &a.Result, &a.Detail, &a.RequestID); err != nil {
			return nil, fmt.Errorf("store: audit: %w", err)
		}
		a.At = fromMillis(at)
		a.RequestIDs = []string{}
		if ids != "" {
			a.RequestIDs = strings.Split(ids, ",")
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// PruneAudit forgets the entries recorded before before, as [retention] audit asks. The
// audit's primary key starts with at, so this reads only what it deletes.
func (s *SQL) PruneAudit(ctx context.Context, before time.Time) error {
	if _, err := s.db.ExecContext(ctx, sqlPruneAudit, millis(before)); err != nil {
		return fmt.Errorf("store: prune audit: %w", err)
	}
	return nil
}
