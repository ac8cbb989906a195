-- The tables each live booking holds, from its start until its end plus the turnover. The
-- booking write checks this table (SQLite has one writer) for another booking holding one
-- of the same tables at an overlapping time: never two bookings on one table at once.
CREATE TABLE booking_tables (
    venue_id      TEXT NOT NULL REFERENCES venues(id),
    booking_id    TEXT NOT NULL,
    table_id      TEXT NOT NULL,
    starts_at     INTEGER NOT NULL,
    blocked_until INTEGER NOT NULL,
    PRIMARY KEY (venue_id, booking_id, table_id)
);
CREATE INDEX booking_tables_by_table ON booking_tables(venue_id, table_id, starts_at);
