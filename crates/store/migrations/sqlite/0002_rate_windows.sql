-- Shared rate windows: the count of one API account's fixed window (a Brightpearl account's
-- requests per minute), so that every worker process spends from one allowance. One row per
-- (tenant, key); takers lock it for the length of one read-modify-write.
CREATE TABLE rate_windows (
    tenant            TEXT   NOT NULL,
    key               TEXT   NOT NULL,
    -- When the current window ends, in milliseconds since the Unix epoch (database clock).
    window_ends_at_ms BIGINT NOT NULL,
    -- Units left in the current window.
    remaining         BIGINT NOT NULL,
    PRIMARY KEY (tenant, key)
);
