-- A venue's booking rules (slot length, default durations by party size, notice, how far
-- ahead, turnover) as JSON; `{}` reads as the defaults.
ALTER TABLE venues ADD COLUMN booking_rules text NOT NULL DEFAULT '{}';
