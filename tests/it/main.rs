//! Integration tests: real nodes on 127.0.0.1 port 0, a fresh database each (SQLite, or
//! PostgreSQL with ENT_TEST_DATABASE_URL), run in parallel.

mod accounts;
