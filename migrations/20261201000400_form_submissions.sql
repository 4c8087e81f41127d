-- One-time form tokens already used (web/once.rs): a form sent twice does one thing. The
-- primary key makes claiming a token atomic; `location` is where the first submission went
-- (empty while it runs, or when it answered with a page). Rows older than a day are purged.
CREATE TABLE form_submissions (
    token TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    location TEXT NOT NULL
);
CREATE INDEX form_submissions_at ON form_submissions (at);
