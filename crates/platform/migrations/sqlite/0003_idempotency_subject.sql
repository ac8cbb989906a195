-- A stored idempotent response about a customer names them, so erasing the customer can
-- delete the stored copy of their data too (GDPR Art. 17).
ALTER TABLE idempotency_records ADD COLUMN subject TEXT;
CREATE INDEX idempotency_records_subject ON idempotency_records(subject) WHERE subject IS NOT NULL;
