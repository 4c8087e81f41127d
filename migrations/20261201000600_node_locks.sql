-- Named locks for decisions that read many rows and then write one (store::lock): the
-- allocation of sign-in identifiers (one row, 'identifiers', node-wide) and the daily quota of
-- a member ('quota:' and the member's actor, one row each). Locking the row serialises the
-- transactions that take it on PostgreSQL; SQLite's write transaction is already exclusive.
CREATE TABLE node_locks (
    name TEXT PRIMARY KEY,
    taken_at BIGINT NOT NULL
);
