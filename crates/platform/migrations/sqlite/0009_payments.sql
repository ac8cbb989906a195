-- Payments: a venue's provider settings (the webhook signing secret sealed with the
-- venue's data key) and every provider event, kept once per id as the payment state.
CREATE TABLE payment_settings (
    venue_id           TEXT PRIMARY KEY REFERENCES venues(id),
    provider           TEXT NOT NULL,
    webhook_secret_enc BLOB NOT NULL,
    updated_at         INTEGER NOT NULL
) STRICT;

CREATE TABLE payment_events (
    venue_id    TEXT NOT NULL REFERENCES venues(id),
    event_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    order_id    TEXT,
    outcome     TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (venue_id, event_id)
) STRICT;
