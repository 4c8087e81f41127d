-- Refusals of anonymous requests per client address (ops/refusals.rs), in the database so that
-- several node processes on one PostgreSQL share one count per address. A row is one address's
-- current window; rows whose window is over are purged as refusals come.
CREATE TABLE anonymous_refusals (
    address TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    refusals BIGINT NOT NULL
);
CREATE INDEX anonymous_refusals_window ON anonymous_refusals (window_start);
