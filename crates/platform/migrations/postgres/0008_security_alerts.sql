-- Security alerts shown to a venue's owners: a burst of one kind folds into one row.
CREATE TABLE security_alerts (
    venue_id     uuid NOT NULL REFERENCES venues(id),
    id           uuid NOT NULL,
    kind         text NOT NULL,
    summary      text NOT NULL,
    first_at     bigint NOT NULL,
    last_at      bigint NOT NULL,
    count        bigint NOT NULL,
    audit_seq    bigint,
    summary_sent boolean NOT NULL DEFAULT false,
    PRIMARY KEY (venue_id, id)
);
CREATE INDEX security_alerts_kind ON security_alerts(venue_id, kind, first_at);
CREATE INDEX security_alerts_open ON security_alerts(summary_sent, first_at);

ALTER TABLE security_alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE security_alerts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON security_alerts
    USING (venue_id = NULLIF(current_setting('venuedesk.venue_id', true), '')::uuid);
-- The summary pass closes the bursts of every venue (their events are enqueued in each
-- venue's own context).
CREATE POLICY summaries ON security_alerts FOR SELECT
    USING (current_setting('venuedesk.alert_summaries', true) = 'on');
CREATE POLICY summaries_close ON security_alerts FOR UPDATE
    USING (current_setting('venuedesk.alert_summaries', true) = 'on');
-- Retention: alerts go a year after their last event.
CREATE POLICY retention ON security_alerts FOR DELETE
    USING (last_at <= NULLIF(current_setting('venuedesk.prune_before', true), '')::bigint);
CREATE POLICY retention_read ON security_alerts FOR SELECT
    USING (last_at <= NULLIF(current_setting('venuedesk.prune_before', true), '')::bigint);
