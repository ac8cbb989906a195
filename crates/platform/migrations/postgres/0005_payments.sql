-- Payments: a venue's provider settings (the webhook signing secret sealed with the
-- venue's data key) and every provider event, kept once per id as the payment state.
CREATE TABLE payment_settings (
    venue_id           uuid PRIMARY KEY REFERENCES venues(id),
    provider           text NOT NULL,
    webhook_secret_enc bytea NOT NULL,
    updated_at         bigint NOT NULL
);

CREATE TABLE payment_events (
    venue_id    uuid NOT NULL REFERENCES venues(id),
    event_id    text NOT NULL,
    kind        text NOT NULL,
    order_id    uuid,
    outcome     text NOT NULL,
    received_at bigint NOT NULL,
    PRIMARY KEY (venue_id, event_id)
);

ALTER TABLE payment_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE payment_settings FORCE ROW LEVEL SECURITY;
ALTER TABLE payment_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE payment_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON payment_settings
    USING (venue_id = NULLIF(current_setting('venuedesk.venue_id', true), '')::uuid);
CREATE POLICY tenant ON payment_events
    USING (venue_id = NULLIF(current_setting('venuedesk.venue_id', true), '')::uuid);
