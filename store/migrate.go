package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migration is one step of the schema. Versions only grow; a released migration is never
// edited, a change is a new migration.
type migration struct {
	version int
	name    string
	stmts   []string
}

// migrations is the schema, oldest first. The DDL sticks to types both SQLite and
// PostgreSQL accept (TEXT, BIGINT) except BLOB, which PostgreSQL spells BYTEA. Times are
// BIGINT unix milliseconds (see millis).
var migrations = []migration{
	{
		version: 1,
		name:    "initial schema",
		stmts: []string{
			// processed remembers delivery ids so redelivered events are handled once.
			`CREATE TABLE processed (
				key TEXT NOT NULL PRIMARY KEY,
				at  BIGINT NOT NULL
			)`,
			`CREATE INDEX processed_at ON processed (at)`,

			// cards: one living card per ticket per chat (the primary key); a message shows
			// at most one ticket (the unique key), so a click finds its ticket.
			`CREATE TABLE cards (
				platform   TEXT NOT NULL,
				chat_id    TEXT NOT NULL,
				message_id TEXT NOT NULL,
				provider   TEXT NOT NULL,
				ticket_id  TEXT NOT NULL,
				updated_at BIGINT NOT NULL,
				PRIMARY KEY (platform, chat_id, provider, ticket_id),
				UNIQUE (platform, message_id)
			)`,
			`CREATE INDEX cards_ticket ON cards (provider, ticket_id)`,

			`CREATE TABLE follows (
				platform   TEXT NOT NULL,
				chat_id    TEXT NOT NULL,
				provider   TEXT NOT NULL,
				ticket_id  TEXT NOT NULL,
				by_user    TEXT NOT NULL,
				created_at BIGINT NOT NULL,
				PRIMARY KEY (platform, chat_id, provider, ticket_id)
			)`,
			`CREATE INDEX follows_ticket ON follows (provider, ticket_id)`,

			`CREATE TABLE tickets (
				provider        TEXT NOT NULL,
				ticket_id       TEXT NOT NULL,
				status          TEXT NOT NULL,
				raw_status      TEXT NOT NULL,
				last_note_id    TEXT NOT NULL,
				creator_user_id TEXT NOT NULL,
				snapshot        BLOB,
				updated_at      BIGINT NOT NULL,
				PRIMARY KEY (provider, ticket_id)
			)`,
		},
	},
	{
		version: 2,
		name:    "notices outbox",
		stmts: []string{
			// notices is the watcher's outbox: a notice is written in the same transaction
			// that advances the ticket's last seen state, and marked sent after delivery, so
			// a crash between detection and delivery neither loses nor repeats it.
			`CREATE TABLE notices (
				id         TEXT NOT NULL PRIMARY KEY,
				platform   TEXT NOT NULL,
				chat_id    TEXT NOT NULL,
				provider   TEXT NOT NULL,
				ticket_id  TEXT NOT NULL,
				kind       TEXT NOT NULL,
				payload    BLOB,
				created_at BIGINT NOT NULL,
				sent_at    BIGINT NOT NULL DEFAULT 0,
				attempts   BIGINT NOT NULL DEFAULT 0,
				next_at    BIGINT NOT NULL DEFAULT 0,
				last_error TEXT NOT NULL DEFAULT ''
			)`,
			`CREATE INDEX notices_pending ON notices (sent_at, next_at, created_at)`,
		},
	},
	{
		version: 3,
		name:    "claims, jobs outbox, audit",
		stmts: []string{
			// A ticket's version grows with every status change and every card action; a
			// button carries the version it was drawn for, so a stale or repeated click loses
			// the compare-and-set. acted_* say who won the last one, for the loser's answer.
			`ALTER TABLE tickets ADD COLUMN version BIGINT NOT NULL DEFAULT 0`,
			`ALTER TABLE tickets ADD COLUMN acted_by TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE tickets ADD COLUMN acted_op TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE tickets ADD COLUMN acted_state TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE tickets ADD COLUMN acted_at BIGINT NOT NULL DEFAULT 0`,

			// jobs is the outbox of writes to vendors (create, reply, close) and of answers
			// to chats: a write is stored before it is tried, so neither a failing vendor nor
			// kill -9 loses it, and its id (the idempotency key) keeps it from being done twice.
			`CREATE TABLE jobs (
				id          TEXT NOT NULL PRIMARY KEY,
				kind        TEXT NOT NULL,
				platform    TEXT NOT NULL,
				chat_id     TEXT NOT NULL,
				message_id  TEXT NOT NULL,
				user_id     TEXT NOT NULL,
				provider    TEXT NOT NULL,
				ticket_id   TEXT NOT NULL,
				payload     BLOB,
				state       TEXT NOT NULL,
				attempts    BIGINT NOT NULL DEFAULT 0,
				next_at     BIGINT NOT NULL DEFAULT 0,
				lease_until BIGINT NOT NULL DEFAULT 0,
				last_error  TEXT NOT NULL DEFAULT '',
				created_at  BIGINT NOT NULL,
				give_up_at  BIGINT NOT NULL,
				done_at     BIGINT NOT NULL DEFAULT 0
			)`,
			`CREATE INDEX jobs_due ON jobs (state, next_at)`,

			// audit records every action taken in a chat: who, where, what, on which ticket,
			// the vendor's request ids and the result. Content is never stored here.
			`CREATE TABLE audit (
				id          BIGINT NOT NULL,
				at          BIGINT NOT NULL,
				platform    TEXT NOT NULL,
				chat_id     TEXT NOT NULL,
				user_id     TEXT NOT NULL,
				user_name   TEXT NOT NULL,
				command     TEXT NOT NULL,
				provider    TEXT NOT NULL,
				ticket_id   TEXT NOT NULL,
				request_ids TEXT NOT NULL,
				result      TEXT NOT NULL,
				detail      TEXT NOT NULL,
				PRIMARY KEY (at, id)
			)`,
		},
	},
	{
		version: 4,
		name:    "several cards of a ticket in a chat",
		stmts: []string{
			// cards: a message shows one ticket (the key), and a chat may hold several cards of
			// one ticket (the card of the 建单, then each 查看). seq numbers a ticket's cards in
			// a chat in the order they were posted: the first is the thread anchor notices go
			// to, the newest few are redrawn on a change. Every card stays, so a reply in any
			// card's thread still finds its ticket.
			`CREATE TABLE cards_v4 (
				platform   TEXT NOT NULL,
				chat_id    TEXT NOT NULL,
				message_id TEXT NOT NULL,
				provider   TEXT NOT NULL,
				ticket_id  TEXT NOT NULL,
				seq        BIGINT NOT NULL,
				updated_at BIGINT NOT NULL,
				PRIMARY KEY (platform, message_id)
			)`,
			`INSERT INTO cards_v4 (platform, chat_id, message_id, provider, ticket_id, seq, updated_at)
				SELECT platform, chat_id, message_id, provider, ticket_id, 1, updated_at FROM cards`,
			`DROP TABLE cards`,
			`ALTER TABLE cards_v4 RENAME TO cards`,
			`CREATE INDEX cards_chat_ticket ON cards (platform, chat_id, provider, ticket_id, seq)`,
			`CREATE INDEX cards_ticket ON cards (provider, ticket_id)`,
		},
	},
	{
		version: 5,
		name:    "notices leased, given up and pruned",
		stmts: []string{
			// A notice is leased to the process that posts it (two replicas never post the
			// same notice), given up after the retry policy's time (kept with its reason,
			// never retried for ever), and forgotten once sent or given up long enough ago.
			`ALTER TABLE notices ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0`,
			`ALTER TABLE notices ADD COLUMN given_up_at BIGINT NOT NULL DEFAULT 0`,
		},
	},
	{
		version: 6,
		name:    "leaders",
		stmts: []string{
			// One row per role only one replica may play at a time (the watcher, the
			// summaries, a long connection): who holds it, until when, and the fencing
			// token, which grows with each new holder.
			`CREATE TABLE leaders (
				name        TEXT NOT NULL PRIMARY KEY,
				holder      TEXT NOT NULL,
				token       BIGINT NOT NULL,
				lease_until BIGINT NOT NULL
			)`,
		},
	},
	{
		version: 7,
		name:    "inbox",
		stmts: []string{
			// Deliveries acknowledged while the workers were full: kept here, in arrival
			// order (seq), instead of being refused, until a worker is free. A row is taken
			// by deleting it.
			`CREATE TABLE inbox (
				key        TEXT NOT NULL PRIMARY KEY,
				seq        BIGINT NOT NULL,
				payload    BLOB NOT NULL,
				created_at BIGINT NOT NULL
			)`,
			`CREATE INDEX inbox_seq ON inbox (seq)`,
		},
	},
	{
		version: 8,
		name:    "inbox in batches",
		stmts: []string{
			// One row per group commit instead of one per delivery: at a burst the ack path
			// keeps tens of thousands a second, and a row with its keys cost more than the
			// delivery's whole check. A redelivery is recognised when the batch is taken
			// (the processed ids), as before. id is random, so replicas never collide.
			`CREATE TABLE inbox_batches (
				id         TEXT NOT NULL PRIMARY KEY,
				seq        BIGINT NOT NULL,
				deliveries BIGINT NOT NULL,
				payload    BLOB NOT NULL,
				created_at BIGINT NOT NULL
			)`,
			`CREATE INDEX inbox_batches_seq ON inbox_batches (seq)`,
			// What waits from before the upgrade is kept, each delivery a batch of one (the
			// dispatcher reads a lone message as such).
			`INSERT INTO inbox_batches (id, seq, deliveries, payload, created_at)
				SELECT key, seq, 1, payload, created_at FROM inbox`,
			`DROP TABLE inbox`,
		},
	},
	{
		version: 9,
		name:    "audit request id",
		stmts: []string{
			// The delivery's own request id, as its log lines name it (package reqid): from an
			// audit row to everything the command did.
			`ALTER TABLE audit ADD COLUMN request_id TEXT NOT NULL DEFAULT ''`,
		},
	},
	{
		version: 10,
		name:    "identity bindings",
		stmts: []string{
			// bindings: who a chat user is at a vendor, as they bound it themselves (绑定) or
			// an admin bound it for them; [[users]] in the configuration wins over a row here.
			// One person per vendor identity on a platform (the unique key): nobody acts as
			// someone else by binding their id.
			`CREATE TABLE bindings (
				platform   TEXT NOT NULL,
				user_id    TEXT NOT NULL,
				provider   TEXT NOT NULL,
				vendor_id  TEXT NOT NULL,
				vendor_name TEXT NOT NULL DEFAULT '',
				by_user    TEXT NOT NULL,
				created_at BIGINT NOT NULL,
				PRIMARY KEY (platform, user_id, provider),
				UNIQUE (platform, provider, vendor_id)
			)`,
			// default_told: the people told once that they acted as a vendor's configured
			// default identity, so the sentence is said once, not at every command.
			`CREATE TABLE default_told (
				platform TEXT NOT NULL,
				user_id  TEXT NOT NULL,
				provider TEXT NOT NULL,
				at       BIGINT NOT NULL,
				PRIMARY KEY (platform, user_id, provider)
			)`,
		},
	},
	{
		version: 11,
		name:    "languages",
		stmts: []string{
			// The language a chat's admins chose for it, or a person for themselves (scope
			// "chat" or "person", id the chat's or the person's platform id): "zh" or "en".
			// No row is no choice: the configuration decides.
			`CREATE TABLE languages (
				platform TEXT NOT NULL,
				scope    TEXT NOT NULL,
				id       TEXT NOT NULL,
				language TEXT NOT NULL,
				set_by   TEXT NOT NULL,
				set_at   BIGINT NOT NULL,
				PRIMARY KEY (platform, scope, id)
			)`,
		},
	},
	{
		version: 12,
		name:    "drafts",
		stmts: []string{
			// drafts: a create begun on a card that holds no inputs (the guided 建单): what
			// the person chose on it, waiting for their next message in the chat to bring the
			// title and the details. One per person per chat; form_key is the card's, which
			// names the create's job, so one card creates once. Taken (deleted) by the message
			// that answers it; the janitor forgets the ones nobody answered.
			`CREATE TABLE drafts (
				platform   TEXT NOT NULL,
				chat_id    TEXT NOT NULL,
				user_id    TEXT NOT NULL,
				form_key   TEXT NOT NULL,
				provider   TEXT NOT NULL,
				priority   TEXT NOT NULL,
				type       TEXT NOT NULL,
				created_at BIGINT NOT NULL,
				PRIMARY KEY (platform, chat_id, user_id)
			)`,
			`CREATE INDEX drafts_created ON drafts (created_at)`,
		},
	},
	{
		version: 13,
		name:    "owners",
		stmts: []string{
			// Who in a chat owns a ticket (认领, 转派): the group's, not the vendor's. One owner
			// per ticket per chat; a ticket followed by two chats may have one in each.
			`CREATE TABLE owners (
				platform  TEXT NOT NULL,
				chat_id   TEXT NOT NULL,
				provider  TEXT NOT NULL,
				ticket_id TEXT NOT NULL,
				user_id   TEXT NOT NULL,
				user_name TEXT NOT NULL DEFAULT '',
				by_user   TEXT NOT NULL,
				at        BIGINT NOT NULL,
				PRIMARY KEY (platform, chat_id, provider, ticket_id)
			)`,
			`CREATE INDEX owners_by_user ON owners (platform, chat_id, user_id)`,
		},
	},
	{
		version: 14,
		name:    "ticket timeline",
		stmts: []string{
			// ticket_events: when each ticket was first seen, each change of its watched state,
			// and the vendor's first reply (at 0: before the bot knew), in the order they were
			// recorded (seq, per ticket). The weekly report is computed from them.
			`CREATE TABLE ticket_events (
				provider  TEXT NOT NULL,
				ticket_id TEXT NOT NULL,
				seq       BIGINT NOT NULL,
				at        BIGINT NOT NULL,
				kind      TEXT NOT NULL,
				status    TEXT NOT NULL,
				PRIMARY KEY (provider, ticket_id, seq)
			)`,
			`CREATE INDEX ticket_events_at ON ticket_events (at)`,
			// The tickets stored before: seen in their state when last stored, and any reply
			// they show came before the timeline, at a time not known.
			`INSERT INTO ticket_events (provider, ticket_id, seq, at, kind, status)
				SELECT provider, ticket_id, 1, updated_at, 'seen', status FROM tickets`,
			`INSERT INTO ticket_events (provider, ticket_id, seq, at, kind, status)
				SELECT provider, ticket_id, 2, 0, 'reply', '' FROM tickets WHERE last_note_id <> ''`,
		},
	},
	{
		version: 15,
		name:    "subscriptions",
		stmts: []string{
			// A chat's subscriptions to a vendor's tickets (订阅): numbered per chat (n, what
			// 取消订阅 names), the filter as its canonical text (spec: one subscription per
			// filter per chat) and as JSON, and the cursor: the vendor creation time the next
			// sweep lists from.
			`CREATE TABLE subscriptions (
				platform   TEXT NOT NULL,
				chat_id    TEXT NOT NULL,
				n          BIGINT NOT NULL,
				provider   TEXT NOT NULL,
				spec       TEXT NOT NULL,
				filter     TEXT NOT NULL,
				by_user    TEXT NOT NULL,
				created_at BIGINT NOT NULL,
				cursor_at  BIGINT NOT NULL,
				PRIMARY KEY (platform, chat_id, n)
			)`,
			`CREATE UNIQUE INDEX subscriptions_spec ON subscriptions (platform, chat_id, provider, spec)`,
		},
	},
}

const (
	sqlCreateMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    BIGINT NOT NULL PRIMARY KEY,
		applied_at BIGINT NOT NULL
	)`
	sqlMigrationApplied = `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`
	sqlRecordMigration  = `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`
)

// migrate applies the migrations not yet recorded in schema_migrations, each in its own
// transaction together with its record, so a failed step leaves neither half-built tables
// nor a false record, and reopening an up-to-date database changes nothing. The check runs
// inside the transaction (which takes the write lock at BEGIN) so two processes opening the
// same new file at once apply each step exactly once.
func migrate(ctx context.Context, db migrator, ms []migration) error {
	return migrateDialect(ctx, db, ms, nil)
}

// migrator is what migrations run on: the pool (SQLite, whose BEGIN takes the file's write
// lock) or the one connection that holds PostgreSQL's migration lock.
type migrator interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// migrateDialect is migrate with each statement rewritten for the database first (nil: as
// written, SQLite).
func migrateDialect(ctx context.Context, db migrator, ms []migration, rewrite func(string) string) error {
	if _, err := db.ExecContext(ctx, sqlCreateMigrations); err != nil {
		return fmt.Errorf("store: create schema_migrations: %w", err)
	}
	for _, m := range ms {
		if rewrite != nil {
			stmts := make([]string, len(m.stmts))
			for i, st := range m.stmts {
				stmts[i] = rewrite(st)
			}
			m.stmts = stmts
		}
		if err := applyMigration(ctx, db, m); err != nil {
			return fmt.Errorf("store: migration %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

func applyMigration(ctx context.Context, db migrator, m migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // no-op after Commit

	var n int
	if err := tx.QueryRowContext(ctx, sqlMigrationApplied, m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	for _, stmt := range m.stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, sqlRecordMigration, m.version, millis(time.Now())); err != nil {
		return err
	}
	return tx.Commit()
}
