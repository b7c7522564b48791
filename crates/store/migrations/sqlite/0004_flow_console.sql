-- Flow mappings edited in the operations console: every saved text is a new version (a
-- rollback saves an old text again), so the history is never rewritten. The highest version
-- of a flow is the one that runs; a flow without versions runs its file.
CREATE TABLE flow_versions (
    tenant     TEXT   NOT NULL,
    flow       TEXT   NOT NULL,
    version    BIGINT NOT NULL,
    spec       TEXT   NOT NULL,
    author     TEXT   NOT NULL,
    note       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant, flow, version)
);

-- Flows paused from the console (or `ferry flows pause`): their notices still queue, workers
-- leave them until the flow is resumed.
CREATE TABLE flow_states (
    tenant     TEXT    NOT NULL,
    flow       TEXT    NOT NULL,
    paused     BOOLEAN NOT NULL,
    changed_by TEXT    NOT NULL,
    changed_at BIGINT  NOT NULL,
    PRIMARY KEY (tenant, flow)
);
