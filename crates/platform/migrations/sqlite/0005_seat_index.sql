-- The capacity check reads every booking that holds seats around a new one's time. A
-- covering partial index answers it from the index alone (no table lookup per booking),
-- so a pile of overlapping bookings costs a range scan of small index entries.
CREATE INDEX docs_seats ON docs(venue_id, entity, starts_at, ends_at, party_size)
    WHERE deleted = 0 AND status IN ('confirmed', 'seated');
