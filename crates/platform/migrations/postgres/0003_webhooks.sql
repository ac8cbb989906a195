-- Outgoing webhooks: endpoints (secrets sealed with the venue's data key) and the outbox
-- of deliveries, written in the transaction of the change each announces. `seq` orders
-- an endpoint's deliveries (a venue's writes commit one after another under its lock); a
-- worker sends only the oldest unfinished one of each endpoint.
CREATE TABLE webhook_endpoints (
    venue_id            uuid NOT NULL REFERENCES venues(id),
    id                  uuid NOT NULL UNIQUE,
    url                 text NOT NULL,
    events              text NOT NULL,
    secret_enc          bytea NOT NULL,
    previous_secret_enc bytea,
    previous_expires_at bigint,
    enabled             boolean NOT NULL,
    created_at          bigint NOT NULL,
    version             bigint NOT NULL,
    PRIMARY KEY (venue_id, id)
);

CREATE TABLE webhook_deliveries (
    venue_id    uuid NOT NULL REFERENCES venues(id),
    id          uuid NOT NULL UNIQUE,
    seq         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    endpoint_id uuid NOT NULL,
    event_id    uuid NOT NULL,
    event       text NOT NULL,
    payload     text NOT NULL,
    status      text NOT NULL,
    attempt     integer NOT NULL,
    status_code integer,
    last_at     bigint,
    next_at     bigint NOT NULL,
    lease_until bigint,
    created_at  bigint NOT NULL,
    PRIMARY KEY (venue_id, id),
    FOREIGN KEY (venue_id, endpoint_id) REFERENCES webhook_endpoints(venue_id, id)
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, status, seq);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_at);

ALTER TABLE webhook_endpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_endpoints FORCE ROW LEVEL SECURITY;
ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON webhook_endpoints
    USING (venue_id = NULLIF(current_setting('venuedesk.venue_id', true), '')::uuid);
CREATE POLICY tenant ON webhook_deliveries
    USING (venue_id = NULLIF(current_setting('venuedesk.venue_id', true), '')::uuid);
-- The delivery worker finds due deliveries of every venue: ids, event names and states
-- (the payloads hold no personal data). Endpoints, URLs and secrets stay per venue.
CREATE POLICY delivery_worker ON webhook_deliveries
    USING (current_setting('venuedesk.webhook_worker', true) = 'on');
