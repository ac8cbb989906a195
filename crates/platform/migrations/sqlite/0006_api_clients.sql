-- API clients (OAuth2 client credentials) of a venue. Only a SHA-256 of each secret is
-- kept; a rotation keeps the previous one for an overlap.
CREATE TABLE api_clients (
    venue_id             TEXT NOT NULL REFERENCES venues(id),
    id                   TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    permissions          INTEGER NOT NULL,  -- bitset, see venuedesk_api::permission
    secret_hash          BLOB NOT NULL,
    previous_secret_hash BLOB,
    previous_expires_at  INTEGER,
    created_by           TEXT NOT NULL,
    created_at           INTEGER NOT NULL,
    PRIMARY KEY (venue_id, id)
) STRICT;

-- Owners hold every permission, the integration ones (api_clients:manage,
-- webhooks:manage, payments:manage: bits 15-17) included.
UPDATE roles SET permissions = permissions | 229376 WHERE builtin = 1 AND name = 'owner';
