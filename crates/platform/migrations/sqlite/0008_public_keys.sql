-- Publishable keys for venues' websites: read-only, bound to origins. Only a SHA-256 of
-- each key is kept. `public_key_origins` answers CORS preflights, which carry no key.
CREATE TABLE public_keys (
    venue_id        TEXT NOT NULL REFERENCES venues(id),
    id              TEXT NOT NULL UNIQUE,
    key_hash        BLOB NOT NULL UNIQUE,
    key_prefix      TEXT NOT NULL,
    allowed_origins TEXT NOT NULL,     -- space-separated
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (venue_id, id)
) STRICT;

CREATE TABLE public_key_origins (
    venue_id TEXT NOT NULL REFERENCES venues(id),
    key_id   TEXT NOT NULL,
    origin   TEXT NOT NULL,
    PRIMARY KEY (venue_id, key_id, origin)
) STRICT;
CREATE INDEX public_key_origins_origin ON public_key_origins(origin);
