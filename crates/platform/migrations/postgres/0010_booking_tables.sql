-- The tables each live booking holds, from its start until its end plus the turnover. The
-- booking write checks this table, under the venue's lock, for another booking holding one
-- of the same tables at an overlapping time: never two bookings on one table at once.
CREATE TABLE booking_tables (
    venue_id      uuid NOT NULL REFERENCES venues(id),
    booking_id    uuid NOT NULL,
    table_id      uuid NOT NULL,
    starts_at     bigint NOT NULL,
    blocked_until bigint NOT NULL,
    PRIMARY KEY (venue_id, booking_id, table_id)
);
CREATE INDEX booking_tables_by_table ON booking_tables(venue_id, table_id, starts_at);

ALTER TABLE booking_tables ENABLE ROW LEVEL SECURITY;
ALTER TABLE booking_tables FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON booking_tables
    USING (venue_id = NULLIF(current_setting('venuedesk.venue_id', true), '')::uuid);
