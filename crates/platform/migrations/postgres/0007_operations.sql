-- Operations commands that record an act in every venue's audit trail (key rotations,
-- `incident revoke-sessions --all`) list the venues' ids through this policy, in a
-- transaction that sets `venuedesk.list_venues`; nothing else reads across venues by it.
CREATE POLICY operator_list ON venues FOR SELECT
    USING (current_setting('venuedesk.list_venues', true) = 'on');
