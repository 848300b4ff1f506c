-- One-time setup links (their SHA-256) that create the first admin. Each replica that starts
-- while no user exists prints one; in the database, any of them works through any replica behind
-- a load balancer (issue 14). All are deleted once the first admin exists.
-- Runs on H2 (embedded default) and PostgreSQL alike: keep to the SQL both understand.
CREATE TABLE setup_tokens (
    token_hash VARCHAR(64) PRIMARY KEY,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL
);
