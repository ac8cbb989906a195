-- API clients (OAuth2 client credentials) of a venue. Only a SHA-256 of each secret is
-- kept; a rotation keeps the previous one for an overlap.
CREATE TABLE api_clients (
    venue_id             uuid NOT NULL REFERENCES venues(id),
    id                   uuid NOT NULL UNIQUE,
    name                 text NOT NULL,
    permissions          bigint NOT NULL,
    secret_hash          bytea NOT NULL,
    previous_secret_hash bytea,
    previous_expires_at  bigint,
    created_by           uuid NOT NULL,
    created_at           bigint NOT NULL,
    PRIMARY KEY (venue_id, id)
);
ALTER TABLE api_clients ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_clients FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON api_clients
    USING (venue_id = NULLIF(current_setting('venuedesk.venue_id', true), '')::uuid);
-- The token endpoint knows only the client id it was given: that one client, read-only.
CREATE POLICY by_client ON api_clients FOR SELECT
    USING (id = NULLIF(current_setting('venuedesk.api_client_id', true), '')::uuid);

-- Owners hold every permission, the integration ones (api_clients:manage,
-- webhooks:manage, payments:manage: bits 15-17) included. The migrating owner is subject
-- to the forced policies, so it lifts them for this one statement.
ALTER TABLE roles NO FORCE ROW LEVEL SECURITY;
UPDATE roles SET permissions = permissions | 229376 WHERE builtin AND name = 'owner';
ALTER TABLE roles FORCE ROW LEVEL SECURITY;
