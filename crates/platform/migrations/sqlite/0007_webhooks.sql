-- Outgoing webhooks: endpoints (secrets sealed with the venue's data key) and the outbox
-- of deliveries, written in the transaction of the change each announces. `seq` orders
-- an endpoint's deliveries; a worker sends only the oldest unfinished one of each.
CREATE TABLE webhook_endpoints (
    venue_id            TEXT NOT NULL REFERENCES venues(id),
    id                  TEXT NOT NULL UNIQUE,
    url                 TEXT NOT NULL,
    events              TEXT NOT NULL,      -- space-separated event types
    secret_enc          BLOB NOT NULL,
    previous_secret_enc BLOB,
    previous_expires_at INTEGER,
    enabled             INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    version             INTEGER NOT NULL,
    PRIMARY KEY (venue_id, id)
) STRICT;

CREATE TABLE webhook_deliveries (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    venue_id    TEXT NOT NULL REFERENCES venues(id),
    id          TEXT NOT NULL UNIQUE,
    endpoint_id TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    event       TEXT NOT NULL,
    payload     TEXT NOT NULL,
    status      TEXT NOT NULL,              -- pending | delivered | failed | paused
    attempt     INTEGER NOT NULL,
    status_code INTEGER,
    last_at     INTEGER,
    next_at     INTEGER NOT NULL,
    lease_until INTEGER,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, status, seq);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_at);
