-- The last time each identical denial (same venue, actor and permission or reason) was
-- audited: `authz.denied` is recorded at most once a minute per key, so a client hammering
-- a forbidden route cannot flood the audit chain or hold the writer.
CREATE TABLE authz_denials (
    venue_id TEXT NOT NULL REFERENCES venues(id),
    key      TEXT NOT NULL,
    last_at  INTEGER NOT NULL,
    PRIMARY KEY (venue_id, key)
) STRICT;
