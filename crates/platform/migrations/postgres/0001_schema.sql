-- The platform's schema on PostgreSQL: the same tables as the SQLite backend (its five
-- migrations folded into one), typed for PostgreSQL, with row-level security on every
-- table that carries a venue. Times are Unix milliseconds (UTC), as on SQLite.
--
-- Run by `venuedesk-platform migrate` as the OWNER role; the application role is granted
-- what it needs afterwards (see store/postgres/roles.rs). The tenant of a transaction is
-- set with set_config('venuedesk.venue_id', …, true): transaction-local, so a pooled
-- connection never carries it into the next transaction. NULLIF turns the '' a reused
-- connection reads back into NULL, and NULL matches no row.

-- Identity: users and what belongs to one user. No venue: not row-level secured.
CREATE TABLE users (
    id               uuid PRIMARY KEY,
    email            text NOT NULL UNIQUE,
    display_name     text NOT NULL,
    password_hash    text NOT NULL,
    totp_secret_enc  bytea,
    totp_pending_enc bytea,
    totp_last_step   bigint,
    created_at       bigint NOT NULL,
    updated_at       bigint NOT NULL
);

CREATE TABLE recovery_codes (
    user_id   uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash bytea NOT NULL,
    used_at   bigint,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE sessions (
    id                  uuid PRIMARY KEY,
    user_id             uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device_name         text,
    ip                  text,
    mfa_passed          boolean NOT NULL,
    created_at          bigint NOT NULL,
    last_used_at        bigint NOT NULL,
    absolute_expires_at bigint NOT NULL,
    revoked_at          bigint,
    revoke_reason       text
);
CREATE INDEX sessions_user ON sessions(user_id, created_at);

CREATE TABLE refresh_tokens (
    id                  uuid PRIMARY KEY,
    session_id          uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    token_hash          bytea NOT NULL UNIQUE,
    issued_at           bigint NOT NULL,
    expires_at          bigint NOT NULL,
    rotated_at          bigint,
    rotated_by_key_hash bytea,
    successor_id        uuid,
    voided_at           bigint
);
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);

CREATE TABLE mfa_challenges (
    token_hash      bytea PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device_name     text,
    ip              text,
    expires_at      bigint NOT NULL,
    failed_attempts bigint NOT NULL DEFAULT 0
);
CREATE INDEX mfa_challenges_user ON mfa_challenges(user_id);

CREATE TABLE security_events (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       text NOT NULL,
    at         bigint NOT NULL,
    ip         text,
    session_id uuid
);
CREATE INDEX security_events_user ON security_events(user_id, id);

-- Brute-force counters, shared by every node.
CREATE TABLE login_failures (
    identifier text NOT NULL,
    failed_at  bigint NOT NULL
);
CREATE INDEX login_failures_identifier ON login_failures(identifier, failed_at);

CREATE TABLE lockouts (
    identifier   text PRIMARY KEY,
    locked_until bigint NOT NULL
);

CREATE TABLE ip_hits (
    ip text NOT NULL,
    at bigint NOT NULL
);
CREATE INDEX ip_hits_ip ON ip_hits(ip, at);

CREATE TABLE idempotency_records (
    scope        text NOT NULL,
    key          text NOT NULL,
    fingerprint  bytea NOT NULL,
    locked_until bigint,
    response_enc bytea,
    created_at   bigint NOT NULL,
    expires_at   bigint NOT NULL,
    subject      text,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_records_expiry ON idempotency_records(expires_at);
CREATE INDEX idempotency_records_subject ON idempotency_records(subject) WHERE subject IS NOT NULL;

CREATE TABLE signing_keys (
    kid             text PRIMARY KEY,
    public_key      bytea NOT NULL,
    private_key_enc bytea NOT NULL,
    created_at      bigint NOT NULL
);

CREATE TABLE data_keys (
    scope       text PRIMARY KEY,
    wrapped_key bytea NOT NULL,
    created_at  bigint NOT NULL
);

-- Tenants. Every tenant table leads with venue_id (primary key and indexes), so the schema
-- can later be distributed by venue.
CREATE TABLE venues (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    timezone   text NOT NULL,
    capacity   bigint NOT NULL,
    created_at bigint NOT NULL,
    version    bigint NOT NULL
);

CREATE TABLE roles (
    venue_id    uuid NOT NULL REFERENCES venues(id),
    id          uuid NOT NULL,
    name        text NOT NULL,
    builtin     boolean NOT NULL,
    permissions bigint NOT NULL,
    require_mfa boolean NOT NULL,
    version     bigint NOT NULL,
    PRIMARY KEY (venue_id, id),
    UNIQUE (venue_id, name)
);

CREATE TABLE members (
    venue_id  uuid NOT NULL REFERENCES venues(id),
    user_id   uuid NOT NULL REFERENCES users(id),
    role_id   uuid NOT NULL,
    joined_at bigint NOT NULL,
    version   bigint NOT NULL,
    PRIMARY KEY (venue_id, user_id),
    FOREIGN KEY (venue_id, role_id) REFERENCES roles(venue_id, id)
);
CREATE INDEX members_user ON members(user_id, venue_id);

CREATE TABLE invitations (
    venue_id    uuid NOT NULL REFERENCES venues(id),
    id          uuid NOT NULL,
    email       text NOT NULL,
    role_id     uuid NOT NULL,
    token_hash  bytea NOT NULL UNIQUE,
    expires_at  bigint NOT NULL,
    accepted_at bigint,
    created_at  bigint NOT NULL,
    PRIMARY KEY (venue_id, id)
);

CREATE TABLE docs (
    venue_id   uuid NOT NULL REFERENCES venues(id),
    entity     text NOT NULL,
    id         uuid NOT NULL,
    version    bigint NOT NULL,
    status     text,
    starts_at  bigint,
    ends_at    bigint,
    party_size bigint,
    ref_id     uuid,
    data_enc   bytea NOT NULL,
    created_at bigint NOT NULL,
    deleted    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (venue_id, id)
);
CREATE INDEX docs_entity_time ON docs(venue_id, entity, starts_at, id);
CREATE INDEX docs_entity_created ON docs(venue_id, entity, created_at, id);
CREATE INDEX docs_ref ON docs(venue_id, ref_id);
CREATE INDEX docs_seats ON docs(venue_id, starts_at) INCLUDE (ends_at, party_size)
    WHERE entity = 'booking' AND NOT deleted AND status IN ('confirmed', 'seated');

CREATE TABLE changes (
    venue_id  uuid NOT NULL REFERENCES venues(id),
    seq       bigint NOT NULL,
    entity    text NOT NULL,
    entity_id uuid NOT NULL,
    op        text NOT NULL,
    PRIMARY KEY (venue_id, seq),
    UNIQUE (venue_id, entity, entity_id)
);

CREATE TABLE venue_sequences (
    venue_id   uuid PRIMARY KEY REFERENCES venues(id),
    change_seq bigint NOT NULL
);

CREATE TABLE audit_events (
    venue_id  uuid NOT NULL REFERENCES venues(id),
    seq       bigint NOT NULL,
    id        uuid NOT NULL,
    at_ms     bigint NOT NULL,
    actor_id  text,
    action    text NOT NULL,
    canonical text NOT NULL,
    prev_hash text NOT NULL,
    hash      text NOT NULL,
    PRIMARY KEY (venue_id, seq)
);
CREATE INDEX audit_events_time ON audit_events(venue_id, at_ms);

CREATE TABLE authz_denials (
    venue_id uuid NOT NULL REFERENCES venues(id),
    key      text NOT NULL,
    last_at  bigint NOT NULL,
    PRIMARY KEY (venue_id, key)
);

-- Append-only audit trail, for every role (the owner included): the app role is granted
-- only SELECT and INSERT, and as it does not own the table it cannot disable a trigger.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_events_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- Row-level security: enabled and forced (the owner too) on every table with a venue.
ALTER TABLE venues ENABLE ROW LEVEL SECURITY;
ALTER TABLE venues FORCE ROW LEVEL SECURITY;
ALTER TABLE roles ENABLE ROW LEVEL SECURITY;
ALTER TABLE roles FORCE ROW LEVEL SECURITY;
ALTER TABLE members ENABLE ROW LEVEL SECURITY;
ALTER TABLE members FORCE ROW LEVEL SECURITY;
ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
ALTER TABLE docs FORCE ROW LEVEL SECURITY;
ALTER TABLE changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE changes FORCE ROW LEVEL SECURITY;
ALTER TABLE venue_sequences ENABLE ROW LEVEL SECURITY;
ALTER TABLE venue_sequences FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
ALTER TABLE authz_denials ENABLE ROW LEVEL SECURITY;
ALTER TABLE authz_denials FORCE ROW LEVEL SECURITY;

-- The venue of the transaction: every read and write of a tenant table.
CREATE POLICY tenant ON venues
    USING (id = NULLIF(current_setting('venuedesk.venue_id', true), '')::uuid);
CREATE POLICY tenant ON roles
    USING (venue_id = NULLIF(current_setting('venuedesk.venue_id', true), '')::uuid);
CREATE POLICY tenant ON members
    USING (venue_id = NULLIF(current_setting('venuedesk.venue_id', true), '')::uuid);
CREATE POLICY tenant ON invitations
    USING (venue_id = NULLIF(current_setting('venuedesk.venue_id', true), '')::uuid);
CREATE POLICY tenant ON docs
    USING (venue_id = NULLIF(current_setting('venuedesk.venue_id', true), '')::uuid);
CREATE POLICY tenant ON changes
    USING (venue_id = NULLIF(current_setting('venuedesk.venue_id', true), '')::uuid);
CREATE POLICY tenant ON venue_sequences
    USING (venue_id = NULLIF(current_setting('venuedesk.venue_id', true), '')::uuid);
CREATE POLICY tenant ON audit_events
    USING (venue_id = NULLIF(current_setting('venuedesk.venue_id', true), '')::uuid);
CREATE POLICY tenant ON authz_denials
    USING (venue_id = NULLIF(current_setting('venuedesk.venue_id', true), '')::uuid);

-- The reads that cross venues, each narrow and read-only:
-- a user's own memberships (venuedesk.user_id) with the venue and role of each,
CREATE POLICY own_memberships ON members FOR SELECT
    USING (user_id = NULLIF(current_setting('venuedesk.user_id', true), '')::uuid);
CREATE POLICY own_memberships ON venues FOR SELECT
    USING (EXISTS (SELECT 1 FROM members m WHERE m.venue_id = venues.id
                   AND m.user_id = NULLIF(current_setting('venuedesk.user_id', true), '')::uuid));
CREATE POLICY own_memberships ON roles FOR SELECT
    USING (EXISTS (SELECT 1 FROM members m WHERE m.venue_id = roles.venue_id AND m.role_id = roles.id
                   AND m.user_id = NULLIF(current_setting('venuedesk.user_id', true), '')::uuid));
-- and the one invitation whose token the transaction holds (accepting it names its venue).
CREATE POLICY by_token ON invitations FOR SELECT
    USING (encode(token_hash, 'hex') = NULLIF(current_setting('venuedesk.invitation_token', true), ''));
-- Housekeeping deletes expired, unaccepted invitations of every venue, and nothing else.
CREATE POLICY expired ON invitations FOR DELETE
    USING (accepted_at IS NULL
           AND expires_at <= NULLIF(current_setting('venuedesk.purge_invitations_before', true), '')::bigint);
-- (A DELETE that filters reads its rows, so the same rows are readable in that context.)
CREATE POLICY expired_read ON invitations FOR SELECT
    USING (accepted_at IS NULL
           AND expires_at <= NULLIF(current_setting('venuedesk.purge_invitations_before', true), '')::bigint);
