-- What each sync of a record did: the outcome (created, updated, unchanged, skipped, failed),
-- the target records written with the fields sent, or the error. The record trace reads it;
-- housekeeping prunes it with the journal's retention.
CREATE TABLE sync_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant    TEXT    NOT NULL,
    flow      TEXT    NOT NULL,
    source    TEXT    NOT NULL,
    object    TEXT    NOT NULL,
    record_id TEXT    NOT NULL,
    at        INTEGER NOT NULL,
    outcome   TEXT    NOT NULL,
    detail    TEXT    NOT NULL
);
CREATE INDEX sync_log_record ON sync_log (tenant, source, object, record_id, id);
CREATE INDEX sync_log_time ON sync_log (at);
