-- Publishable keys for venues' websites: read-only, bound to origins. Only a SHA-256 of
-- each key is kept. `public_key_origins` answers CORS preflights, which carry no key.
CREATE TABLE public_keys (
    venue_id        uuid NOT NULL REFERENCES venues(id),
    id              uuid NOT NULL UNIQUE,
    key_hash        bytea NOT NULL UNIQUE,
    key_prefix      text NOT NULL,
    allowed_origins text NOT NULL,
    created_at      bigint NOT NULL,
    PRIMARY KEY (venue_id, id)
);

CREATE TABLE public_key_origins (
    venue_id uuid NOT NULL REFERENCES venues(id),
    key_id   uuid NOT NULL,
    origin   text NOT NULL,
    PRIMARY KEY (venue_id, key_id, origin)
);
CREATE INDEX public_key_origins_origin ON public_key_origins(origin);

ALTER TABLE public_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE public_keys FORCE ROW LEVEL SECURITY;
ALTER TABLE public_key_origins ENABLE ROW LEVEL SECURITY;
ALTER TABLE public_key_origins FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON public_keys
    USING (venue_id = NULLIF(current_setting('venuedesk.venue_id', true), '')::uuid);
CREATE POLICY tenant ON public_key_origins
    USING (venue_id = NULLIF(current_setting('venuedesk.venue_id', true), '')::uuid);
-- The one key a website presented (its hash), read-only; and whether an origin is allowed
-- by any key (a preflight), read-only.
CREATE POLICY by_key ON public_keys FOR SELECT
    USING (encode(key_hash, 'hex') = NULLIF(current_setting('venuedesk.public_key_hash', true), ''));
CREATE POLICY by_origin ON public_key_origins FOR SELECT
    USING (origin = NULLIF(current_setting('venuedesk.origin', true), ''));
