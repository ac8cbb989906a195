-- Venues (tenants), their roles and members, the venue's data as sealed documents, the
-- per-venue change feed and the append-only, hash-chained audit trail. Every tenant table
-- carries venue_id first in its primary key, so the schema can be distributed by venue.

CREATE TABLE venues (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    timezone   TEXT NOT NULL,
    capacity   INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    version    INTEGER NOT NULL
) STRICT;

CREATE TABLE roles (
    venue_id    TEXT NOT NULL REFERENCES venues(id),
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    builtin     INTEGER NOT NULL,
    permissions INTEGER NOT NULL,      -- bitset, see venuedesk_api::permission
    require_mfa INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    PRIMARY KEY (venue_id, id),
    UNIQUE (venue_id, name)
) STRICT;

CREATE TABLE members (
    venue_id  TEXT NOT NULL REFERENCES venues(id),
    user_id   TEXT NOT NULL REFERENCES users(id),
    role_id   TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    version   INTEGER NOT NULL,
    PRIMARY KEY (venue_id, user_id),
    FOREIGN KEY (venue_id, role_id) REFERENCES roles(venue_id, id)
) STRICT;
CREATE INDEX members_user ON members(user_id);

CREATE TABLE invitations (
    venue_id    TEXT NOT NULL REFERENCES venues(id),
    id          TEXT NOT NULL,
    email       TEXT NOT NULL,
    role_id     TEXT NOT NULL,
    token_hash  BLOB NOT NULL UNIQUE,
    expires_at  INTEGER NOT NULL,
    accepted_at INTEGER,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (venue_id, id)
) STRICT;

-- Products, customers, bookings and orders. The whole document is AES-256-GCM sealed with
-- the venue's data key; the plain columns are what queries and the capacity check need.
CREATE TABLE docs (
    venue_id   TEXT NOT NULL REFERENCES venues(id),
    entity     TEXT NOT NULL,          -- product | customer | booking | order
    id         TEXT NOT NULL,
    version    INTEGER NOT NULL,
    status     TEXT,
    starts_at  INTEGER,
    ends_at    INTEGER,
    party_size INTEGER,
    ref_id     TEXT,                   -- booking: customer id; order: booking id
    data_enc   BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (venue_id, id)
) STRICT;
CREATE INDEX docs_entity_time ON docs(venue_id, entity, starts_at);
CREATE INDEX docs_entity_created ON docs(venue_id, entity, created_at, id);
CREATE INDEX docs_ref ON docs(venue_id, ref_id);

-- The change feed keeps one row per entity, moved to a new seq on every change, so a pull
-- from any cursor sees each entity's current state once and no stale personal data.
CREATE TABLE changes (
    venue_id  TEXT NOT NULL REFERENCES venues(id),
    seq       INTEGER NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op        TEXT NOT NULL,           -- upsert | delete
    PRIMARY KEY (venue_id, seq),
    UNIQUE (venue_id, entity, entity_id)
) STRICT;

CREATE TABLE venue_sequences (
    venue_id   TEXT PRIMARY KEY REFERENCES venues(id),
    change_seq INTEGER NOT NULL
) STRICT;

CREATE TABLE audit_events (
    venue_id  TEXT NOT NULL REFERENCES venues(id),
    seq       INTEGER NOT NULL,
    id        TEXT NOT NULL,
    at_ms     INTEGER NOT NULL,       -- for range queries; `canonical` holds the hashed form
    actor_id  TEXT,
    action    TEXT NOT NULL,
    canonical TEXT NOT NULL,          -- RFC 8785 JSON of the event without "hash"
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    PRIMARY KEY (venue_id, seq)
) STRICT;
CREATE INDEX audit_events_time ON audit_events(venue_id, at_ms);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
