-- Identity core: users, sessions, refresh-token families, MFA, brute-force counters,
-- idempotency records and the platform's own keys. Times are Unix milliseconds (UTC).

CREATE TABLE users (
    id               TEXT PRIMARY KEY,
    email            TEXT NOT NULL UNIQUE,
    display_name     TEXT NOT NULL,
    password_hash    TEXT NOT NULL,
    totp_secret_enc  BLOB,             -- confirmed TOTP secret, AES-256-GCM under the platform data key
    totp_pending_enc BLOB,             -- enrolment started, not yet confirmed
    totp_last_step   INTEGER,          -- last accepted 30 s step: a code is accepted once
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;

CREATE TABLE recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash BLOB NOT NULL,           -- SHA-256 of a 60-bit random code
    used_at   INTEGER,
    PRIMARY KEY (user_id, code_hash)
) STRICT;

CREATE TABLE sessions (
    id                  TEXT PRIMARY KEY,
    user_id             TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device_name         TEXT,
    ip                  TEXT,
    mfa_passed          INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    last_used_at        INTEGER NOT NULL,
    absolute_expires_at INTEGER NOT NULL,
    revoked_at          INTEGER,
    revoke_reason       TEXT
) STRICT;
CREATE INDEX sessions_user ON sessions(user_id, created_at);

CREATE TABLE refresh_tokens (
    id                  TEXT PRIMARY KEY,
    session_id          TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    token_hash          BLOB NOT NULL UNIQUE,   -- SHA-256 of the 256-bit token
    issued_at           INTEGER NOT NULL,
    expires_at          INTEGER NOT NULL,
    rotated_at          INTEGER,
    rotated_by_key_hash BLOB,                   -- SHA-256 of the Idempotency-Key of the rotation
    successor_id        TEXT,
    voided_at           INTEGER                 -- pair superseded by a lost-response retry
) STRICT;
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);

CREATE TABLE mfa_challenges (
    token_hash      BLOB PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device_name     TEXT,
    ip              TEXT,
    expires_at      INTEGER NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE security_events (
    id         TEXT PRIMARY KEY,               -- UUIDv7: sorts by time
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    at         INTEGER NOT NULL,
    ip         TEXT,
    session_id TEXT
) STRICT;
CREATE INDEX security_events_user ON security_events(user_id, id);

CREATE TABLE login_failures (
    identifier TEXT NOT NULL,
    failed_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX login_failures_identifier ON login_failures(identifier, failed_at);

CREATE TABLE lockouts (
    identifier   TEXT PRIMARY KEY,
    locked_until INTEGER NOT NULL
) STRICT;

CREATE TABLE ip_hits (
    ip TEXT NOT NULL,
    at INTEGER NOT NULL
) STRICT;
CREATE INDEX ip_hits_ip ON ip_hits(ip, at);

CREATE TABLE idempotency_records (
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    fingerprint  BLOB NOT NULL,
    locked_until INTEGER,                       -- set while in flight
    response_enc BLOB,                          -- stored status, headers and body, encrypted
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) STRICT;
CREATE INDEX idempotency_records_expiry ON idempotency_records(expires_at);

CREATE TABLE signing_keys (
    kid             TEXT PRIMARY KEY,
    public_key      BLOB NOT NULL,
    private_key_enc BLOB NOT NULL,
    created_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE data_keys (
    scope       TEXT PRIMARY KEY,
    wrapped_key BLOB NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
