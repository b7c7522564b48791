-- Ferry's foundation schema (SQLite). Times are microseconds since the Unix epoch, UTC.

CREATE TABLE journal (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant      TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    object      TEXT    NOT NULL,
    record_id   TEXT    NOT NULL,
    operation   TEXT    NOT NULL,
    observed_at INTEGER NOT NULL,
    origin      TEXT,
    payload     TEXT    NOT NULL,
    journaled_at INTEGER NOT NULL
);
CREATE INDEX journal_record ON journal (tenant, source, object, record_id, id);
CREATE INDEX journal_time ON journal (journaled_at);

-- state: 'pending' (waiting, possibly for a retry or behind an in-flight item) or 'leased'.
-- due_at: when a pending item may be leased, or when a lease expires.
CREATE TABLE work_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant      TEXT    NOT NULL,
    flow        TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    object      TEXT    NOT NULL,
    record_id   TEXT    NOT NULL,
    operation   TEXT    NOT NULL,
    journal_id  INTEGER NOT NULL,
    notices     INTEGER NOT NULL,
    payload     TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    attempts    INTEGER NOT NULL,
    due_at      INTEGER NOT NULL,
    lease_token TEXT,
    lease_owner TEXT,
    enqueued_at INTEGER NOT NULL,
    history     TEXT    NOT NULL
);
-- At most one waiting item per record: new notices coalesce into it.
CREATE UNIQUE INDEX work_items_one_pending
    ON work_items (tenant, flow, source, object, record_id) WHERE state = 'pending';
CREATE INDEX work_items_due ON work_items (due_at, id);
-- Items in flight, per record: a waiting item may start only when its record has none. Small
-- (at most the leased items), so the lease query's check stays cheap however long the queue.
CREATE INDEX work_items_in_flight ON work_items (tenant, flow, source, object, record_id)
    WHERE state = 'leased';

CREATE TABLE dead_letters (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant        TEXT    NOT NULL,
    flow          TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    object        TEXT    NOT NULL,
    record_id     TEXT    NOT NULL,
    operation     TEXT    NOT NULL,
    journal_id    INTEGER NOT NULL,
    notices       INTEGER NOT NULL,
    payload       TEXT    NOT NULL,
    error_code    TEXT    NOT NULL,
    error_message TEXT    NOT NULL,
    history       TEXT    NOT NULL,
    enqueued_at   INTEGER NOT NULL,
    failed_at     INTEGER NOT NULL
);
CREATE INDEX dead_letters_flow ON dead_letters (tenant, flow, error_code);
CREATE INDEX dead_letters_record ON dead_letters (tenant, record_id);

CREATE TABLE xref_links (
    tenant              TEXT NOT NULL,
    entity              TEXT NOT NULL,
    brightpearl_id      TEXT NOT NULL,
    salesforce_id       TEXT NOT NULL,
    hash_to_salesforce  TEXT,
    hash_to_brightpearl TEXT,
    brightpearl_version TEXT,
    salesforce_version  TEXT,
    updated_at          INTEGER NOT NULL,
    PRIMARY KEY (tenant, entity, brightpearl_id)
);
CREATE UNIQUE INDEX xref_links_salesforce ON xref_links (tenant, entity, salesforce_id);

CREATE TABLE checkpoints (
    tenant     TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, source, name)
);

CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    tenant  TEXT    NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    subject TEXT    NOT NULL,
    detail  TEXT    NOT NULL
);

CREATE TABLE secrets (
    tenant     TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    key_id     TEXT    NOT NULL,
    nonce      BLOB    NOT NULL,
    ciphertext BLOB    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, name)
);

-- The idempotency ledger: one row per effect applied, keyed by the work's idempotency key, so
-- that work redelivered after a crash finds its effect already done.
CREATE TABLE effects (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant      TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    flow        TEXT    NOT NULL,
    record_id   TEXT    NOT NULL,
    detail      TEXT    NOT NULL,
    applied_at  INTEGER NOT NULL,
    repeats     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (tenant, key)
);
CREATE INDEX effects_flow ON effects (tenant, flow, id);
