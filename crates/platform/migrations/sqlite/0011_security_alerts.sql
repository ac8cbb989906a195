-- Security alerts shown to a venue's owners: a burst of one kind folds into one row.
CREATE TABLE security_alerts (
    venue_id     TEXT NOT NULL REFERENCES venues(id),
    id           TEXT NOT NULL,
    kind         TEXT NOT NULL,
    summary      TEXT NOT NULL,
    first_at     INTEGER NOT NULL,
    last_at      INTEGER NOT NULL,
    count        INTEGER NOT NULL,
    audit_seq    INTEGER,
    summary_sent INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (venue_id, id)
);
CREATE INDEX security_alerts_kind ON security_alerts(venue_id, kind, first_at);
CREATE INDEX security_alerts_open ON security_alerts(summary_sent, first_at);
