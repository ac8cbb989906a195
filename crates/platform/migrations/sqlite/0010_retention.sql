-- Security events are pruned by age (the retention policy).
CREATE INDEX security_events_at ON security_events(at);
