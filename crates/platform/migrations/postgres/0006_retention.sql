-- The retention policy's `prune` deletes across venues. Like the `expired` invitations
-- policy, each of these lets a transaction that names a cutoff in
-- `venuedesk.prune_before` (Unix ms) delete, in every venue, only the rows the policy
-- says are due, and nothing else. (A DELETE that filters reads its rows, hence the
-- matching SELECT policies.)

CREATE POLICY retention ON invitations FOR DELETE
    USING (accepted_at <= NULLIF(current_setting('venuedesk.prune_before', true), '')::bigint);
CREATE POLICY retention_read ON invitations FOR SELECT
    USING (accepted_at <= NULLIF(current_setting('venuedesk.prune_before', true), '')::bigint);

CREATE POLICY retention ON authz_denials FOR DELETE
    USING (last_at <= NULLIF(current_setting('venuedesk.prune_before', true), '')::bigint);
CREATE POLICY retention_read ON authz_denials FOR SELECT
    USING (last_at <= NULLIF(current_setting('venuedesk.prune_before', true), '')::bigint);

CREATE POLICY retention ON webhook_deliveries FOR DELETE
    USING (status IN ('delivered', 'failed')
           AND last_at <= NULLIF(current_setting('venuedesk.prune_before', true), '')::bigint);
CREATE POLICY retention_read ON webhook_deliveries FOR SELECT
    USING (status IN ('delivered', 'failed')
           AND last_at <= NULLIF(current_setting('venuedesk.prune_before', true), '')::bigint);

CREATE POLICY retention ON payment_events FOR DELETE
    USING (received_at <= NULLIF(current_setting('venuedesk.prune_before', true), '')::bigint);
CREATE POLICY retention_read ON payment_events FOR SELECT
    USING (received_at <= NULLIF(current_setting('venuedesk.prune_before', true), '')::bigint);

-- Security events are pruned by age.
CREATE INDEX security_events_at ON security_events(at);
